/* SPDX-License-Identifier: MIT */
/* obs: the front door; runs obs-NAME as git runs git-NAME, and keeps the store. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_store_cmd.h"

/* The folder of this executable, so obs finds the tools installed beside it. */
static int self_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* Print the obs-* programs in DIR not already printed (names kept in SEEN, a '\n'-joined list). */
static void list_dir(const char *dir, char *seen, size_t size)
{
	struct dirent *de;
	char path[PATH_MAX], key[NAME_MAX + 3];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		/* obs-NAME-PART programs are helpers run by obs-NAME, not tools */
		if (strncmp(de->d_name, "obs-", 4) || !de->d_name[4] || strchr(de->d_name + 4, '-'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(key, sizeof(key), "\n%s\n", de->d_name + 4);
		if (access(path, X_OK) < 0 || strstr(seen, key))
			continue;
		if (strlen(seen) + strlen(key) < size)
			strcat(seen, key + 1);
		printf("  %-10s  (%s)\n", de->d_name + 4, path);
	}
	closedir(d);
}

static int overview(FILE *fp, int status)
{
	char dir[PATH_MAX], seen[8192] = "\n", *path, *p, *tok;

	fprintf(fp, "usage: obs [--help] [--version] COMMAND [args]\n\n"
		"Observability for shell pipelines, cron jobs and CI.\n\n"
		"store commands:\n"
		"  store info      segments, days and bytes per signal\n"
		"  store compact   gzip closed days (read transparently)\n"
		"  store prune     remove days older than a retention period\n"
		"  store verify    check that every record reads back\n\n"
		"tools (obs NAME runs obs-NAME):\n");
	fflush(fp);
	if (fp == stdout) {
		if (self_dir(dir, sizeof(dir)) == 0)
			list_dir(dir, seen, sizeof(seen));
		path = strdup(getenv("PATH") ? getenv("PATH") : "");
		for (p = path; path && (tok = strsep(&p, ":"));)
			if (*tok)
				list_dir(tok, seen, sizeof(seen));
		free(path);
	}
	fprintf(fp, "\nRun 'obs COMMAND --help' or 'man obs-COMMAND' for more.\n");
	return fp == stdout ? obs_cli_finish(status) : status;
}

/* Run obs-NAME: first beside this executable, then on PATH. */
static int run_tool(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX], prog[NAME_MAX];

	(void)argc;
	if (strchr(argv[1], '/') || snprintf(prog, sizeof(prog), "obs-%s", argv[1]) >= (int)sizeof(prog)) {
		obs_warnx("'%s' is not an obs command", argv[1]);
		return OBS_EXIT_USAGE;
	}
	argv[1] = prog;
	if (self_dir(dir, sizeof(dir)) == 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, prog);
		if (access(path, X_OK) == 0)
			execv(path, argv + 1);
	}
	execvp(prog, argv + 1);
	if (errno == ENOENT) {
		obs_warnx("'%s' is not an obs command (no '%s' beside obs or on PATH); see 'obs --help'",
			  prog + 4, prog);
		return OBS_EXIT_USAGE;
	}
	obs_warn("cannot run '%s'", prog);
	return 126;
}

int main(int argc, char **argv)
{
	obs_cli_init(argv[0]);
	if (argc < 2)
		return overview(stderr, OBS_EXIT_USAGE);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return overview(stdout, OBS_EXIT_OK);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("obs %s\n", OBS_VERSION);
		return obs_cli_finish(OBS_EXIT_OK);
	}
	if (!strcmp(argv[1], "store"))
		return cmd_store(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		obs_warnx("unknown option '%s'", argv[1]);
		return overview(stderr, OBS_EXIT_USAGE);
	}
	return run_tool(argc, argv);
}
