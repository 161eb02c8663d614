/* SPDX-License-Identifier: MIT */
/* Fault-injecting HTTP test server: answers by a scripted plan and records every request. */
/*
 * faultsrv [--plan LIST] [--record DIR] [--port N] [--max-seconds S]
 *          [--content-type T] [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]
 *
 * Listens on 127.0.0.1 (port 0: any free one), prints the port on the
 * first line of stdout, then serves until SIGTERM/SIGINT or --max-seconds.
 * The plan is a comma-separated list, one step per request in arrival
 * order; the last step repeats once the list is used up (default "200"):
 *
 *   NNN          status NNN, body "faultsrv: NNN Reason\n"
 *   NNN:VALUE    same with "Retry-After: VALUE"; VALUE "@+S" / "@-S" is the
 *                HTTP-date S seconds from now / ago, anything else is sent as is
 *   NNN=FILE     status NNN with FILE's contents as the body
 *   reset        close the connection without answering
 *   stall:S      wait S seconds (fractions allowed), then 200
 *   down:S       close without answering and refuse connections for S seconds
 *                (the port is closed, then listened on again)
 *   big:N        200 with N bytes of 'x' (N may end in k or M)
 *   gzip:N       200 with N bytes of 'x', sent with Content-Encoding: gzip
 *
 * With --record DIR, request K (from 1) is written, before it is answered,
 * to DIR/K.head (the request line "METHOD PATH[?QUERY] VERSION", then one
 * "Name: value" line per header) and DIR/K.body (gzip request bodies
 * decoded), K as 4 digits; DIR/log gets one line per request: "K METHOD
 * PATH STEP BYTES" plus, with TLS, "cert=none|verified|invalid" for the
 * client certificate. A request body that is not valid gzip while it says
 * so gets 400; one over 256 MiB gets 413.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <zlib.h>

#define MAX_BODY (256u * 1024 * 1024)

enum act { ACT_STATUS, ACT_RESET, ACT_STALL, ACT_DOWN, ACT_BIG, ACT_GZIP };

struct step {
	enum act act;
	unsigned status;
	char *text;               /* the step as written, for the log */
	char *retry_after;        /* NULL: none */
	char *body;               /* NNN=FILE contents */
	size_t body_len;
	double secs;
	size_t bytes;
};

struct req {
	char *buf;
	size_t len, cap;
	int too_big;
};

static struct step *plan;
static int nplan;
static unsigned long served;
static const char *record_dir;
static const char *content_type = "text/plain; charset=utf-8";
static char *tls_cert, *tls_key, *tls_ca;
static int wake[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t down_cond = PTHREAD_COND_INITIALIZER;
static unsigned long down_asked, down_done;
static double down_secs;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "faultsrv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	if (!fp)
		die("cannot open '%s'", path);
	*len = 0;
	do {
		if (*len + 65536 > cap) {
			cap = cap ? cap * 2 : 65536;
			if (!(buf = realloc(buf, cap + 1)))
				die("out of memory");
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
	} while (n > 0);
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	if (end == s)
		die("invalid size '%s'", s);
	if (*end == 'k')
		n *= 1024, end++;
	else if (*end == 'M')
		n *= 1024 * 1024, end++;
	if (*end)
		die("invalid size '%s'", s);
	return (size_t)n;
}

static double parse_secs(const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end || d < 0)
		die("invalid seconds '%s'", s);
	return d;
}

static void parse_plan(const char *list)
{
	char *copy = strdup(list), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct step st = { 0 };

		st.text = strdup(tok);
		if (strcmp(tok, "reset") == 0) {
			st.act = ACT_RESET;
		} else if (strncmp(tok, "stall:", 6) == 0) {
			st.act = ACT_STALL;
			st.secs = parse_secs(tok + 6);
		} else if (strncmp(tok, "down:", 5) == 0) {
			st.act = ACT_DOWN;
			st.secs = parse_secs(tok + 5);
		} else if (strncmp(tok, "big:", 4) == 0) {
			st.act = ACT_BIG;
			st.bytes = parse_size(tok + 4);
		} else if (strncmp(tok, "gzip:", 5) == 0) {
			st.act = ACT_GZIP;
			st.bytes = parse_size(tok + 5);
		} else if (strspn(tok, "0123456789") == 3 && tok[0] >= '1' &&
			   (tok[3] == '\0' || tok[3] == ':' || tok[3] == '=')) {
			st.act = ACT_STATUS;
			st.status = (unsigned)atoi(tok);
			if (tok[3] == ':')
				st.retry_after = strdup(tok + 4);
			else if (tok[3] == '=')
				st.body = read_file(tok + 4, &st.body_len);
		} else {
			die("invalid plan step '%s'", tok);
		}
		plan = realloc(plan, (size_t)(nplan + 1) * sizeof(*plan));
		plan[nplan++] = st;
	}
	free(copy);
	if (nplan == 0)
		die("empty plan");
}

/* ---- recording ----------------------------------------------------------- */

struct strbuf {
	char *buf;
	size_t len, cap;
};

static void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > sb->cap) {
		sb->cap = (sb->len + n + 1) * 2;
		if (!(sb->buf = realloc(sb->buf, sb->cap)))
			die("out of memory");
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static void sb_str(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct strbuf *sb = cls;

	(void)kind;
	sb_str(sb, key);
	sb_str(sb, ": ");
	sb_str(sb, value ? value : "");
	sb_str(sb, "\n");
	return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct strbuf *sb = cls;

	(void)kind;
	sb_str(sb, sb->buf[sb->len - 1] == '?' ? "" : "&");
	sb_str(sb, key);
	if (value) {
		sb_str(sb, "=");
		sb_str(sb, value);
	}
	return MHD_YES;
}

static void write_file(const char *name, const char *data, size_t len)
{
	char path[4096], tmp[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", record_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w <= 0)
			break;
		data += w;
		len -= (size_t)w;
	}
	close(fd);
	rename(tmp, path);
}

static const char *client_cert_state(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s;
	unsigned int n = 0, status = 0;

	if (!ci)
		return "none";
	s = (gnutls_session_t)ci->tls_session;
	if (!gnutls_certificate_get_peers(s, &n) || n == 0)
		return "none";
	if (gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0)
		return "verified";
	return "invalid";
}

static void record(unsigned long k, struct MHD_Connection *conn, const char *method,
		   const char *url, const char *version, const char *body, size_t len,
		   const char *what)
{
	struct strbuf head = { 0 }, line = { 0 };
	char name[64], num[64];

	if (!record_dir)
		return;
	sb_str(&head, method);
	sb_str(&head, " ");
	sb_str(&head, url);
	sb_str(&head, "?");
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &head);
	if (head.buf[head.len - 1] == '?')
		head.buf[--head.len] = '\0';
	sb_str(&head, " ");
	sb_str(&head, version);
	sb_str(&head, "\n");
	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, &head);
	snprintf(name, sizeof(name), "%04lu.body", k);
	write_file(name, body ? body : "", len);
	snprintf(name, sizeof(name), "%04lu.head", k);
	write_file(name, head.buf, head.len);

	snprintf(num, sizeof(num), "%04lu ", k);
	sb_str(&line, num);
	sb_str(&line, method);
	sb_str(&line, " ");
	sb_str(&line, url);
	sb_str(&line, " ");
	sb_str(&line, what);
	snprintf(num, sizeof(num), " %zu", len);
	sb_str(&line, num);
	if (tls_cert) {
		sb_str(&line, " cert=");
		sb_str(&line, client_cert_state(conn));
	}
	sb_str(&line, "\n");
	snprintf(name, sizeof(name), "%s/log", record_dir);
	{
		int fd = open(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			if (write(fd, line.buf, line.len) < 0)
				perror("faultsrv: log");
			close(fd);
		}
	}
	free(head.buf);
	free(line.buf);
}

/* ---- answering ------------------------------------------------------------- */

static int gunzip(const char *in, size_t len, struct strbuf *out)
{
	z_stream zs;
	char chunk[65536];
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = (Bytef *)chunk;
		zs.avail_out = sizeof(chunk);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			break;
		sb_add(out, chunk, sizeof(chunk) - zs.avail_out);
		if (out->len > MAX_BODY)
			rc = Z_MEM_ERROR;
	} while (rc == Z_OK && (zs.avail_in > 0 || zs.avail_out == 0));
	inflateEnd(&zs);
	if (!out->buf)
		sb_add(out, "", 0);
	return rc == Z_STREAM_END ? 0 : -1;
}

static void sleep_secs(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *body,
			       size_t len, const char *retry_after, int gzipped)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
								  MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", content_type);
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	if (gzipped)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result respond_status(struct MHD_Connection *conn, const struct step *st)
{
	char text[128], date[64];
	const char *ra = st->retry_after;

	if (ra && ra[0] == '@' && (ra[1] == '+' || ra[1] == '-')) {
		time_t t = time(NULL) + (ra[1] == '+' ? 1 : -1) * atol(ra + 2);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		ra = date;
	}
	if (st->body)
		return respond(conn, st->status, st->body, st->body_len, ra, 0);
	snprintf(text, sizeof(text), "faultsrv: %u %s\n", st->status,
		 MHD_get_reason_phrase_for(st->status));
	return respond(conn, st->status, text, strlen(text), ra, 0);
}

static enum MHD_Result respond_big(struct MHD_Connection *conn, size_t n, int gzipped)
{
	char *x = malloc(n + 1), *gz = NULL;
	enum MHD_Result rc;

	if (!x)
		return MHD_NO;
	memset(x, 'x', n);
	if (gzipped) {
		uLongf glen = compressBound((uLong)n) + 32;
		z_stream zs;

		gz = malloc(glen);
		memset(&zs, 0, sizeof(zs));
		deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (Bytef *)x;
		zs.avail_in = (uInt)n;
		zs.next_out = (Bytef *)gz;
		zs.avail_out = (uInt)glen;
		deflate(&zs, Z_FINISH);
		rc = respond(conn, 200, gz, zs.total_out, NULL, 1);
		deflateEnd(&zs);
	} else {
		rc = respond(conn, 200, x, n, NULL, 0);
	}
	free(x);
	free(gz);
	return rc;
}

/* Ask the main thread to close the port, and wait until it has. */
static void go_down(double secs)
{
	unsigned long mine;

	pthread_mutex_lock(&lock);
	mine = ++down_asked;
	down_secs = secs;
	if (write(wake[1], "d", 1) < 0)
		perror("faultsrv: wake");
	while (down_done < mine)
		pthread_cond_wait(&down_cond, &lock);
	pthread_mutex_unlock(&lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;
	struct strbuf decoded = { 0 };
	const char *enc, *body;
	size_t len;
	struct step st;
	unsigned long k;
	enum MHD_Result rc;

	(void)cls;
	if (!r) {
		*con_cls = r = calloc(1, sizeof(*r));
		return r ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		if (r->len + *upload_size > MAX_BODY) {
			r->too_big = 1;
		} else {
			if (r->len + *upload_size + 1 > r->cap) {
				r->cap = (r->len + *upload_size + 1) * 2;
				if (!(r->buf = realloc(r->buf, r->cap)))
					return MHD_NO;
			}
			memcpy(r->buf + r->len, upload, *upload_size);
			r->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&lock);
	k = ++served;
	st = plan[k <= (unsigned long)nplan ? k - 1 : (unsigned long)nplan - 1];
	pthread_mutex_unlock(&lock);

	body = r->buf;
	len = r->len;
	if (r->too_big) {
		record(k, conn, method, url, version, NULL, 0, "too-big");
		return respond(conn, 413, "faultsrv: body too large\n", 25, NULL, 0);
	}
	enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Encoding");
	if (enc && strcasecmp(enc, "gzip") == 0) {
		if (gunzip(r->buf, r->len, &decoded) < 0) {
			record(k, conn, method, url, version, r->buf, r->len, "bad-gzip");
			free(decoded.buf);
			return respond(conn, 400, "faultsrv: invalid gzip body\n", 28, NULL, 0);
		}
		body = decoded.buf;
		len = decoded.len;
	}
	record(k, conn, method, url, version, body, len, st.text);
	free(decoded.buf);

	switch (st.act) {
	case ACT_RESET:
		return MHD_NO;
	case ACT_DOWN:
		go_down(st.secs);
		return MHD_NO;
	case ACT_STALL:
		sleep_secs(st.secs);
		rc = respond(conn, 200, "faultsrv: 200 OK\n", 17, NULL, 0);
		break;
	case ACT_BIG:
	case ACT_GZIP:
		rc = respond_big(conn, st.bytes, st.act == ACT_GZIP);
		break;
	default:
		rc = respond_status(conn, &st);
		break;
	}
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r) {
		free(r->buf);
		free(r);
		*con_cls = NULL;
	}
}

static struct MHD_Daemon *start(unsigned port)
{
	struct sockaddr_in sa;
	struct MHD_OptionItem opts[12];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC;
	int n = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &sa };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL };
	if (tls_cert) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, tls_key };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, tls_cert };
		if (tls_ca)
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, tls_ca };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

static void on_signal(int sig)
{
	(void)sig;
	if (write(wake[1], "t", 1) < 0)
		_exit(1);
}

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for a wake byte until END (0: forever); returns it, or 0 at END. */
static char wait_wake(double end)
{
	struct pollfd pfd = { wake[0], POLLIN, 0 };
	char c;

	for (;;) {
		int ms = -1;

		if (end > 0) {
			double left = end - now_secs();

			if (left <= 0)
				return 0;
			ms = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, ms) > 0 && read(wake[0], &c, 1) == 1)
			return c;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plan", required_argument, NULL, 'p' },
		{ "record", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'P' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "content-type", required_argument, NULL, 'c' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "tls-client-ca", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	const char *plan_text = "200";
	double max_secs = 0, end = 0;
	unsigned port = 0;
	struct MHD_Daemon *d;
	struct sigaction sa;
	size_t len;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': plan_text = optarg; break;
		case 'r': record_dir = optarg; break;
		case 'P': port = (unsigned)atoi(optarg); break;
		case 'm': max_secs = parse_secs(optarg); break;
		case 'c': content_type = optarg; break;
		case 'C': tls_cert = read_file(optarg, &len); break;
		case 'K': tls_key = read_file(optarg, &len); break;
		case 'A': tls_ca = read_file(optarg, &len); break;
		default:
			fprintf(stderr, "usage: faultsrv [--plan LIST] [--record DIR] [--port N] "
				"[--max-seconds S] [--content-type T] [--tls-cert PEM --tls-key PEM "
				"[--tls-client-ca PEM]]\n");
			return 2;
		}
	}
	if (!tls_cert != !tls_key)
		die("--tls-cert and --tls-key go together");
	parse_plan(plan_text);
	if (record_dir && mkdir(record_dir, 0755) < 0 && errno != EEXIST)
		die("cannot create '%s'", record_dir);
	if (pipe(wake) < 0)
		die("pipe failed");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!(d = start(port)))
		die("cannot listen on 127.0.0.1 port %u", port);
	port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	printf("%u\n", port);
	fflush(stdout);
	if (max_secs > 0)
		end = now_secs() + max_secs;

	for (;;) {
		char w = wait_wake(end);
		double back;

		if (w != 'd')
			break;
		/* down: close the port, let the asking request go, reopen later. */
		pthread_mutex_lock(&lock);
		close(MHD_quiesce_daemon(d));
		back = now_secs() + down_secs;
		do {
			down_done = down_asked;
			pthread_cond_broadcast(&down_cond);
			pthread_mutex_unlock(&lock);
			w = wait_wake(end > 0 && end < back ? end : back);
			pthread_mutex_lock(&lock);
		} while (w == 'd');
		pthread_mutex_unlock(&lock);
		if (w != 0 || (end > 0 && now_secs() >= end))
			break;
		for (int tries = 0; !(d = start(port)); tries++) {
			if (tries == 100)
				die("cannot listen again on 127.0.0.1 port %u", port);
			sleep_secs(0.01);
		}
	}
	/* Threads may be stalled in a handler: leave without waiting for them. */
	_exit(0);
}
