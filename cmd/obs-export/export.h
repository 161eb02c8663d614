/* SPDX-License-Identifier: MIT */
/* obs-export: the delivery engine shared by every destination, and the destinations' commands. */
#ifndef OBS_EXPORT_H
#define OBS_EXPORT_H

#include <getopt.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_cursor.h"
#include "obs_error.h"
#include "obs_http.h"
#include "obs_jscan.h"
#include "obs_ndjson.h"
#include "obs_otlp.h"
#include "obs_store.h"

/* The commands of the dispatch table (main.c). Each returns an exit status. */
int cmd_otlp(int argc, char **argv);
int cmd_pushgateway(int argc, char **argv);
int cmd_remote_write(int argc, char **argv);
int cmd_loki(int argc, char **argv);
int cmd_elasticsearch(int argc, char **argv);
int cmd_splunk(int argc, char **argv);
int cmd_datadog(int argc, char **argv);
int cmd_zipkin(int argc, char **argv);
int cmd_webhook(int argc, char **argv);
int cmd_file(int argc, char **argv);
int cmd_serve(int argc, char **argv);      /* export_serve.c */

/* ---- text buffers (abort when out of memory, as a CLI may) ---------------- */

struct xbuf {
	char *p;          /* always NUL-terminated once anything was added */
	size_t len, cap;
};

void xb_raw(struct xbuf *b, const void *s, size_t n);
void xb_str(struct xbuf *b, const char *s);
void xb_char(struct xbuf *b, char c);
void xb_fmt(struct xbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S (N bytes of UTF-8) as a JSON string literal, quotes included. */
void xb_json(struct xbuf *b, const char *s, size_t n);
void xb_reset(struct xbuf *b);
void xb_release(struct xbuf *b);

/* Abort-on-failure allocation helpers. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* ---- records in a batch ---------------------------------------------------- */

struct exp_item {
	size_t off, len;     /* the record's line in batch->text (NUL after it) */
	uint32_t src;        /* its input, an index into batch->names */
	uint64_t lineno;     /* its line number there */
	int64_t time;        /* the record's time ("start" for spans, else "time"), ns; 0 unknown */
	int bad;             /* refused by the destination (reported once) */
};

struct exp_batch {
	char *signal;        /* "spans", "metrics", "logs", ... */
	struct xbuf text;
	struct exp_item *items;
	size_t n, cap;
	char **names;        /* input names, for messages */
	size_t nnames;
	int64_t opened;      /* monotonic ns when the first record came in */
};

static inline const char *exp_line(const struct exp_batch *b, size_t i)
{
	return b->text.p + b->items[i].off;
}

/* ---- a request, as the destination encoded it --------------------------------- */

struct exp_req {
	const char *method;        /* NULL: POST */
	const char *url;           /* NULL: the destination's url */
	const char *content_type;
	const void *body;
	size_t len;
	size_t records;            /* records carried */
};

/* A growing list of item indices. */
struct exp_idx {
	size_t *v;
	size_t n, cap;
};
void exp_idx_push(struct exp_idx *l, size_t i);
void exp_idx_release(struct exp_idx *l);

struct exp;

/*
 * A destination: its command name, options, and how it turns records into
 * requests. Everything but name, synopsis and encode may be NULL.
 */
struct exp_dest {
	const char *name;                /* "loki": the command and the cursor id's prefix */
	const char *synopsis;
	const char *options;             /* help text of its own options */
	const struct option *longopts;   /* its own long options (val >= 256), NULL-terminated */
	const char *signals;             /* accepted signals "spans,metrics,logs"; NULL: any */
	const char *default_signals;     /* used without --signal */
	int default_gzip;                /* compress bodies unless --compression none */
	int own_encoding;                /* bodies compressed their own way: no --compression */
	int no_split;                    /* every request carries everything: no 413 splits */
	int split_rejected;              /* a 400 may refuse only some records (and store the
					    others): halve the request to find them */
	int checks_json;                 /* encode checks every record's JSON itself (so the
					    engine need not parse store records twice) */

	/* An option of its own: 0, or an exit status (usage error printed). */
	int (*option)(struct exp *x, int c, const char *arg);
	/* After the options: check them, set x->url, headers, x->identity. 0 or exit status. */
	int (*setup)(struct exp *x);
	/* Before a batch's first request: apply its records to the state (stateful ones). */
	int (*prepare)(struct exp *x, struct exp_batch *b, struct obs_error *err);
	/*
	 * The request for the N records IDX of B (a whole batch, a half of one
	 * the server found too large, or the items to retry). A record that
	 * cannot be encoded is reported with exp_refuse and left out; when
	 * none is left, req->len = 0 and nothing is sent.
	 */
	int (*encode)(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		      struct exp_req *req, struct obs_error *err);
	/*
	 * A 2xx answer to the request of IDX: per-record results (Elasticsearch
	 * _bulk). Records refused for good go to exp_dead_item; those to send
	 * again are pushed on RETRY. 0, or -1 (the answer cannot be read: the
	 * request counts as failed for good, err set).
	 */
	int (*check)(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		     const struct obs_http_response *resp, struct exp_idx *retry,
		     struct obs_error *err);
	/* Deliver without HTTP (the file destination): fill resp->outcome/status. 0 / -1. */
	int (*send)(struct exp *x, const struct exp_req *req, struct obs_http_response *resp,
		    struct obs_error *err);
	/* The state saved with the cursor of SIGNAL (loaded into the destination before reading). */
	int (*load_state)(struct exp *x, const char *signal, json_t *state, struct obs_error *err);
	json_t *(*save_state)(struct exp *x, const char *signal);   /* new reference or NULL */
	/*
	 * The client for SIGNAL's requests (set up with exp_http_setup); NULL:
	 * x->http. Called from either thread: it must only read.
	 */
	struct obs_http *(*client)(struct exp *x, const char *signal);
	void (*cleanup)(struct exp *x);
};

/* A stream of one signal: its reader, cursor and batch. */
struct exp_stream {
	char *signal;
	struct exp_batch batch;
	/* Store input only. */
	int from_store;
	char *cursor_path;
	struct obs_cursor cursor;
	struct obs_cursor_reader rd;
	int rd_open;
	int dirty;                  /* lines consumed since the cursor was saved */
};

/*
 * Destinations without prepare and save_state are pipelined: a sender
 * thread sends and retries batch N (and saves the cursor after it) while
 * the main thread reads and encodes batch N+1. The
 * engine makes every call of encode and check under one lock, so a
 * destination's own state needs none; send (the file destination) runs
 * on the sender thread alone and must not touch what encode uses.
 * exp_refuse, exp_dead_item, exp_partial and exp_verbose may be called
 * from either thread.
 */
struct exp_pipe;

struct exp_stats {
	unsigned long long sent;          /* records acknowledged */
	unsigned long long bytes;         /* request body bytes acknowledged (before compression) */
	unsigned long long requests;      /* requests acknowledged */
	unsigned long long retries;       /* attempts beyond the first */
	unsigned long long dead;          /* records dead-lettered */
	unsigned long long skipped;       /* malformed or refused records */
	unsigned long long older;         /* older than --since */
	unsigned long long undelivered;   /* read but not delivered when the run stopped */
	unsigned long long partial;       /* records the backend said it rejected in a 2xx answer */
};

struct exp {
	const struct exp_dest *dest;
	void *priv;                  /* the destination's own */

	/* Options common to every destination. */
	char *url;                   /* where requests go (may hold secrets; never printed as is) */
	int url_secret_path;         /* the path is secret too (webhooks) */
	char *identity;              /* what tells this destination apart (hashed into the cursor id) */
	char *name;                  /* --name */
	char *signals;               /* --signal list */
	int64_t since;               /* --since, OBS_TIME_MIN if none */
	int reset_cursor;
	int follow;
	size_t batch_records;
	size_t batch_bytes;
	int64_t flush_ns;
	int64_t poll_ns;
	int compression;             /* -1 default, 0 none, 1 gzip */
	char *dead_letter;           /* --dead-letter FILE */
	int verbose, quiet;
	int progress;                /* -1 auto */
	char **files;
	int nfiles;
	struct obs_http http;
	/* HTTP settings given on the command line: they win over the environment. */
	long cli_timeout, cli_deadline;      /* ms, -1 unset */
	long cli_retry_initial, cli_retry_max;
	int cli_insecure;                    /* -1 unset */
	const char *cli_cacert, *cli_cert, *cli_key;
	char **hdr_names, **hdr_values;      /* --header, --header-file */
	size_t nhdrs;
	/* Clients whose bodies the engine compresses (gzip level 1, kept streams). */
	struct obs_http *gz_clients[4];
	size_t ngz;

	/* Run state. */
	struct obs_store st;
	int st_open;
	char *id;                    /* cursor id: the name, or DEST-HASH */
	int lock_fd;
	struct exp_stream **streams;
	size_t nstreams;
	int dead_fd;
	char *dead_path;
	struct exp_stats stats;
	atomic_int failed;           /* an input could not be read: exit 3 at the end */
	atomic_int gave_up;          /* a send gave up or failed: stop, exit 3 */
	struct exp_pipe *pipe;       /* the sender thread and what it shares (export_run.c) */
	int64_t progress_at;
	int progress_shown;
	struct obs_jscan js;
};

/* Run a destination's command: parse options, read, deliver, report. */
int exp_main(const struct exp_dest *dest, int argc, char **argv);

/* Report record I of B as refused by the destination ("FILE:LINE: REASON") and mark it bad. */
void exp_refuse(struct exp *x, struct exp_batch *b, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Dead-letter record I of B with the backend's STATUS and its reason for it. */
void exp_dead_item(struct exp *x, struct exp_batch *b, size_t i, long status, const char *reason);
/* The backend said it rejected N records in a 2xx answer (OTLP partial success). */
void exp_partial(struct exp *x, unsigned long long n, const char *message);

/* Verbose output (-v) on stderr, prefixed with the program and destination names. */
void exp_verbose(struct exp *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Apply the command line's HTTP settings and headers (and -v tracing) to a
 * client the destination made; x->http gets them too. 0, or an exit status.
 */
int exp_http_setup(struct exp *x, struct obs_http *h);

/* Add a header, reporting errors as usage errors. 0 or exit status. */
int exp_header(struct exp *x, const char *name, const char *value);
/* A secret from an environment variable or a file (first line, trailing blanks cut); caller frees. */
char *exp_secret(const char *env, const char *file, const char *what, struct obs_error *err);
/* URL without a trailing slash, then PATH appended; caller frees. */
char *exp_url_join(const char *base, const char *path);

/* The record's string field KEY of the top level into BUF (cut to SIZE-1); 0 or -1 if absent. */
int exp_field(struct obs_jscan *js, const char *key, char *buf, size_t size);

/* ns to RFC 3339 with 9 digits into BUF (OBS_TIME_BUFSZ). */
void exp_time_text(int64_t ns, char *buf, size_t size);

#endif
