/* SPDX-License-Identifier: MIT */
/* obs-trace: the commands behind the dispatch table in main.c. */
#ifndef OBS_TRACE_H
#define OBS_TRACE_H

/* Each returns an exit status; argv[0] is the command name. */
int cmd_exec(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_end(int argc, char **argv);
int cmd_event(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_id(int argc, char **argv);
int cmd_context(int argc, char **argv);

#endif
