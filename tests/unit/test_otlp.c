/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_otlp: records to OTLP protobuf/JSON bodies and protobuf bodies to records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_import.h"
#include "obs_ndjson.h"
#include "obs_otlp.h"
#include "obs_pb.h"

/* The fixtures beside this file's directory: tests/fixtures/otlp. */
static char *fixture_path(const char *name)
{
	const char *src = __FILE__, *slash = strrchr(src, '/');
	char *p;

	if (asprintf(&p, "%.*s/../fixtures/otlp/%s", slash ? (int)(slash - src) : 1,
		     slash ? src : ".", name) < 0)
		return NULL;
	return p;
}

static char *slurp(const char *name, size_t *len)
{
	char *path = fixture_path(name), *buf;
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		fail_msg("cannot open '%s'", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	free(path);
	*len = (size_t)n;
	return buf;
}

/* Add every line of TEXT to B; returns the number refused. */
static int add_lines(struct obs_otlp_batch *b, const char *text)
{
	const char *p = text, *nl;
	struct obs_error err;
	int refused = 0;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl > p && obs_otlp_batch_add(b, p, (size_t)(nl - p), &err) < 0)
			refused++;
		p = *nl ? nl + 1 : nl;
	}
	return refused;
}

/* JSON is written with single quotes here for legibility. */
static char *J(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int add1(struct obs_otlp_batch *b, const char *sq, struct obs_error *err)
{
	char *line = J(sq);
	int rc = obs_otlp_batch_add(b, line, strlen(line), err);

	free(line);
	return rc;
}

/* ---- names -------------------------------------------------------------- */

static void test_names(void **state)
{
	enum obs_otlp_signal sig;
	enum obs_otlp_encoding enc;

	(void)state;
	assert_int_equal(obs_otlp_signal_parse("traces", &sig), 0);
	assert_int_equal(sig, OBS_OTLP_TRACES);
	assert_int_equal(obs_otlp_signal_parse("spans", &sig), 0);
	assert_int_equal(sig, OBS_OTLP_TRACES);
	assert_int_equal(obs_otlp_signal_parse("metrics", &sig), 0);
	assert_int_equal(sig, OBS_OTLP_METRICS);
	assert_int_equal(obs_otlp_signal_parse("logs", &sig), 0);
	assert_int_equal(sig, OBS_OTLP_LOGS);
	assert_int_equal(obs_otlp_signal_parse("profiles", &sig), -1);
	assert_int_equal(obs_otlp_signal_parse(NULL, &sig), -1);
	assert_string_equal(obs_otlp_signal_name(OBS_OTLP_METRICS), "metrics");
	assert_string_equal(obs_otlp_signal_name((enum obs_otlp_signal)7), "unknown");
	assert_string_equal(obs_otlp_record_type(OBS_OTLP_LOGS), "log");
	assert_string_equal(obs_otlp_record_type((enum obs_otlp_signal)7), "unknown");
	assert_string_equal(obs_otlp_path(OBS_OTLP_TRACES), "/v1/traces");
	assert_string_equal(obs_otlp_path(OBS_OTLP_LOGS), "/v1/logs");
	assert_string_equal(obs_otlp_path((enum obs_otlp_signal)7), "/");
	assert_int_equal(obs_otlp_encoding_parse("http/protobuf", &enc), 0);
	assert_int_equal(enc, OBS_OTLP_PROTOBUF);
	assert_int_equal(obs_otlp_encoding_parse("json", &enc), 0);
	assert_int_equal(enc, OBS_OTLP_JSON);
	assert_int_equal(obs_otlp_encoding_parse("protobuf", &enc), 0);
	assert_int_equal(obs_otlp_encoding_parse("http/json", &enc), 0);
	assert_int_equal(obs_otlp_encoding_parse("grpc", &enc), -1);
	assert_int_equal(obs_otlp_encoding_parse(NULL, &enc), -1);
	assert_string_equal(obs_otlp_encoding_name(OBS_OTLP_JSON), "http/json");
	assert_string_equal(obs_otlp_encoding_name(OBS_OTLP_PROTOBUF), "http/protobuf");
	assert_string_equal(obs_otlp_content_type(OBS_OTLP_JSON), "application/json");
	assert_string_equal(obs_otlp_content_type(OBS_OTLP_PROTOBUF), "application/x-protobuf");
}

/* ---- exact bytes of a small span ---------------------------------------- */

static const char *small_span =
	"{'type':'span','trace_id':'0102030405060708090a0b0c0d0e0f10',"
	"'span_id':'0102030405060708','name':'a','service':'s','kind':'server',"
	"'start':'1970-01-01T00:00:01Z','end':'1970-01-01T00:00:02Z','status':'unset',"
	"'attributes':{'k':1},'events':[],'resource':{}}";

static void test_small_span_protobuf(void **state)
{
	/* Computed by hand from trace.proto, resource.proto and common.proto. */
	static const uint8_t want[] = {
		0x0a, 0x57,                                     /* resource_spans, 87 */
		0x0a, 0x15,                                     /*  resource, 21 */
		0x0a, 0x13,                                     /*   attributes, 19 */
		0x0a, 0x0c, 's', 'e', 'r', 'v', 'i', 'c', 'e', '.', 'n', 'a', 'm', 'e',
		0x12, 0x03, 0x0a, 0x01, 's',                    /*    string_value "s" */
		0x12, 0x3e,                                     /*  scope_spans, 62 */
		0x12, 0x3c,                                     /*   spans, 60 */
		0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0x12, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
		0x2a, 0x01, 'a',                                /*    name */
		0x30, 0x02,                                     /*    kind server */
		0x39, 0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0,       /*    start 1e9 */
		0x41, 0x00, 0x94, 0x35, 0x77, 0, 0, 0, 0,       /*    end 2e9 */
		0x4a, 0x07, 0x0a, 0x01, 'k', 0x12, 0x02, 0x18, 0x01,   /* k = int 1 */
	};
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;

	(void)state;
	obs_otlp_batch_init(&b, OBS_OTLP_TRACES, OBS_OTLP_PROTOBUF);
	assert_int_equal(add1(&b, small_span, &err), 0);
	assert_int_equal(b.records, 1);
	assert_true(b.bytes > 50 && b.bytes < 120);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(body, want, sizeof(want));
	assert_int_equal(b.records, 0);
	/* An empty batch is an empty request. */
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	assert_int_equal(len, 0);
	obs_otlp_batch_release(&b);
	obs_otlp_batch_release(&b);
}

static void test_small_span_json(void **state)
{
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	char *want = J("{'resourceSpans':[{'resource':{'attributes':[{'key':'service.name',"
		       "'value':{'stringValue':'s'}}]},'scopeSpans':[{'spans':[{"
		       "'traceId':'0102030405060708090a0b0c0d0e0f10','spanId':'0102030405060708',"
		       "'name':'a','kind':2,'startTimeUnixNano':'1000000000',"
		       "'endTimeUnixNano':'2000000000','attributes':[{'key':'k','value':"
		       "{'intValue':'1'}}]}]}]}]}");

	(void)state;
	obs_otlp_batch_init(&b, OBS_OTLP_TRACES, OBS_OTLP_JSON);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(body, "{}", 2);
	assert_int_equal(add1(&b, small_span, &err), 0);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(body, want, len);
	free(want);
	obs_otlp_batch_release(&b);
}

/* ---- frozen fixtures (checked once by tests/integration/otlp-js.sh) ------ */

static void encode_fixture(enum obs_otlp_signal sig, const char *src, const char *pb,
			   const char *js)
{
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len, wlen, slen;
	char *text = slurp(src, &slen), *want;
	int enc;

	for (enc = 0; enc < 2; enc++) {
		obs_otlp_batch_init(&b, sig, enc ? OBS_OTLP_JSON : OBS_OTLP_PROTOBUF);
		/* Twice: a batch is reusable after finish. */
		assert_int_equal(add_lines(&b, text), 0);
		assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
		assert_int_equal(add_lines(&b, text), 0);
		assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
		want = slurp(enc ? js : pb, &wlen);
		assert_int_equal(len, wlen);
		assert_memory_equal(body, want, wlen);
		free(want);
		obs_otlp_batch_release(&b);
	}
	free(text);
}

static void test_fixture_encode(void **state)
{
	(void)state;
	encode_fixture(OBS_OTLP_TRACES, "spans.ndjson", "spans.pb", "spans.json");
	encode_fixture(OBS_OTLP_METRICS, "metrics.ndjson", "metrics.pb", "metrics.json");
	encode_fixture(OBS_OTLP_LOGS, "logs.ndjson", "logs.pb", "logs.json");
}

/* What the decoder callbacks saw: records as NDJSON text, warnings. */
struct sink {
	char *out;
	size_t len;
	char warns[4096];
	int fail_at, calls;
};

static int sink_emit(void *ctx, json_t *rec, int64_t t, struct obs_error *err)
{
	struct sink *s = ctx;
	char *line;
	size_t n;

	(void)t;
	s->calls++;
	if (s->fail_at && s->calls == s->fail_at) {
		json_decref(rec);
		return obs_error_set(err, "disk full");
	}
	line = obs_json_dump_line(rec, &n);
	s->out = realloc(s->out, s->len + n + 2);
	memcpy(s->out + s->len, line, n);
	s->len += n;
	s->out[s->len++] = '\n';
	s->out[s->len] = '\0';
	free(line);
	json_decref(rec);
	return 0;
}

static void sink_warn(void *ctx, const char *msg)
{
	struct sink *s = ctx;

	/* At most 100 bytes of each: long nesting paths are cut. */
	strncat(s->warns, msg, 100);
	strcat(s->warns, "\n");
}

/* EXPECTED with each line cut to 100 bytes, as sink_warn keeps them. */
static const char *cut100(const char *expected)
{
	static char buf[8192];
	const char *p = expected, *nl;
	size_t o = 0, n;

	while (*p) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		memcpy(buf + o, p, n > 100 ? 100 : n);
		o += n > 100 ? 100 : n;
		buf[o++] = '\n';
		p += n + (nl ? 1 : 0);
	}
	buf[o] = '\0';
	return buf;
}

static void sink_reset(struct sink *s)
{
	free(s->out);
	memset(s, 0, sizeof(*s));
}

static void decode_fixture(enum obs_otlp_signal sig, const char *pb, const char *expected)
{
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	size_t len, wlen;
	char *body = slurp(pb, &len), *want = slurp(expected, &wlen);

	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, sig, body, len, &err), 0);
	assert_string_equal(s.warns, "");
	assert_non_null(s.out);
	assert_string_equal(s.out, want);
	assert_int_equal(d.rejected, 0);
	free(body);
	free(want);
	sink_reset(&s);
}

static void test_fixture_decode(void **state)
{
	(void)state;
	decode_fixture(OBS_OTLP_TRACES, "spans.pb", "spans.decoded.ndjson");
	decode_fixture(OBS_OTLP_METRICS, "metrics.pb", "metrics.decoded.ndjson");
	decode_fixture(OBS_OTLP_LOGS, "logs.pb", "logs.decoded.ndjson");
}

/* The protobuf decoder and obs_import, given the same request, make the same records. */
static void test_decode_matches_import(void **state)
{
	struct obs_otlp_decoder d;
	struct obs_import im;
	struct sink a = { 0 }, b = { 0 };
	struct obs_error err;
	size_t len, jlen;
	char *pb = slurp("spans.pb", &len), *js = slurp("spans.json", &jlen);
	json_t *doc = json_loads(js, 0, NULL);

	(void)state;
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &a);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, pb, len, &err), 0);
	obs_import_init(&im, sink_emit, sink_warn, &b);
	assert_int_equal(obs_import_otlp_json(&im, doc, &err), 0);
	assert_string_equal(a.out, b.out);
	assert_int_equal(d.records, 5);
	json_decref(doc);
	free(pb);
	free(js);
	sink_reset(&a);
	sink_reset(&b);
}

/* ---- encoder: refused records -------------------------------------------- */

struct refusal {
	const char *rec;
	const char *msg;
};

static void check_refusals(enum obs_otlp_signal sig, const struct refusal *cases, size_t n)
{
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len, i;
	int enc;

	for (enc = 0; enc < 2; enc++) {
		obs_otlp_batch_init(&b, sig, enc ? OBS_OTLP_JSON : OBS_OTLP_PROTOBUF);
		for (i = 0; i < n; i++) {
			err.msg[0] = '\0';
			if (add1(&b, cases[i].rec, &err) != -1)
				fail_msg("accepted: %s", cases[i].rec);
			assert_string_equal(err.msg, cases[i].msg);
		}
		assert_int_equal(b.records, 0);
		/* Nothing of them is left in the body. */
		assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
		assert_int_equal(len, enc ? 2 : 0);
		obs_otlp_batch_release(&b);
	}
}

#define SPAN_HEAD "{'type':'span','trace_id':'0af7651916cd43dd8448eb211c80319c','span_id':'b7ad6b7169203331',"
#define SPAN_TIMES "'start':'2026-11-24T10:00:00Z','end':'2026-11-24T10:00:01Z'"

static void test_span_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ "{'type':'log'}", "not a span record" },
		{ "{'trace_id':'x'}", "not a span record" },
		{ "{'type':'span'}", "missing 'trace_id'" },
		{ "{'type':'span','trace_id':'0af7651916cd43dd8448eb211c80319'}",
		  "invalid trace_id '0af7651916cd43dd8448eb211c80319'" },
		{ "{'type':'span','trace_id':'00000000000000000000000000000000'}",
		  "invalid trace_id '00000000000000000000000000000000'" },
		{ "{'type':'span','trace_id':'0af7651916cd43dd8448eb211c80319g'}",
		  "invalid trace_id '0af7651916cd43dd8448eb211c80319g'" },
		{ "{'type':'span','trace_id':'0af7651916cd43dd8448eb211c80319c'}", "missing 'span_id'" },
		{ "{'type':'span','trace_id':'0af7651916cd43dd8448eb211c80319c','span_id':7}",
		  "invalid span_id '7'" },
		{ SPAN_HEAD "'parent_span_id':'xyz'}", "invalid parent_span_id 'xyz'" },
		{ SPAN_HEAD "'end':'2026-11-24T10:00:01Z'}", "missing 'start'" },
		{ SPAN_HEAD "'start':'yesterday','end':'2026-11-24T10:00:01Z'}", "invalid 'start'" },
		{ SPAN_HEAD "'start':'1013-11-24T10:00:00.000000001Z','end':'2026-11-24T10:00:01Z'}",
		  "invalid 'start'" },
		{ SPAN_HEAD "'start':'2026-11-24T10:00:00Z','end':'9999-11-24T10:00:00.000000001Z'}",
		  "invalid 'end'" },
		{ SPAN_HEAD "'start':'2026-11-24T10:00:00Z'}", "missing 'end'" },
		{ SPAN_HEAD "'start':'2026-11-24T10:00:02Z','end':'2026-11-24T10:00:01Z'}",
		  "'end' is before 'start'" },
		{ SPAN_HEAD SPAN_TIMES ",'kind':'weird'}", "unknown kind 'weird'" },
		{ SPAN_HEAD SPAN_TIMES ",'status':'broken'}", "unknown status 'broken'" },
		{ SPAN_HEAD SPAN_TIMES ",'status_message':5}", "'status_message' is not a string" },
		{ SPAN_HEAD SPAN_TIMES ",'name':5}", "'name' is not a string" },
		{ SPAN_HEAD SPAN_TIMES ",'attributes':[]}", "'attributes' is not an object" },
		{ SPAN_HEAD SPAN_TIMES ",'events':{}}", "'events' is not an array" },
		{ SPAN_HEAD SPAN_TIMES ",'links':{}}", "'links' is not an array" },
		{ SPAN_HEAD SPAN_TIMES ",'resource':[]}", "'resource' is not an object" },
		{ SPAN_HEAD SPAN_TIMES ",'service':1}", "'service' is not a string" },
		{ SPAN_HEAD SPAN_TIMES ",'events':[1]}", "event 1: not an object" },
		{ SPAN_HEAD SPAN_TIMES ",'events':[{'time':'2026-11-24T10:00:00Z'},{}]}",
		  "event 2: missing 'time'" },
		{ SPAN_HEAD SPAN_TIMES ",'events':[{'time':'2026-11-24T10:00:00Z','name':1}]}",
		  "event 1: 'name' is not a string" },
		{ SPAN_HEAD SPAN_TIMES ",'events':[{'time':'2026-11-24T10:00:00Z','attributes':1}]}",
		  "event 1: 'attributes' is not an object" },
		{ SPAN_HEAD SPAN_TIMES ",'events':[{'time':'2026-11-24T10:00:00Z','attributes':"
		  "{'x':1e999}}]}", "event 1: attribute 'x': number out of range" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[1]}", "link 1: not an object" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{}]}", "link 1: missing 'trace_id'" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{'trace_id':'ab'}]}", "link 1: invalid trace_id 'ab'" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{'trace_id':'0af7651916cd43dd8448eb211c80319c'}]}",
		  "link 1: missing 'span_id'" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{'trace_id':'0af7651916cd43dd8448eb211c80319c',"
		  "'span_id':'0000000000000000'}]}", "link 1: invalid span_id '0000000000000000'" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{'trace_id':'0af7651916cd43dd8448eb211c80319c',"
		  "'span_id':'b7ad6b7169203331','tracestate':1}]}", "link 1: 'tracestate' is not a string" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{'trace_id':'0af7651916cd43dd8448eb211c80319c',"
		  "'span_id':'b7ad6b7169203331','attributes':[]}]}",
		  "link 1: 'attributes' is not an object" },
		{ SPAN_HEAD SPAN_TIMES ",'links':[{'trace_id':'0af7651916cd43dd8448eb211c80319c',"
		  "'span_id':'b7ad6b7169203331','attributes':{'n':-1e999}}]}",
		  "link 1: attribute 'n': number out of range" },
		{ SPAN_HEAD SPAN_TIMES ",'attributes':{'deep':[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]"
		  "]]]]]]]]]]]]]]]]]]]]]]}}",
		  "attribute 'deep': value nested deeper than 32 levels" },
		{ SPAN_HEAD SPAN_TIMES ",'attributes':{'deep':{'a':{'b':{'c':{'d':{'e':{'f':{'g':{'h':{'i':"
		  "{'j':{'k':{'l':{'m':{'n':{'o':{'p':{'q':{'r':{'s':{'t':{'u':{'v':{'w':{'x':{'y':{'z':{"
		  "'A':{'B':{'C':{'D':{'E':{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}",
		  "attribute 'deep': value nested deeper than 32 levels" },
		{ "{'type':'span',", "truncated JSON" },
	};

	(void)state;
	check_refusals(OBS_OTLP_TRACES, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_log_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ "{'type':'span'}", "not a log record" },
		{ "{'type':'log'}", "missing 'time'" },
		{ "{'type':'log','time':'x'}", "invalid 'time'" },
		{ "{'type':'log','time':'2026-11-24T10:00:00Z','observed_time':'x'}",
		  "invalid 'observed_time'" },
		{ "{'type':'log','time':'2026-11-24T10:00:00Z','level':1}", "'level' is not a string" },
		{ "{'type':'log','time':'2026-11-24T10:00:00Z','msg':[]}", "'msg' is not a string" },
		{ "{'type':'log','time':'2026-11-24T10:00:00Z','service':{}}",
		  "'service' is not a string" },
		{ "{'type':'log','time':'2026-11-24T10:00:00Z','resource':''}",
		  "'resource' is not an object" },
		{ "{'type':'log','time':'2026-11-24T10:00:00Z','x':1e400}",
		  "attribute 'x': number out of range" },
	};

	(void)state;
	check_refusals(OBS_OTLP_LOGS, cases, sizeof(cases) / sizeof(cases[0]));
}

#define M_HEAD "{'type':'metric','name':'m','time':'2026-11-24T10:00:00Z',"

static void test_metric_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ "{'type':'log'}", "not a metric record" },
		{ "{'type':'metric'}", "missing 'name'" },
		{ "{'type':'metric','name':''}", "'name' is not a metric name" },
		{ "{'type':'metric','name':3}", "'name' is not a metric name" },
		{ "{'type':'metric','name':'m'}", "missing 'metric_type'" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','cumulative':1}",
		  "'cumulative' is not a boolean" },
		{ "{'type':'metric','name':'m','metric_type':'gauge'}", "missing 'value'" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','value':'x'}",
		  "'value' is not a number" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','value':true}",
		  "'value' is not a number" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','value':1,'labels':[]}",
		  "'labels' is not an object" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','value':1,'help':1}",
		  "'help' is not a string" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','value':1,'unit':1}",
		  "'unit' is not a string" },
		{ "{'type':'metric','name':'m','metric_type':'gauge','value':1}", "missing 'time'" },
		{ M_HEAD "'metric_type':'gauge','value':1e999}", "'value' is not a number" },
		{ M_HEAD "'metric_type':'timer','value':1}", "unknown metric_type 'timer'" },
		{ M_HEAD "'metric_type':'histogram','value':'NaN'}", "histogram observation is NaN" },
	};

	(void)state;
	check_refusals(OBS_OTLP_METRICS, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Attribute values nested deeper than OBS_OTLP_MAX_DEPTH, as arrays and as objects. */
static void test_depth_refusals(void **state)
{
	static const char *const heads[] = {
		SPAN_HEAD SPAN_TIMES ",'attributes':{'a':",
		M_HEAD "'metric_type':'gauge','value':1,'labels':{'a':",
		M_HEAD "'metric_type':'histogram','value':1,'labels':{'a':",
		"{'type':'log','time':'2026-11-24T10:00:00Z','a':",
	};
	static const enum obs_otlp_signal sigs[] = { OBS_OTLP_TRACES, OBS_OTLP_METRICS,
						     OBS_OTLP_METRICS, OBS_OTLP_LOGS };
	struct obs_otlp_batch b;
	struct obs_error err;
	char rec[1024], *p;
	int i, k, obj, depth;

	(void)state;
	for (i = 0; i < 4; i++)
		for (obj = 0; obj < 2; obj++)
			for (depth = OBS_OTLP_MAX_DEPTH - 1; depth <= OBS_OTLP_MAX_DEPTH; depth++) {
				p = rec + sprintf(rec, "%s", heads[i]);
				for (k = 0; k < depth; k++)
					p += sprintf(p, obj ? "{'k':" : "[");
				p += sprintf(p, "1");
				for (k = 0; k < depth; k++)
					p += sprintf(p, obj ? "}" : "]");
				sprintf(p, i < 3 ? "}}" : "}");
				obs_otlp_batch_init(&b, sigs[i], (enum obs_otlp_encoding)obj);
				if (depth < OBS_OTLP_MAX_DEPTH) {
					assert_int_equal(add1(&b, rec, &err), 0);
				} else {
					assert_int_equal(add1(&b, rec, &err), -1);
					assert_string_equal(err.msg, "attribute 'a': value nested deeper "
							    "than 32 levels");
					/* A series that failed fails the same way again. */
					assert_int_equal(add1(&b, rec, &err), -1);
					assert_string_equal(err.msg, "attribute 'a': value nested deeper "
							    "than 32 levels");
				}
				obs_otlp_batch_release(&b);
			}
}

/* A refused record leaves the batch as it was, in the middle of a group too. */
static void test_refusal_keeps_batch(void **state)
{
	struct obs_otlp_batch b, c;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	uint8_t *first;
	int enc;

	(void)state;
	for (enc = 0; enc < 2; enc++) {
		obs_otlp_batch_init(&b, OBS_OTLP_TRACES, enc ? OBS_OTLP_JSON : OBS_OTLP_PROTOBUF);
		obs_otlp_batch_init(&c, OBS_OTLP_TRACES, enc ? OBS_OTLP_JSON : OBS_OTLP_PROTOBUF);
		assert_int_equal(add1(&b, small_span, &err), 0);
		assert_int_equal(add1(&b, SPAN_HEAD SPAN_TIMES ",'service':'s','resource':{},"
				      "'events':[{'time':'2026-11-24T10:00:00Z','attributes':{'ok':1}},"
				      "{'time':'bad'}]}", &err), -1);
		assert_string_equal(err.msg, "event 2: invalid 'time'");
		assert_int_equal(add1(&b, SPAN_HEAD SPAN_TIMES ",'resource':{'r':1}}", &err), 0);
		assert_int_equal(b.records, 2);
		assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
		first = malloc(len);
		memcpy(first, body, len);
		assert_int_equal(add1(&c, small_span, &err), 0);
		assert_int_equal(add1(&c, SPAN_HEAD SPAN_TIMES ",'resource':{'r':1}}", &err), 0);
		assert_int_equal(obs_otlp_batch_finish(&c, &body, &len, &err), 0);
		assert_memory_equal(first, body, len);
		free(first);
		obs_otlp_batch_release(&b);
		obs_otlp_batch_release(&c);
	}
}

/* ---- encoder: mapping details ---------------------------------------------- */

static void expect_json(enum obs_otlp_signal sig, const json_t *resource, const char *const *recs,
			const char *want_sq)
{
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	char *want = J(want_sq);

	obs_otlp_batch_init(&b, sig, OBS_OTLP_JSON);
	b.resource = resource;
	for (; *recs; recs++)
		if (add1(&b, *recs, &err) < 0)
			fail_msg("refused: %s: %s", *recs, err.msg);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	if (len != strlen(want) || memcmp(body, want, len))
		fail_msg("got  %.*s\nwant %s", (int)len, (const char *)body, want);
	free(want);
	obs_otlp_batch_release(&b);
}

static void test_span_mapping(void **state)
{
	static const char *const recs[] = {
		SPAN_HEAD "'parent_span_id':'','name':'','kind':'consumer','start':'1764000000',"
		"'end':'2026-11-24T10:00:01.5Z','status':'ok','status_message':'','service':'svc',"
		"'attributes':{'otel.dropped_attributes_count':-1,'otel.scope.name':7,"
		"'s':'\\u00e9\\n','big':1e2,'neg':-0},'resource':{'service.name':'mine','z':1}}",
		SPAN_HEAD "'parent_span_id':'0000000000000000','start':'2026-11-24T10:00:00Z',"
		"'end':'2026-11-24T10:00:00Z','status':'error','status_message':'bad','service':'svc',"
		"'resource':{'service.name':'mine','z':1}}",
		SPAN_HEAD "'parent_span_id':null,'start':'2026-11-24T10:00:00Z',"
		"'end':'2026-11-24T10:00:00Z','events':[],'links':[],'attributes':{}}",
		NULL,
	};
	json_t *res = json_pack("{s:s, s:s, s:i, s:[b], s:{s:f}, s:n}", "service.name", "dflt",
				"env", "prod", "z", 2, "arr", 1, "kv", "x", 0.5, "nul");

	(void)state;
	expect_json(OBS_OTLP_TRACES, res, recs,
		"{'resourceSpans':[{'resource':{'attributes':["
		"{'key':'service.name','value':{'stringValue':'mine'}},"
		"{'key':'z','value':{'intValue':'1'}},"
		"{'key':'env','value':{'stringValue':'prod'}},"
		"{'key':'arr','value':{'arrayValue':{'values':[{'boolValue':true}]}}},"
		"{'key':'kv','value':{'kvlistValue':{'values':[{'key':'x','value':{'doubleValue':0.5}}]}}},"
		"{'key':'nul','value':{}}]},"
		"'scopeSpans':[{'spans':[{'traceId':'0af7651916cd43dd8448eb211c80319c',"
		"'spanId':'b7ad6b7169203331','kind':5,'startTimeUnixNano':'1764000000000000000',"
		"'endTimeUnixNano':'1795514401500000000','attributes':["
		"{'key':'otel.dropped_attributes_count','value':{'intValue':'-1'}},"
		"{'key':'otel.scope.name','value':{'intValue':'7'}},"
		"{'key':'s','value':{'stringValue':'\\u00e9\\n'}},"
		"{'key':'big','value':{'doubleValue':1e2}},"
		"{'key':'neg','value':{'intValue':'0'}}],'status':{'code':1}},"
		"{'traceId':'0af7651916cd43dd8448eb211c80319c','spanId':'b7ad6b7169203331',"
		"'kind':1,'startTimeUnixNano':'1795514400000000000',"
		"'endTimeUnixNano':'1795514400000000000','status':{'message':'bad','code':2}}]}]},"
		"{'resource':{'attributes':[{'key':'service.name','value':{'stringValue':'dflt'}},"
		"{'key':'env','value':{'stringValue':'prod'}},{'key':'z','value':{'intValue':'2'}},"
		"{'key':'arr','value':{'arrayValue':{'values':[{'boolValue':true}]}}},"
		"{'key':'kv','value':{'kvlistValue':{'values':[{'key':'x','value':{'doubleValue':0.5}}]}}},"
		"{'key':'nul','value':{}}]},'scopeSpans':[{'spans':[{'traceId':"
		"'0af7651916cd43dd8448eb211c80319c','spanId':'b7ad6b7169203331','kind':1,"
		"'startTimeUnixNano':'1795514400000000000','endTimeUnixNano':'1795514400000000000'}]}]}]}");
	json_decref(res);
}

/* Escapes: in keys read from records, in default resource strings, in messages. */
static void test_escapes(void **state)
{
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	json_t *res = json_pack("{s:s}", "k\"\n\t\r\x01\\", "v\xc3\xa9");
	json_t *deep = json_array(), *inner = deep;
	char *want;
	int i;

	(void)state;
	obs_otlp_batch_init(&b, OBS_OTLP_TRACES, OBS_OTLP_JSON);
	b.resource = res;
	assert_int_equal(add1(&b, "{'type':'span','tr\\u0061ce_id':'0af7651916cd43dd8448eb211c80319c',"
			      "'span_id':'b7ad6b7169203331'," SPAN_TIMES ",'events':[{'time':"
			      "'2026-11-24T10:00:00Z','attributes':{'otel.dropped_attributes_count':'x'}}],"
			      "'links':[{'trace_id':'0af7651916cd43dd8448eb211c80319c','span_id':"
			      "'b7ad6b7169203331','attributes':{'otel.dropped_attributes_count':1.5}}]}",
			      &err), 0);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	want = J("{'resourceSpans':[{'resource':{'attributes':[{'key':'k\\'\\n\\t\\r\\u0001\\\\',"
		 "'value':{'stringValue':'v\xc3\xa9'}}]},'scopeSpans':[{'spans':[{'traceId':"
		 "'0af7651916cd43dd8448eb211c80319c','spanId':'b7ad6b7169203331','kind':1,"
		 "'startTimeUnixNano':'1795514400000000000','endTimeUnixNano':'1795514401000000000',"
		 "'events':[{'timeUnixNano':'1795514400000000000','attributes':[{'key':"
		 "'otel.dropped_attributes_count','value':{'stringValue':'x'}}]}],'links':[{'traceId':"
		 "'0af7651916cd43dd8448eb211c80319c','spanId':'b7ad6b7169203331','attributes':[{'key':"
		 "'otel.dropped_attributes_count','value':{'doubleValue':1.5}}]}]}]}]}]}");
	if (len != strlen(want) || memcmp(body, want, len))
		fail_msg("got  %.*s\nwant %s", (int)len, (const char *)body, want);
	free(want);

	/* A default resource value nested too deep refuses the record that needs it. */
	for (i = 0; i < OBS_OTLP_MAX_DEPTH; i++) {
		json_t *a = json_array();

		json_array_append_new(inner, a);
		inner = a;
	}
	json_object_set_new(res, "deep", deep);
	assert_int_equal(add1(&b, small_span, &err), -1);
	assert_string_equal(err.msg, "resource attribute 'deep': value nested deeper than 32 levels");

	/* Long values are cut in messages. */
	assert_int_equal(add1(&b, "{'type':'span','trace_id':'0123456789012345678901234567890123456789"
			      "01234567890123456789012345678901234567890123456789'}", &err), -1);
	assert_string_equal(err.msg, "invalid trace_id '0123456789012345678901234567890123456789"
			    "012345678901234567890123'");
	json_decref(res);
	obs_otlp_batch_release(&b);
}

static void test_span_add_json(void **state)
{
	struct obs_otlp_batch a, b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	uint8_t *first;
	char *text = J(small_span);
	json_t *rec = json_loads(text, 0, NULL);

	(void)state;
	obs_otlp_batch_init(&a, OBS_OTLP_TRACES, OBS_OTLP_PROTOBUF);
	obs_otlp_batch_init(&b, OBS_OTLP_TRACES, OBS_OTLP_PROTOBUF);
	assert_int_equal(obs_otlp_batch_add(&a, text, strlen(text), &err), 0);
	assert_int_equal(obs_otlp_batch_finish(&a, &body, &len, &err), 0);
	first = malloc(len);
	memcpy(first, body, len);
	assert_int_equal(obs_otlp_batch_add_json(&b, rec, &err), 0);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	assert_memory_equal(first, body, len);
	json_decref(rec);
	rec = json_array();
	assert_int_equal(obs_otlp_batch_add_json(&b, rec, &err), -1);
	assert_string_equal(err.msg, "not a JSON object");
	free(first);
	free(text);
	json_decref(rec);
	obs_otlp_batch_release(&a);
	obs_otlp_batch_release(&b);
}

static void test_many_groups(void **state)
{
	struct obs_otlp_batch b;
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	char line[512];
	int i, n = 0;
	const char *p;

	(void)state;
	obs_otlp_batch_init(&b, OBS_OTLP_TRACES, OBS_OTLP_PROTOBUF);
	for (i = 0; i < 300; i++) {
		snprintf(line, sizeof(line),
			 "{\"type\":\"span\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\","
			 "\"span_id\":\"%016x\",\"start\":\"2026-11-24T10:00:00Z\","
			 "\"end\":\"2026-11-24T10:00:01Z\",\"service\":\"s%d\","
			 "\"attributes\":{\"otel.scope.name\":\"sc%d\"},\"resource\":{}}",
			 i + 1, i % 100, i % 3);
		assert_int_equal(obs_otlp_batch_add(&b, line, strlen(line), &err), 0);
	}
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	obs_otlp_decoder_init(&d, sink_emit, NULL, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, body, len, &err), 0);
	assert_int_equal(d.records, 300);
	/* Grouped by resource: the spans of service s0 come first. */
	for (p = s.out; (p = strstr(p, "\"service\":\"s0\"")); p++)
		n++;
	assert_int_equal(n, 3);
	assert_non_null(strstr(s.out, "\"span_id\":\"0000000000000065\""));
	assert_true(strstr(s.out, "\"span_id\":\"0000000000000065\"") <
		    strstr(s.out, "\"span_id\":\"0000000000000002\""));
	sink_reset(&s);
	obs_otlp_batch_release(&b);
}

static void test_log_mapping(void **state)
{
	static const char *const recs[] = {
		"{'type':'log','time':'2026-11-24T10:00:00Z','level':'Warning','trace_id':"
		"'0af7651916cd43dd8448eb211c80319c','span_id':'00'}",
		"{'type':'log','time':'2026-11-24T10:00:00Z','level':'NOTICE','msg':'m',"
		"'service':'a','otel.scope.version':'v'}",
		"{'type':'log','time':'2026-11-24T10:00:00Z','level':'crit','service':'a',"
		"'otel.scope.version':'v'}",
		"{'type':'log','time':'2026-11-24T10:00:00Z','level':'err','service':'a'}",
		"{'type':'log','time':'2026-11-24T10:00:00Z','level':'','service':'a'}",
		NULL,
	};

	(void)state;
	expect_json(OBS_OTLP_LOGS, NULL, recs,
		"{'resourceLogs':[{'scopeLogs':[{'logRecords':[{'timeUnixNano':'1795514400000000000',"
		"'severityNumber':13,'severityText':'Warning','attributes':[{'key':'span_id','value':"
		"{'stringValue':'00'}}],'traceId':'0af7651916cd43dd8448eb211c80319c',"
		"'observedTimeUnixNano':'1795514400000000000'}]}]},"
		"{'resource':{'attributes':[{'key':'service.name','value':{'stringValue':'a'}}]},"
		"'scopeLogs':[{'scope':{'version':'v'},'logRecords':[{'timeUnixNano':"
		"'1795514400000000000','severityNumber':10,'severityText':'NOTICE','body':"
		"{'stringValue':'m'},'observedTimeUnixNano':'1795514400000000000'},{'timeUnixNano':"
		"'1795514400000000000','severityNumber':21,'severityText':'crit',"
		"'observedTimeUnixNano':'1795514400000000000'}]},{'logRecords':[{'timeUnixNano':"
		"'1795514400000000000','severityNumber':17,'severityText':'err',"
		"'observedTimeUnixNano':'1795514400000000000'},{'timeUnixNano':"
		"'1795514400000000000','observedTimeUnixNano':'1795514400000000000'}]}]}]}");
}

static void test_metric_mapping(void **state)
{
	static const double bounds[] = { 1, 2 };
	static const char *const recs[] = {
		M_HEAD "'metric_type':'histogram','value':2}",
		M_HEAD "'metric_type':'summary','value':'-INF'}",
		"{'type':'metric','name':'m','time':'2026-11-24T09:00:00Z','metric_type':'histogram',"
		"'value':'+Inf'}",
		M_HEAD "'metric_type':'gauge','value':'inf'}",
		M_HEAD "'metric_type':'gauge','value':-3.5e-7}",
		M_HEAD "'metric_type':'gauge','value':9223372036854775808}",
		NULL,
	};
	struct obs_otlp_batch b;
	struct obs_error err;
	const uint8_t *body;
	size_t len;
	const char *const *r;
	char *want = J("{'resourceMetrics':[{'scopeMetrics':[{'metrics':[{'name':'m','histogram':"
		       "{'dataPoints':[{'startTimeUnixNano':'1795510800000000000','timeUnixNano':"
		       "'1795514400000000000','count':'3','sum':'NaN','bucketCounts':['1','1','1'],"
		       "'explicitBounds':[1,2],'min':'-Infinity','max':'Infinity'}],"
		       "'aggregationTemporality':1}},{'name':'m','gauge':{'dataPoints':[{"
		       "'timeUnixNano':'1795514400000000000','asDouble':'Infinity'},{'timeUnixNano':"
		       "'1795514400000000000','asDouble':-3.5e-7},{'timeUnixNano':"
		       "'1795514400000000000','asDouble':9223372036854775808}]}}]}]}]}");

	(void)state;
	obs_otlp_batch_init(&b, OBS_OTLP_METRICS, OBS_OTLP_JSON);
	b.bounds = bounds;
	b.nbounds = 2;
	for (r = recs; *r; r++)
		assert_int_equal(add1(&b, *r, &err), 0);
	assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
	if (len != strlen(want) || memcmp(body, want, len))
		fail_msg("got  %.*s\nwant %s", (int)len, (const char *)body, want);
	free(want);
	obs_otlp_batch_release(&b);
}

/* ---- decoder ------------------------------------------------------------------ */

/* Request builders: spans with chosen faults, written with obs_pb. */
struct span_spec {
	const uint8_t *tid;
	size_t tidlen;
	const uint8_t *sid;
	size_t sidlen;
	const uint8_t *pid;
	size_t pidlen;
	uint64_t kind, start, end, code, evtime;
	int deep;            /* nesting of an attribute value */
	int bad_link;        /* 1: short trace id, 2: missing span id, 3: no trace id, 4: short span id */
	int bytes_attr;
	int ev_deep, link_deep;   /* an event's / a link's attribute nested this deep */
};

/* Attribute KEY whose value is DEPTH arrays deep, as field NUM. */
static void put_deep_attr(struct obs_pb_writer *w, uint32_t num, const char *key, int depth)
{
	int i;

	obs_pb_begin(w, num);
	obs_pb_put_string(w, 1, key);
	obs_pb_begin(w, 2);
	for (i = 0; i < depth; i++) {
		obs_pb_begin(w, 5);
		obs_pb_begin(w, 1);
	}
	for (i = 0; i < 2 * depth; i++)
		obs_pb_end(w);
	obs_pb_end(w);
	obs_pb_end(w);
}

static const uint8_t TID[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t SID[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t ZERO[16];

static void put_span(struct obs_pb_writer *w, const struct span_spec *sp)
{
	int i;

	obs_pb_begin(w, 2);
	if (sp->tidlen)
		obs_pb_put_bytes(w, 1, sp->tid, sp->tidlen);
	if (sp->sidlen)
		obs_pb_put_bytes(w, 2, sp->sid, sp->sidlen);
	if (sp->pidlen)
		obs_pb_put_bytes(w, 4, sp->pid, sp->pidlen);
	obs_pb_put_string(w, 5, "n");
	if (sp->kind)
		obs_pb_put_uint64(w, 6, sp->kind);
	if (sp->start)
		obs_pb_put_fixed64(w, 7, sp->start);
	if (sp->end)
		obs_pb_put_fixed64(w, 8, sp->end);
	if (sp->deep) {
		obs_pb_begin(w, 9);
		obs_pb_put_string(w, 1, "d");
		obs_pb_begin(w, 2);
		for (i = 0; i < sp->deep; i++) {
			obs_pb_begin(w, 5);
			obs_pb_begin(w, 1);
		}
		for (i = 0; i < sp->deep; i++) {
			obs_pb_end(w);
			obs_pb_end(w);
		}
		obs_pb_end(w);
		obs_pb_end(w);
	}
	if (sp->bytes_attr) {
		obs_pb_begin(w, 9);
		obs_pb_put_string(w, 1, "b");
		obs_pb_begin(w, 2);
		obs_pb_put_bytes(w, 7, "\xde\xad\xbe\xef", 4);
		obs_pb_end(w);
		obs_pb_end(w);
		obs_pb_begin(w, 9);
		obs_pb_put_string(w, 1, "u");
		obs_pb_begin(w, 2);
		obs_pb_put_bytes(w, 1, "a\xff", 2);
		obs_pb_put_double(w, 4, NAN);
		obs_pb_end(w);
		obs_pb_end(w);
		obs_pb_begin(w, 9);
		obs_pb_put_string(w, 1, "inf");
		obs_pb_begin(w, 2);
		obs_pb_put_double(w, 4, -INFINITY);
		obs_pb_put_uint64(w, 99, 1);   /* unknown: skipped */
		obs_pb_end(w);
		obs_pb_end(w);
	}
	if (sp->evtime) {
		obs_pb_begin(w, 11);
		obs_pb_put_fixed64(w, 1, sp->evtime);
		obs_pb_end(w);
	}
	if (sp->bad_link) {
		obs_pb_begin(w, 13);
		if (sp->bad_link != 3)
			obs_pb_put_bytes(w, 1, TID, sp->bad_link == 1 ? 15 : 16);
		if (sp->bad_link >= 3)
			obs_pb_put_bytes(w, 2, SID, sp->bad_link == 3 ? 8 : 7);
		obs_pb_end(w);
	}
	if (sp->ev_deep) {
		obs_pb_begin(w, 11);
		obs_pb_put_fixed64(w, 1, 1);
		obs_pb_put_string(w, 2, "e");
		obs_pb_put_uint64(w, 4, 2);
		put_deep_attr(w, 3, "x", sp->ev_deep);
		obs_pb_end(w);
	}
	if (sp->link_deep) {
		obs_pb_begin(w, 13);
		obs_pb_put_bytes(w, 1, TID, 16);
		obs_pb_put_bytes(w, 2, SID, 8);
		obs_pb_put_string(w, 3, "ts=1");
		obs_pb_put_uint64(w, 5, 1);
		put_deep_attr(w, 4, "y", sp->link_deep);
		obs_pb_end(w);
	}
	if (sp->code) {
		obs_pb_begin(w, 15);
		obs_pb_put_uint64(w, 3, sp->code);
		obs_pb_end(w);
	}
	obs_pb_end(w);
}

static void decode_spans(const struct span_spec *specs, size_t n, int resource_fault,
			 const char *want_warns, unsigned long want_records)
{
	struct obs_pb_writer w;
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	size_t i;

	obs_pb_writer_init(&w);
	obs_pb_begin(&w, 1);
	if (resource_fault == 2) {
		obs_pb_begin(&w, 1);
		obs_pb_begin(&w, 1);
		obs_pb_put_string(&w, 1, "process.executable.name");
		obs_pb_begin(&w, 2);
		obs_pb_put_string(&w, 1, "exe");
		obs_pb_end(&w);
		obs_pb_end(&w);
		obs_pb_put_uint64(&w, 2, 4);
		obs_pb_end(&w);
	} else if (resource_fault) {
		obs_pb_begin(&w, 1);
		obs_pb_begin(&w, 1);
		obs_pb_put_string(&w, 1, "r");
		obs_pb_begin(&w, 2);
		for (i = 0; i < 70; i++) {
			obs_pb_begin(&w, 5);
			obs_pb_begin(&w, 1);
		}
		for (i = 0; i < 140; i++)
			obs_pb_end(&w);
		obs_pb_end(&w);
		obs_pb_end(&w);
		obs_pb_end(&w);
	}
	obs_pb_begin(&w, 2);
	for (i = 0; i < n; i++)
		put_span(&w, &specs[i]);
	obs_pb_end(&w);
	obs_pb_end(&w);
	assert_int_equal(obs_pb_writer_check(&w, &err), 0);
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, w.buf, w.len, &err), 0);
	assert_string_equal(s.warns, cut100(want_warns));
	assert_int_equal(d.records, want_records);
	assert_int_equal(d.rejected, n - want_records);
	sink_reset(&s);
	obs_pb_writer_release(&w);
}

#define R1 "array item 1: "
#define R7 R1 R1 R1 R1 R1 R1 R1
#define REPEAT63 R7 R7 R7 R7 R7 R7 R7 R7 R7

static void test_decode_span_rejects(void **state)
{
	const uint64_t T = 1795514400000000000ULL;
	const struct span_spec specs[] = {
		{ TID, 16, SID, 8, NULL, 0, 2, T, T + 1, 1, 0, 0, 0, 1, 0, 0 },   /* fine */
		{ NULL, 0, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 15, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ ZERO, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, NULL, 0, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 7, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, SID, 7, 0, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, ZERO, 8, 6, T, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, 0, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T - 1, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, UINT64_MAX, T, 0, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 3, 0, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 70, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, UINT64_MAX, 0, 0, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 1, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 2, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 3, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 4, 0, 0, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 65, 0 },
		{ TID, 16, SID, 8, NULL, 0, 0, T, T, 0, 0, 0, 0, 0, 0, 65 },
		{ TID, 16, SID, 8, SID, 8, 5, T, T, 2, T, 3, 0, 0, 2, 2 },  /* fine */
	};

	(void)state;
	decode_spans(specs, sizeof(specs) / sizeof(specs[0]), 0,
		     "span 2: missing trace id\n"
		     "span 3: invalid trace id '0102030405060708090a0b0c0d0e0f'\n"
		     "span 4: invalid trace id '00000000000000000000000000000000'\n"
		     "span 5: missing span id\n"
		     "span 6: invalid span id '01020304050607'\n"
		     "span 7: invalid parent span id '01020304050607'\n"
		     "span 8: unknown kind 6\n"
		     "span 9: missing start time\n"
		     "span 10: missing end time\n"
		     "span 11: end time before start time\n"
		     "span 12: 'startTimeUnixNano' is not a time in nanoseconds\n"
		     "span 13: unknown status code 3\n"
		     "span 14: attribute 'd': array item 1: array item 1: array item 1: array item 1: "
		     "array item 1: array item 1: array item 1: array item 1: array item 1: array item "
		     "1: array item 1: array item 1: array item 1: array item 1: array item 1: array "
		     "item 1: array item 1: array item 1: array item 1: array item 1: array item 1: "
		     "array item 1: array item 1: array item 1: array item 1: array item 1: array item "
		     "1: array item 1: array item 1: array item 1: array item 1: array item 1: array "
		     "item 1: array item 1: array item 1: array item 1: array item 1: array item 1: "
		     "array item 1: array item 1: array item 1: array item 1: array item 1: array item "
		     "1: array item 1: array item 1: array item 1: array item 1: array item 1: array "
		     "item 1: array item 1: array item 1: array item 1: array item 1: array item 1: "
		     "array item 1: array item 1: array item 1: array item 1: array item 1: array item "
		     "1: array item 1: array item 1: array item 1: value nested deeper than 64 levels\n"
		     "span 15: event 1: 'timeUnixNano' is not a time in nanoseconds\n"
		     "span 16: link 1: invalid trace id '0102030405060708090a0b0c0d0e0f'\n"
		     "span 17: link 1: missing span id\n"
		     "span 18: link 1: missing trace id\n"
		     "span 19: link 1: invalid span id '01020304050607'\n"
		     "span 20: event 1: attribute 'x': " REPEAT63 R1 "value nested deeper than 64 levels\n"
		     "span 21: link 1: attribute 'y': " REPEAT63 R1 "value nested deeper than 64 levels\n",
		     2);
	decode_spans(specs + sizeof(specs) / sizeof(specs[0]) - 1, 1, 2, "", 1);
	decode_spans(specs, 1, 1,
		     "span 1: resource: attribute 'r': array item 1: " REPEAT63
		     "value nested deeper than 64 levels\n", 0);
}

static void test_decode_span_values(void **state)
{
	struct obs_pb_writer w;
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	const struct span_spec sp = { TID, 16, SID, 8, NULL, 0, 2, 1795514400000000000ULL,
				      1795514400000000001ULL, 0, 0, 0, 0, 1, 0, 0 };

	(void)state;
	obs_pb_writer_init(&w);
	obs_pb_begin(&w, 1);
	obs_pb_begin(&w, 2);
	put_span(&w, &sp);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_put_uint64(&w, 5, 1);   /* unknown request field */
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, w.buf, w.len, &err), 0);
	assert_string_equal(s.out,
		"{\"type\":\"span\",\"trace_id\":\"0102030405060708090a0b0c0d0e0f10\",\"span_id\":"
		"\"0102030405060708\",\"name\":\"n\",\"service\":\"unknown_service\",\"kind\":"
		"\"server\",\"start\":\"2026-11-24T10:00:00.000000000Z\",\"end\":"
		"\"2026-11-24T10:00:00.000000001Z\",\"duration_ms\":1e-6,\"status\":\"unset\","
		"\"attributes\":{\"b\":\"3q2+7w==\",\"u\":\"NaN\",\"inf\":\"-Infinity\"},\"events\":[],"
		"\"resource\":{}}\n");
	sink_reset(&s);

	/* emit failing stops the conversion with its error. */
	s.fail_at = 1;
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, w.buf, w.len, &err), -1);
	assert_string_equal(err.msg, "disk full");
	sink_reset(&s);
	obs_pb_writer_release(&w);
}

static void test_decode_malformed(void **state)
{
	static const struct {
		enum obs_otlp_signal sig;
		const char *bytes;
		size_t len;
		const char *msg;
	} cases[] = {
		{ OBS_OTLP_TRACES, "\x0a\x05\x12", 3,
		  "invalid ExportTraceServiceRequest: truncated protobuf at byte 1" },
		{ OBS_OTLP_TRACES, "\x10\x01", 2, NULL },   /* unknown varint field: fine */
		{ OBS_OTLP_TRACES, "\x08\x01", 2,
		  "invalid ExportTraceServiceRequest: field 1 at byte 1: wire type 0, expected 2" },
		{ OBS_OTLP_TRACES, "\x0d\x01\x02\x03\x04", 5,
		  "invalid ExportTraceServiceRequest: field 1 at byte 1: wire type 5, expected 2" },
		{ OBS_OTLP_TRACES, "\x0a\x02\x12\x00", 4, NULL },
		{ OBS_OTLP_TRACES, "\x0a\x04\x12\x02\x12\x01", 6,
		  "invalid ExportTraceServiceRequest: truncated protobuf at byte 5" },
		{ OBS_OTLP_TRACES, "\x0a\x04\x12\x02\x12\x00", 6, NULL },  /* an empty span */
		{ OBS_OTLP_TRACES, "\x0a\x06\x12\x04\x12\x02\x08\x01", 8,
		  "invalid ExportTraceServiceRequest: field 1 at byte 7: wire type 0, expected 2" },
		{ OBS_OTLP_TRACES, "\x0a\x06\x12\x04\x12\x02\x38\x01", 8,
		  "invalid ExportTraceServiceRequest: field 7 at byte 7: wire type 0, expected 1" },
		{ OBS_OTLP_TRACES, "\x0a\x06\x12\x04\x12\x02\x7a\x00", 8, NULL },
		{ OBS_OTLP_TRACES, "\x0a\x04\x0a\x02\x08\x01", 6,
		  "invalid ExportTraceServiceRequest: field 1 at byte 5: wire type 0, expected 2" },
		{ OBS_OTLP_TRACES, "\x0a\x06\x12\x04\x0a\x02\x08\x01", 8,
		  "invalid ExportTraceServiceRequest: field 1 at byte 7: wire type 0, expected 2" },
		{ OBS_OTLP_METRICS, "\x0a\x06\x12\x04\x12\x02\x08\x01", 8,
		  "invalid ExportMetricsServiceRequest: field 1 at byte 7: wire type 0, expected 2" },
		{ OBS_OTLP_LOGS, "\x0a\x06\x12\x04\x12\x02\x08\x01", 8,
		  "invalid ExportLogsServiceRequest: field 1 at byte 7: wire type 0, expected 1" },
		{ OBS_OTLP_LOGS, "\x0a\x06\x12\x04\x12\x02\x45\x01", 8,
		  "invalid ExportLogsServiceRequest: truncated protobuf at byte 7" },
	};
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
		if (!cases[i].msg) {
			assert_int_equal(obs_otlp_decode(&d, cases[i].sig, cases[i].bytes, cases[i].len,
							 &err), 0);
		} else {
			assert_int_equal(obs_otlp_decode(&d, cases[i].sig, cases[i].bytes, cases[i].len,
							 &err), -1);
			assert_string_equal(err.msg, cases[i].msg);
			assert_int_equal(d.records, 0);
		}
		sink_reset(&s);
	}
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, NULL, 0, &err), 0);
	assert_int_equal(obs_otlp_decode(&d, (enum obs_otlp_signal)9, "", 0, &err), -1);
	assert_string_equal(err.msg, "unknown signal 9");

	/* A good span before a malformed one: nothing is emitted. */
	{
		struct obs_otlp_batch b;
		const uint8_t *body;
		size_t len;
		uint8_t *buf;

		obs_otlp_batch_init(&b, OBS_OTLP_TRACES, OBS_OTLP_PROTOBUF);
		assert_int_equal(add1(&b, small_span, &err), 0);
		assert_int_equal(obs_otlp_batch_finish(&b, &body, &len, &err), 0);
		buf = malloc(len + 3);
		memcpy(buf, body, len);
		memcpy(buf + len, "\x0a\x05\x12", 3);
		assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_TRACES, buf, len + 3, &err), -1);
		assert_int_equal(s.calls, 0);
		assert_int_equal(d.records, 0);
		free(buf);
		obs_otlp_batch_release(&b);
	}
	sink_reset(&s);
}

/* Offsets of every field key in a message, nested ones too (fields that parse as messages). */
static void key_offsets(const struct obs_pb_reader *r, size_t *offs, size_t *n, size_t max)
{
	struct obs_pb_reader copy = *r, sub;
	struct obs_pb_field f;

	while (obs_pb_read(&copy, &f, NULL) > 0) {
		if (*n < max)
			offs[(*n)++] = f.offset;
		if (f.wire == OBS_PB_LEN && obs_pb_reader_sub(&copy, &f, &sub, NULL) == 0) {
			struct obs_pb_reader probe = sub;
			struct obs_pb_field g;
			int rc;

			while ((rc = obs_pb_read(&probe, &g, NULL)) > 0)
				;
			if (rc == 0)
				key_offsets(&sub, offs, n, max);
		}
	}
}

/*
 * Every field of the fixture bodies with another wire type, and every
 * prefix of them: the decoder either takes the body or refuses it whole,
 * emitting nothing.
 */
static void test_decode_mutations(void **state)
{
	static const char *const files[] = { "spans.pb", "metrics.pb", "logs.pb" };
	static const enum obs_otlp_signal sigs[] = { OBS_OTLP_TRACES, OBS_OTLP_METRICS,
						     OBS_OTLP_LOGS };
	static const uint8_t wires[] = { 0, 1, 2, 5 };
	struct obs_otlp_decoder d;
	struct obs_pb_reader r;
	struct sink s = { 0 };
	struct obs_error err;
	size_t offs[4096], n, i, len, k;
	unsigned long refused = 0;
	char *body;
	uint8_t *copy;
	int f, rc;

	(void)state;
	for (f = 0; f < 3; f++) {
		body = slurp(files[f], &len);
		copy = malloc(len);
		n = 0;
		obs_pb_reader_init(&r, body, len);
		key_offsets(&r, offs, &n, 4096);
		assert_true(n > 50);
		for (i = 0; i < n; i++)
			for (k = 0; k < 4; k++) {
				memcpy(copy, body, len);
				if ((copy[offs[i]] & 7) == wires[k])
					continue;
				copy[offs[i]] = (uint8_t)((copy[offs[i]] & ~7) | wires[k]);
				obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
				rc = obs_otlp_decode(&d, sigs[f], copy, len, &err);
				if (rc < 0) {
					assert_int_equal(s.calls, 0);
					refused++;
				}
				sink_reset(&s);
			}
		for (i = 0; i < len; i++) {
			obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
			rc = obs_otlp_decode(&d, sigs[f], body, i, &err);
			if (rc < 0)
				assert_int_equal(s.calls, 0);
			sink_reset(&s);
		}
		free(copy);
		free(body);
	}
	assert_true(refused > 100);
}

/* Metrics and logs built with obs_pb, decoded. */
static void test_decode_metrics(void **state)
{
	struct obs_pb_writer w;
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	const uint64_t T = 1795514400000000000ULL;
	const double qs[2] = { 0.5, 0.99 };
	int i;

	(void)state;
	obs_pb_writer_init(&w);
	obs_pb_begin(&w, 1);
	obs_pb_begin(&w, 1);               /* resource: job from service.name only */
	obs_pb_begin(&w, 1);
	obs_pb_put_string(&w, 1, "service.name");
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "svc");
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	/* 1: a non-monotonic Sum is a gauge; attribute names made valid. */
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "queue.size");
	obs_pb_begin(&w, 7);
	obs_pb_begin(&w, 1);
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_put_fixed64(&w, 6, (uint64_t)-5);
	obs_pb_begin(&w, 7);
	obs_pb_put_string(&w, 1, "1st.key");
	obs_pb_begin(&w, 2);
	obs_pb_put_bool(&w, 2, 1);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_begin(&w, 1);                /* no recorded value: skipped */
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_put_uint64(&w, 8, 1);
	obs_pb_end(&w);
	obs_pb_put_uint64(&w, 2, 2);
	obs_pb_end(&w);
	obs_pb_end(&w);
	/* 2: a summary. */
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "rpc");
	obs_pb_begin(&w, 11);
	obs_pb_begin(&w, 1);
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_put_fixed64(&w, 4, 10);
	obs_pb_put_double(&w, 5, 2.5);
	for (i = 0; i < 2; i++) {
		obs_pb_begin(&w, 6);
		obs_pb_put_double(&w, 1, qs[i]);
		obs_pb_put_double(&w, 2, i ? INFINITY : 0.125);
		obs_pb_end(&w);
	}
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	/* 3: a DELTA histogram without buckets, unpacked bounds are ignored. */
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "lat");
	obs_pb_begin(&w, 9);
	obs_pb_begin(&w, 1);
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_put_fixed64(&w, 4, 2);
	obs_pb_end(&w);
	obs_pb_put_uint64(&w, 2, 1);
	obs_pb_end(&w);
	obs_pb_end(&w);
	/* 4-8: refused. */
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "exp");
	obs_pb_begin(&w, 10);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "nodata");
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "g");
	obs_pb_begin(&w, 5);
	obs_pb_begin(&w, 1);
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_put_double(&w, 4, 1);
	obs_pb_end(&w);
	obs_pb_begin(&w, 1);
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "h");
	obs_pb_begin(&w, 9);
	obs_pb_begin(&w, 1);
	obs_pb_put_fixed64(&w, 3, T);
	obs_pb_put_bytes(&w, 6, "\1\0\0\0\0\0\0\0", 8);
	obs_pb_put_bytes(&w, 7, "\0\0\0\0\0\0\xf0\x3f", 8);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 1, "notime");
	obs_pb_begin(&w, 5);
	obs_pb_begin(&w, 1);
	obs_pb_put_double(&w, 4, 1);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	assert_int_equal(obs_pb_writer_check(&w, &err), 0);
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_METRICS, w.buf, w.len, &err), 0);
	assert_string_equal(s.warns,
		"metric 4: exponential histograms are not supported\n"
		"metric 5: no data\n"
		"metric 6: data point 2 has no value\n"
		"metric 7: data point 1: 1 bucket counts for 1 bounds\n"
		"metric 8: data point 1: missing time\n");
	assert_string_equal(s.out,
		"{\"type\":\"metric\",\"name\":\"queue_size\",\"metric_type\":\"gauge\",\"value\":-5,"
		"\"labels\":{\"_st_key\":\"true\",\"job\":\"svc\"},\"time\":"
		"\"2026-11-24T10:00:00.000000000Z\"}\n"
		"{\"type\":\"metric\",\"name\":\"rpc\",\"metric_type\":\"summary\",\"value\":0.125,"
		"\"labels\":{\"job\":\"svc\",\"quantile\":\"0.5\"},\"time\":"
		"\"2026-11-24T10:00:00.000000000Z\",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"rpc\",\"metric_type\":\"summary\",\"value\":\"+Inf\","
		"\"labels\":{\"job\":\"svc\",\"quantile\":\"0.99\"},\"time\":"
		"\"2026-11-24T10:00:00.000000000Z\",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"rpc_sum\",\"metric_type\":\"summary\",\"value\":2.5,"
		"\"labels\":{\"job\":\"svc\"},\"time\":\"2026-11-24T10:00:00.000000000Z\","
		"\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"rpc_count\",\"metric_type\":\"summary\",\"value\":10,"
		"\"labels\":{\"job\":\"svc\"},\"time\":\"2026-11-24T10:00:00.000000000Z\","
		"\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"lat_count\",\"metric_type\":\"counter\",\"value\":2,"
		"\"labels\":{\"job\":\"svc\"},\"time\":\"2026-11-24T10:00:00.000000000Z\"}\n");
	assert_int_equal(d.records, 6);
	assert_int_equal(d.rejected, 5);
	sink_reset(&s);
	obs_pb_writer_release(&w);
}

static void test_decode_logs(void **state)
{
	struct obs_pb_writer w;
	struct obs_otlp_decoder d;
	struct sink s = { 0 };
	struct obs_error err;
	const uint64_t T = 1795514400000000000ULL;
	int i;

	(void)state;
	obs_pb_writer_init(&w);
	obs_pb_begin(&w, 1);
	obs_pb_begin(&w, 2);
	/* 1: severity text only, event name, flags, an int body. */
	obs_pb_begin(&w, 2);
	obs_pb_put_fixed64(&w, 11, T);
	obs_pb_put_string(&w, 3, "Notice");
	obs_pb_put_string(&w, 12, "login");
	obs_pb_put_fixed32(&w, 8, 1);
	obs_pb_begin(&w, 5);
	obs_pb_put_uint64(&w, 3, 42);
	obs_pb_end(&w);
	obs_pb_end(&w);
	/* 2: nothing but a time. */
	obs_pb_begin(&w, 2);
	obs_pb_put_fixed64(&w, 1, T);
	obs_pb_put_uint64(&w, 2, 30);
	obs_pb_end(&w);
	/* 3-7: refused. */
	obs_pb_begin(&w, 2);
	obs_pb_put_string(&w, 3, "x");
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_fixed64(&w, 1, T);
	obs_pb_put_uint64(&w, 7, 3);
	put_deep_attr(&w, 6, "z", 65);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_fixed64(&w, 1, T);
	obs_pb_put_bytes(&w, 9, TID, 4);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_fixed64(&w, 1, UINT64_MAX);
	obs_pb_end(&w);
	obs_pb_begin(&w, 2);
	obs_pb_put_fixed64(&w, 1, T);
	obs_pb_begin(&w, 5);
	for (i = 0; i < 70; i++) {
		obs_pb_begin(&w, 5);
		obs_pb_begin(&w, 1);
	}
	for (i = 0; i < 140; i++)
		obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	obs_pb_end(&w);
	assert_int_equal(obs_pb_writer_check(&w, &err), 0);
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_decode(&d, OBS_OTLP_LOGS, w.buf, w.len, &err), 0);
	assert_string_equal(s.warns, cut100(
		"log 3: missing time\n"
		"log 4: attribute 'z': " REPEAT63 R1 "value nested deeper than 64 levels\n"
		"log 5: invalid trace id '01020304'\n"
		"log 6: time out of range\n"
		"log 7: body: array item 1: " REPEAT63 "value nested deeper than 64 levels\n"));
	assert_string_equal(s.out,
		"{\"type\":\"log\",\"time\":\"2026-11-24T10:00:00.000000000Z\",\"level\":\"notice\","
		"\"msg\":\"\",\"service\":\"unknown_service\",\"event.name\":\"login\",\"body\":42}\n"
		"{\"type\":\"log\",\"time\":\"2026-11-24T10:00:00.000000000Z\",\"level\":\"unknown\","
		"\"msg\":\"\",\"service\":\"unknown_service\"}\n");
	sink_reset(&s);
	obs_pb_writer_release(&w);
}

/* ---- gzip ------------------------------------------------------------------------ */

static void test_gzip(void **state)
{
	struct obs_otlp_buf z = { 0 }, u = { 0 };
	struct obs_error err;
	char text[100000];
	size_t i, len1;

	(void)state;
	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + (i * 7 % 13));
	assert_int_equal(obs_otlp_gzip(text, sizeof(text), 1, &z, &err), 0);
	assert_true(z.len < sizeof(text) / 10);
	assert_int_equal(z.data[0], 0x1f);
	assert_int_equal(z.data[1], 0x8b);
	assert_int_equal(obs_otlp_gunzip(z.data, z.len, sizeof(text), &u, &err), 0);
	assert_int_equal(u.len, sizeof(text));
	assert_memory_equal(u.data, text, sizeof(text));
	assert_int_equal(obs_otlp_gunzip(z.data, z.len, sizeof(text) - 1, &u, &err), -1);
	assert_string_equal(err.msg, "request body larger than 99999 bytes after decompression");
	assert_int_equal(obs_otlp_gunzip(z.data, z.len / 2, sizeof(text), &u, &err), -1);
	assert_string_equal(err.msg, "truncated gzip body");
	assert_int_equal(obs_otlp_gunzip("not gzip at all", 15, 100, &u, &err), -1);
	assert_string_equal(err.msg, "invalid gzip body: incorrect header check");
	assert_int_equal(obs_otlp_gzip(text, 10, 10, &z, &err), -1);
	assert_string_equal(err.msg, "invalid gzip level 10");
	assert_int_equal(obs_otlp_gzip("", 0, -1, &z, &err), 0);
	assert_int_equal(obs_otlp_gunzip(z.data, z.len, 0, &u, &err), 0);
	assert_int_equal(u.len, 0);
	/* The kept compressor gives the same bytes as a new one. */
	assert_int_equal(obs_otlp_gzip(text, sizeof(text), 1, &z, &err), 0);
	len1 = z.len;
	assert_int_equal(obs_otlp_gzip(text, sizeof(text), 1, &z, &err), 0);
	assert_int_equal(z.len, len1);
	assert_int_equal(obs_otlp_gunzip(z.data, z.len, sizeof(text), &u, &err), 0);
	assert_memory_equal(u.data, text, sizeof(text));
	obs_otlp_buf_release(&z);
	obs_otlp_buf_release(&u);
	assert_null(z.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_small_span_protobuf),
		cmocka_unit_test(test_small_span_json),
		cmocka_unit_test(test_fixture_encode),
		cmocka_unit_test(test_fixture_decode),
		cmocka_unit_test(test_decode_matches_import),
		cmocka_unit_test(test_span_refusals),
		cmocka_unit_test(test_log_refusals),
		cmocka_unit_test(test_metric_refusals),
		cmocka_unit_test(test_depth_refusals),
		cmocka_unit_test(test_refusal_keeps_batch),
		cmocka_unit_test(test_span_mapping),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_span_add_json),
		cmocka_unit_test(test_many_groups),
		cmocka_unit_test(test_log_mapping),
		cmocka_unit_test(test_metric_mapping),
		cmocka_unit_test(test_decode_span_rejects),
		cmocka_unit_test(test_decode_span_values),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_mutations),
		cmocka_unit_test(test_decode_metrics),
		cmocka_unit_test(test_decode_logs),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
