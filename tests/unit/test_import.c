/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_import: OTLP JSON, Zipkin v2 and Jaeger JSON into span records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_import.h"

/*
 * JSON is written with single quotes in this file, for legibility; J()
 * turns them into double quotes (no test value contains an apostrophe).
 */
static char *J(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static json_t *parse(const char *sq)
{
	char *text = J(sq);
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_ALLOW_NUL, &jerr);

	if (!v)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	free(text);
	return v;
}

/* What the callbacks saw. */
struct sink {
	json_t *recs;           /* records, in order */
	int64_t starts[64];
	char warns[8192];       /* warn messages, each followed by '\n' */
	int fail_at;            /* emit fails on this record (1-based), 0 never */
	int calls;
};

static int sink_emit(void *ctx, json_t *span, int64_t start_ns, struct obs_error *err)
{
	struct sink *s = ctx;

	s->calls++;
	if (s->fail_at && s->calls == s->fail_at) {
		json_decref(span);
		return obs_error_set(err, "disk full");
	}
	if (json_array_size(s->recs) < 64)
		s->starts[json_array_size(s->recs)] = start_ns;
	json_array_append_new(s->recs, span);
	return 0;
}

static void sink_warn(void *ctx, const char *msg)
{
	struct sink *s = ctx;
	size_t n = strlen(s->warns);

	snprintf(s->warns + n, sizeof(s->warns) - n, "%s\n", msg);
}

struct run {
	struct sink s;
	struct obs_import im;
	struct obs_error err;
	int rc;
};

/* Convert the document SQ as FMT; the caller frees with run_free. */
static struct run *run(enum obs_import_format fmt, const char *sq)
{
	struct run *r = calloc(1, sizeof(*r));
	json_t *doc = parse(sq);

	r->s.recs = json_array();
	obs_import_init(&r->im, sink_emit, sink_warn, &r->s);
	r->rc = obs_import_json(&r->im, fmt, doc, &r->err);
	json_decref(doc);
	return r;
}

static void run_free(struct run *r)
{
	json_decref(r->s.recs);
	free(r);
}

/* Record I equals EXPECTED (values and key order). */
static void expect_record(struct run *r, size_t i, const char *expected_sq)
{
	json_t *want = parse(expected_sq);
	char *a = json_dumps(json_array_get(r->s.recs, i), JSON_COMPACT);
	char *b = json_dumps(want, JSON_COMPACT);

	if (!a || strcmp(a, b))
		fail_msg("record %zu:\n got  %s\n want %s", i, a ? a : "(none)", b);
	free(a);
	free(b);
	json_decref(want);
}

/* Exactly one span was rejected, with message MSG; nothing emitted. */
static void expect_reject(enum obs_import_format fmt, const char *doc, const char *msg)
{
	struct run *r = run(fmt, doc);
	char want[1024];

	snprintf(want, sizeof(want), "%s\n", msg);
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, want);
	assert_int_equal(r->im.rejected, 1);
	assert_int_equal(r->im.spans, 0);
	assert_int_equal(json_array_size(r->s.recs), 0);
	run_free(r);
}

/* The document is refused as a whole with MSG. */
static void expect_doc_error(enum obs_import_format fmt, const char *doc, const char *msg)
{
	struct run *r = run(fmt, doc);

	assert_int_equal(r->rc, -1);
	assert_string_equal(r->err.msg, msg);
	assert_int_equal(r->im.spans, 0);
	run_free(r);
}

static const char *field(struct run *r, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(r->s.recs, i), key));
}

#define TID "5b8efff798038103d269b633813fc60c"
#define SID "eee19b7ec3c1b174"
#define T0 "1795514400000000000"      /* 2026-11-24T10:00:00Z */
#define T1 "1795514400250000000"      /* +250 ms */

/* An OTLP document with one span whose fields are SPAN (after the defaults). */
static char *otlp_doc(const char *span)
{
	char *d;

	if (asprintf(&d, "{'resourceSpans':[{'resource':{'attributes':[{'key':'service.name',"
		     "'value':{'stringValue':'svc'}}]},'scopeSpans':[{'spans':[{%s}]}]}]}",
		     span) < 0)
		abort();
	return d;
}

#define BASE "'traceId':'" TID "','spanId':'" SID "','name':'op','startTimeUnixNano':'" T0 \
	     "','endTimeUnixNano':'" T1 "'"

static void reject_otlp(const char *span, const char *msg)
{
	char *d = otlp_doc(span);

	expect_reject(OBS_IMPORT_OTLP, d, msg);
	free(d);
}

/* The attributes object of the one span converted from SPAN. */
static void expect_otlp_attrs(const char *span, const char *attrs_sq)
{
	char *d = otlp_doc(span);
	struct run *r = run(OBS_IMPORT_OTLP, d);
	json_t *want = parse(attrs_sq);
	char *a, *b;

	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	a = json_dumps(json_object_get(json_array_get(r->s.recs, 0), "attributes"), JSON_COMPACT);
	b = json_dumps(want, JSON_COMPACT);
	if (!a || strcmp(a, b))
		fail_msg("attributes:\n got  %s\n want %s", a ? a : "(none)", b);
	free(a);
	free(b);
	json_decref(want);
	run_free(r);
	free(d);
}

/* ---- OTLP ------------------------------------------------------------ */

static void test_otlp_full(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_OTLP,
		"{'resourceSpans':[{'resource':{'attributes':["
		"  {'key':'service.name','value':{'stringValue':'checkout'}},"
		"  {'key':'host.ip','value':{'arrayValue':{'values':[{'stringValue':'10.0.0.1'}]}}}],"
		"  'droppedAttributesCount':2},"
		" 'scopeSpans':[{'scope':{'name':'lib','version':'1.2'},'spans':[{"
		"  'traceId':'" TID "','spanId':'" SID "','parentSpanId':'0f2c1d9a7b6e5a41',"
		"  'traceState':'rojo=1','name':'POST /pay','kind':2,"
		"  'startTimeUnixNano':'" T0 "','endTimeUnixNano':" T1 ","
		"  'attributes':[{'key':'s','value':{'stringValue':'x'}},"
		"   {'key':'b','value':{'boolValue':true}},"
		"   {'key':'i','value':{'intValue':'-42'}},"
		"   {'key':'i2','value':{'intValue':7}},"
		"   {'key':'d','value':{'doubleValue':1.5}},"
		"   {'key':'d2','value':{'doubleValue':'NaN'}},"
		"   {'key':'d3','value':{'doubleValue':'2.25'}},"
		"   {'key':'a','value':{'arrayValue':{'values':[{'intValue':'1'},{'stringValue':'two'}]}}},"
		"   {'key':'a2','value':{'arrayValue':{}}},"
		"   {'key':'kv','value':{'kvlistValue':{'values':[{'key':'k','value':{'boolValue':false}}]}}},"
		"   {'key':'kv2','value':{'kvlistValue':{}}},"
		"   {'key':'by','value':{'bytesValue':'3q2+7w=='}},"
		"   {'key':'n','value':{}},"
		"   {'key':'n2'},"
		"   {'key':'s','value':{'stringValue':'last wins'}}],"
		"  'droppedAttributesCount':1,'droppedEventsCount':'2','droppedLinksCount':0,"
		"  'events':[{'timeUnixNano':'1795514400100000000','name':'retry',"
		"    'attributes':[{'key':'attempt','value':{'intValue':2}}],'droppedAttributesCount':4},"
		"   {'timeUnixNano':1795514400200000000}],"
		"  'links':[{'traceId':'4bf92f3577b34da6a3ce929d0e0e4736','spanId':'00f067aa0ba902b7',"
		"    'traceState':'a=b','attributes':[{'key':'why','value':{'stringValue':'retry'}}],"
		"    'droppedAttributesCount':1}],"
		"  'status':{'code':2,'message':'declined'}}]}]}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	assert_int_equal(r->im.spans, 1);
	assert_int_equal(r->im.rejected, 0);
	assert_true(r->s.starts[0] == 1795514400000000000LL);
	expect_record(r, 0,
		"{'type':'span','trace_id':'" TID "','span_id':'" SID "',"
		"'parent_span_id':'0f2c1d9a7b6e5a41','name':'POST /pay','service':'checkout',"
		"'kind':'server','start':'2026-11-24T10:00:00.000000000Z',"
		"'end':'2026-11-24T10:00:00.250000000Z','duration_ms':250.0,'status':'error',"
		"'status_message':'declined','attributes':{'s':'last wins','b':true,'i':-42,'i2':7,"
		"'d':1.5,'d2':'NaN','d3':2.25,'a':[1,'two'],'a2':[],'kv':{'k':false},'kv2':{},"
		"'by':'3q2+7w==','n':null,'n2':null,'otel.scope.name':'lib','otel.scope.version':'1.2',"
		"'w3c.tracestate':'rojo=1','otel.dropped_attributes_count':1,"
		"'otel.dropped_events_count':2},"
		"'events':[{'time':'2026-11-24T10:00:00.100000000Z','name':'retry',"
		"'attributes':{'attempt':2,'otel.dropped_attributes_count':4}},"
		"{'time':'2026-11-24T10:00:00.200000000Z','name':'','attributes':{}}],"
		"'links':[{'trace_id':'4bf92f3577b34da6a3ce929d0e0e4736','span_id':'00f067aa0ba902b7',"
		"'tracestate':'a=b','attributes':{'why':'retry','otel.dropped_attributes_count':1}}],"
		"'resource':{'service.name':'checkout','host.ip':['10.0.0.1'],"
		"'otel.dropped_attributes_count':2}}");
	run_free(r);
}

static void test_otlp_snake_case_and_enum_names(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_AUTO,
		"{'resource_spans':[{'resource':{'attributes':[{'key':'service.name',"
		"'value':{'string_value':'pay'}}],'dropped_attributes_count':1},"
		"'scope_spans':[{'scope':{'name':'sdk','version':''},'spans':[{"
		"'trace_id':'" TID "','span_id':'" SID "','parent_span_id':'','name':'x',"
		"'kind':'SPAN_KIND_CONSUMER','trace_state':'',"
		"'start_time_unix_nano':'" T0 "','end_time_unix_nano':'" T1 "',"
		"'attributes':[{'key':'a','value':{'array_value':{'values':[{'bool_value':true},"
		"{'double_value':0.5},{'int_value':'3'},{'bytes_value':'AA=='},"
		"{'kvlist_value':{'values':[{'key':'z','value':{'string_value':'q'}}]}}]}}}],"
		"'dropped_attributes_count':'5','dropped_events_count':0,'dropped_links_count':6,"
		"'events':[{'time_unix_nano':'" T0 "','name':'e','dropped_attributes_count':1}],"
		"'links':[{'trace_id':'" TID "','span_id':'00f067aa0ba902b7','trace_state':'',"
		"'dropped_attributes_count':0}],"
		"'status':{'code':'STATUS_CODE_OK','message':''}}]}]}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	expect_record(r, 0,
		"{'type':'span','trace_id':'" TID "','span_id':'" SID "','name':'x','service':'pay',"
		"'kind':'consumer','start':'2026-11-24T10:00:00.000000000Z',"
		"'end':'2026-11-24T10:00:00.250000000Z','duration_ms':250.0,'status':'ok',"
		"'attributes':{'a':[true,0.5,3,'AA==',{'z':'q'}],'otel.scope.name':'sdk',"
		"'otel.dropped_attributes_count':5,'otel.dropped_links_count':6},"
		"'events':[{'time':'2026-11-24T10:00:00.000000000Z','name':'e',"
		"'attributes':{'otel.dropped_attributes_count':1}}],"
		"'links':[{'trace_id':'" TID "','span_id':'00f067aa0ba902b7','attributes':{}}],"
		"'resource':{'service.name':'pay','otel.dropped_attributes_count':1}}");
	run_free(r);
}

static void test_otlp_kinds_and_statuses(void **state)
{
	static const char *const kinds[][2] = {
		{ "0", "internal" }, { "1", "internal" }, { "2", "server" }, { "3", "client" },
		{ "4", "producer" }, { "5", "consumer" }, { "'SPAN_KIND_UNSPECIFIED'", "internal" },
		{ "'SPAN_KIND_INTERNAL'", "internal" }, { "'SPAN_KIND_SERVER'", "server" },
		{ "'SPAN_KIND_CLIENT'", "client" }, { "'SPAN_KIND_PRODUCER'", "producer" },
		{ "null", "internal" },
	};
	static const char *const codes[][2] = {
		{ "0", "unset" }, { "1", "ok" }, { "2", "error" }, { "'STATUS_CODE_UNSET'", "unset" },
		{ "'STATUS_CODE_ERROR'", "error" }, { "null", "unset" },
	};
	char span[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *d;
		struct run *r;

		snprintf(span, sizeof(span), BASE ",'kind':%s", kinds[i][0]);
		d = otlp_doc(span);
		r = run(OBS_IMPORT_OTLP, d);
		assert_int_equal(json_array_size(r->s.recs), 1);
		assert_string_equal(field(r, 0, "kind"), kinds[i][1]);
		run_free(r);
		free(d);
	}
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char *d;
		struct run *r;

		snprintf(span, sizeof(span), BASE ",'status':{'code':%s,'message':'m'}", codes[i][0]);
		d = otlp_doc(span);
		r = run(OBS_IMPORT_OTLP, d);
		assert_int_equal(json_array_size(r->s.recs), 1);
		assert_string_equal(field(r, 0, "status"), codes[i][1]);
		/* The message is kept whatever the code: nothing is dropped. */
		assert_string_equal(field(r, 0, "status_message"), "m");
		run_free(r);
		free(d);
	}
}

static void test_otlp_ids(void **state)
{
	struct run *r;
	char *d;

	(void)state;
	/* Upper case hex, base64 ids (generic protobuf JSON), all-zero parent = root. */
	d = otlp_doc("'traceId':'5B8EFFF798038103D269B633813FC60C','spanId':'7uGbfsPBsXQ=',"
		     "'parentSpanId':'0000000000000000','startTimeUnixNano':1,'endTimeUnixNano':2");
	r = run(OBS_IMPORT_OTLP, d);
	assert_string_equal(r->s.warns, "");
	assert_string_equal(field(r, 0, "trace_id"), TID);
	assert_string_equal(field(r, 0, "span_id"), SID);
	assert_null(json_object_get(json_array_get(r->s.recs, 0), "parent_span_id"));
	assert_string_equal(field(r, 0, "name"), "");
	run_free(r);
	free(d);

	d = otlp_doc("'traceId':'W47/95gDgQPSabYzgT/GDA==','spanId':'" SID "',"
		     "'parentSpanId':'7uGbfsPBsXQ','startTimeUnixNano':1,'endTimeUnixNano':2");
	r = run(OBS_IMPORT_OTLP, d);
	assert_string_equal(r->s.warns, "");
	assert_string_equal(field(r, 0, "trace_id"), TID);
	assert_string_equal(field(r, 0, "parent_span_id"), SID);
	run_free(r);
	free(d);

	/* Both base64 alphabets: standard and URL-safe. */
	d = otlp_doc("'traceId':'" TID "','spanId':'++8AAAAA/wE=','parentSpanId':'-_8AAAAA_wE',"
		     "'startTimeUnixNano':1,'endTimeUnixNano':2");
	r = run(OBS_IMPORT_OTLP, d);
	assert_string_equal(r->s.warns, "");
	assert_string_equal(field(r, 0, "span_id"), "fbef00000000ff01");
	assert_string_equal(field(r, 0, "parent_span_id"), "fbff00000000ff01");
	run_free(r);
	free(d);

#define TIMES ",'startTimeUnixNano':1,'endTimeUnixNano':2"
	reject_otlp("'traceId':'abc','spanId':'" SID "'" TIMES, "span 1: invalid trace id 'abc'");
	reject_otlp("'spanId':'" SID "'" TIMES, "span 1: missing trace id");
	reject_otlp("'traceId':123,'spanId':'" SID "'" TIMES, "span 1: trace id is not a string");
	reject_otlp("'traceId':'00000000000000000000000000000000','spanId':'" SID "'" TIMES,
		    "span 1: invalid trace id '00000000000000000000000000000000'");
	reject_otlp("'traceId':'5b8efff798038103d269b633813fc60g','spanId':'" SID "'" TIMES,
		    "span 1: invalid trace id '5b8efff798038103d269b633813fc60g'");
	reject_otlp("'traceId':'AAAAAAAAAAAAAAAAAAAAAA==','spanId':'" SID "'" TIMES,
		    "span 1: invalid trace id 'AAAAAAAAAAAAAAAAAAAAAA=='");
	/* Base64 of the wrong length, or with bits left over, or bad characters. */
	reject_otlp("'traceId':'" TID "','spanId':'7uGbfsPBsXQx'" TIMES,
		    "span 1: invalid span id '7uGbfsPBsXQx'");
	reject_otlp("'traceId':'" TID "','spanId':'7uGbfsPBsXR='" TIMES,
		    "span 1: invalid span id '7uGbfsPBsXR='");
	reject_otlp("'traceId':'" TID "','spanId':'7uGbfsPBs*Q='" TIMES,
		    "span 1: invalid span id '7uGbfsPBs*Q='");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "0'" TIMES,
		    "span 1: invalid span id '" SID "0'");
	reject_otlp("'traceId':'" TID "'" TIMES, "span 1: missing span id");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','parentSpanId':'xyz'" TIMES,
		    "span 1: invalid parent span id 'xyz'");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','parentSpanId':5" TIMES,
		    "span 1: parent span id is not a string");
	/* A NUL inside an id, and a long id cut in the message. */
	reject_otlp("'traceId':'" TID "','spanId':'eee19b7e\\u0000c1b174'" TIMES,
		    "span 1: invalid span id 'eee19b7e?c1b174'");
	reject_otlp("'traceId':'0123456789012345678901234567890123456789012345678901234567890123"
		    "456789','spanId':'" SID "'" TIMES,
		    "span 1: invalid trace id "
		    "'0123456789012345678901234567890123456789012345678901234567890123...'");
	reject_otlp("'traceId':'\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9',"
		    "'spanId':'" SID "'" TIMES,
		    "span 1: invalid trace id '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...'");
	/* The cut never splits a UTF-8 character. */
	reject_otlp("'traceId':'a\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		    "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		    "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9',"
		    "'spanId':'" SID "'" TIMES,
		    "span 1: invalid trace id 'a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...'");
}

static void test_otlp_times(void **state)
{
	(void)state;
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','endTimeUnixNano':2",
		    "span 1: missing start time");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':'0',"
		    "'endTimeUnixNano':2", "span 1: missing start time");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':2",
		    "span 1: missing end time");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':3,"
		    "'endTimeUnixNano':2", "span 1: end time before start time");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':'12x',"
		    "'endTimeUnixNano':2", "span 1: 'startTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':-1,"
		    "'endTimeUnixNano':2", "span 1: 'startTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1,"
		    "'endTimeUnixNano':'99999999999999999999'",
		    "span 1: 'endTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1,"
		    "'endTimeUnixNano':1.5", "span 1: 'endTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1,"
		    "'endTimeUnixNano':1e300", "span 1: 'endTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1,"
		    "'endTimeUnixNano':true", "span 1: 'endTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1,"
		    "'endTimeUnixNano':''", "span 1: 'endTimeUnixNano' is not a time in nanoseconds");
	reject_otlp("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1,"
		    "'endTimeUnixNano':'-'", "span 1: 'endTimeUnixNano' is not a time in nanoseconds");
	/* An integral real is a valid 64-bit integer in protobuf JSON. */
	expect_otlp_attrs("'traceId':'" TID "','spanId':'" SID "','startTimeUnixNano':1e3,"
			  "'endTimeUnixNano':2e3,'attributes':[{'key':'i','value':{'intValue':4.0}}]",
			  "{'i':4}");
}

static void test_otlp_bad_span_fields(void **state)
{
	(void)state;
	reject_otlp(BASE ",'name':5", "span 1: 'name' is not a string");
	reject_otlp(BASE ",'kind':9", "span 1: unknown kind 9");
	reject_otlp(BASE ",'kind':'SERVER'", "span 1: unknown kind 'SERVER'");
	reject_otlp(BASE ",'kind':-1", "span 1: unknown kind -1");
	reject_otlp(BASE ",'kind':{}", "span 1: unknown kind {}");
	reject_otlp(BASE ",'status':3", "span 1: 'status' is not an object");
	reject_otlp(BASE ",'status':{'code':7}", "span 1: unknown status code 7");
	reject_otlp(BASE ",'status':{'code':'ERROR'}", "span 1: unknown status code 'ERROR'");
	reject_otlp(BASE ",'status':{'message':1}", "span 1: status 'message' is not a string");
	reject_otlp(BASE ",'traceState':1", "span 1: 'traceState' is not a string");
	reject_otlp(BASE ",'droppedAttributesCount':-1",
		    "span 1: 'droppedAttributesCount' is not a count");
	reject_otlp(BASE ",'droppedEventsCount':'x'", "span 1: 'droppedEventsCount' is not a count");
	reject_otlp(BASE ",'droppedLinksCount':4294967296",
		    "span 1: 'droppedLinksCount' is not a count");
	reject_otlp(BASE ",'attributes':{}", "span 1: 'attributes' is not an array");
	reject_otlp(BASE ",'attributes':[1]", "span 1: attribute 1 is not an object");
	reject_otlp(BASE ",'attributes':[{'value':{}}]", "span 1: attribute 1 has no key");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':1}]",
		    "span 1: attribute 'a': value is not an AnyValue object");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'stringValue':1}}]",
		    "span 1: attribute 'a': 'stringValue' is not a string");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'boolValue':'true'}}]",
		    "span 1: attribute 'a': 'boolValue' is not a boolean");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'intValue':'1.5'}}]",
		    "span 1: attribute 'a': 'intValue' is not a 64-bit integer");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'intValue':'9223372036854775808'}}]",
		    "span 1: attribute 'a': 'intValue' is not a 64-bit integer");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'doubleValue':'abc'}}]",
		    "span 1: attribute 'a': 'doubleValue' is not a number");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'doubleValue':'1e999'}}]",
		    "span 1: attribute 'a': 'doubleValue' is not a number");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'doubleValue':'inf'}}]",
		    "span 1: attribute 'a': 'doubleValue' is not a number");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'doubleValue':true}}]",
		    "span 1: attribute 'a': 'doubleValue' is not a number");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'bytesValue':[]}}]",
		    "span 1: attribute 'a': 'bytesValue' is not a string");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'arrayValue':[]}}]",
		    "span 1: attribute 'a': 'arrayValue' is not an ArrayValue object");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'arrayValue':{'values':{}}}}]",
		    "span 1: attribute 'a': 'arrayValue' is not an ArrayValue object");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'arrayValue':{'values':[{},3]}}}]",
		    "span 1: attribute 'a': array item 2: value is not an AnyValue object");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'kvlistValue':[]}}]",
		    "span 1: attribute 'a': 'kvlistValue' is not a KeyValueList object");
	reject_otlp(BASE ",'attributes':[{'key':'a','value':{'kvlistValue':{'values':[{'key':'b',"
		    "'value':{'intValue':'x'}}]}}}]",
		    "span 1: attribute 'a': attribute 'b': 'intValue' is not a 64-bit integer");
	reject_otlp(BASE ",'events':{}", "span 1: 'events' is not an array");
	reject_otlp(BASE ",'events':[{'name':'a'},2]", "span 1: event 2: not an object");
	reject_otlp(BASE ",'events':[{'name':3}]", "span 1: event 1: 'name' is not a string");
	reject_otlp(BASE ",'events':[{'timeUnixNano':'x'}]",
		    "span 1: event 1: 'timeUnixNano' is not a time in nanoseconds");
	reject_otlp(BASE ",'events':[{'attributes':[1]}]",
		    "span 1: event 1: attribute 1 is not an object");
	reject_otlp(BASE ",'events':[{'droppedAttributesCount':true}]",
		    "span 1: event 1: 'droppedAttributesCount' is not a count");
	reject_otlp(BASE ",'links':{}", "span 1: 'links' is not an array");
	reject_otlp(BASE ",'links':[[]]", "span 1: link 1: not an object");
	reject_otlp(BASE ",'links':[{'traceId':'" TID "'}]", "span 1: link 1: missing span id");
	reject_otlp(BASE ",'links':[{'traceId':'" TID "','spanId':'" SID "'},{'traceId':'0',"
		    "'spanId':'" SID "'}]", "span 1: link 2: invalid trace id '0'");
	reject_otlp(BASE ",'links':[{'traceId':'" TID "','spanId':'" SID "','attributes':5}]",
		    "span 1: link 1: 'attributes' is not an array");
	reject_otlp(BASE ",'links':[{'traceId':'" TID "','spanId':'" SID "','traceState':5}]",
		    "span 1: link 1: 'traceState' is not a string");
	reject_otlp(BASE ",'links':[{'traceId':'" TID "','spanId':'" SID "',"
		    "'droppedAttributesCount':'-1'}]",
		    "span 1: link 1: 'droppedAttributesCount' is not a count");
}

static void test_otlp_depth_limit(void **state)
{
	char *span, *p;
	size_t i, n = 70;

	(void)state;
	span = malloc(64 * n + 256);
	p = span + sprintf(span, BASE ",'attributes':[{'key':'deep','value':");
	for (i = 0; i < n; i++)
		p += sprintf(p, "{'arrayValue':{'values':[");
	p += sprintf(p, "{}");
	for (i = 0; i < n; i++)
		p += sprintf(p, "]}}");
	sprintf(p, "}]");
	{
		char *d = otlp_doc(span);
		struct run *r = run(OBS_IMPORT_OTLP, d);
		const char *w = r->s.warns;

		/* The message is long (one "array item 1: " per level) and cut. */
		assert_int_equal(r->im.rejected, 1);
		assert_int_equal(r->im.spans, 0);
		assert_int_equal(strncmp(w, "span 1: attribute 'deep': array item 1: ", 40), 0);
		run_free(r);
		free(d);
	}
	free(span);
}

static void test_otlp_structure(void **state)
{
	struct run *r;

	(void)state;
	expect_doc_error(OBS_IMPORT_OTLP, "[]", "not an OTLP TracesData object");
	expect_doc_error(OBS_IMPORT_OTLP, "{'foo':1}",
			 "not an OTLP TracesData object: missing 'resourceSpans'");
	expect_doc_error(OBS_IMPORT_OTLP, "{'resourceSpans':{}}",
			 "not an OTLP TracesData object: 'resourceSpans' is not an array");

	/* Empty TracesData, in its protobuf JSON forms, hold no spans. */
	r = run(OBS_IMPORT_OTLP, "{}");
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->im.spans + r->im.rejected, 0);
	run_free(r);
	r = run(OBS_IMPORT_OTLP, "{'resourceSpans':null}");
	assert_int_equal(r->rc, 0);
	run_free(r);

	r = run(OBS_IMPORT_OTLP,
		"{'resourceSpans':[1,{},{'scopeSpans':3},{'scopeSpans':[4,{},{'spans':{}},"
		"{'spans':[5,{" BASE "}]}]},"
		"{'resource':7,'scopeSpans':[{'spans':[{" BASE "},{" BASE "}]}]},"
		"{'resource':{'attributes':[{'key':'x','value':{'intValue':'y'}}]},"
		" 'scopeSpans':[{'spans':[{" BASE "}]}]},"
		"{'resource':{'droppedAttributesCount':'z'},'scopeSpans':[{'spans':[{" BASE "}]}]},"
		"{'scopeSpans':[{'scope':4,'spans':[{" BASE "}]},{'scope':{'name':1},'spans':[{" BASE
		"}]},{'scope':{'version':[]},'spans':[{" BASE "}]},{'spans':[{" BASE "}]}]}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns,
		"resourceSpans[0]: not an object\n"
		"resourceSpans[2]: 'scopeSpans' is not an array\n"
		"resourceSpans[3].scopeSpans[0]: not an object\n"
		"resourceSpans[3].scopeSpans[2]: 'spans' is not an array\n"
		"span 1: not an object\n"
		"span 3: resource: not an object\n"
		"span 4: resource: not an object\n"
		"span 5: resource: attribute 'x': 'intValue' is not a 64-bit integer\n"
		"span 6: resource: 'droppedAttributesCount' is not a count\n"
		"span 7: scope: not an object\n"
		"span 8: scope: 'name' is not a string\n"
		"span 9: scope: 'version' is not a string\n");
	assert_int_equal(r->im.rejected, 12);
	assert_int_equal(r->im.spans, 2);
	/* No scope after a bad one: no scope attributes. */
	assert_string_equal(field(r, 0, "service"), "unknown_service");
	assert_int_equal(json_object_size(json_object_get(json_array_get(r->s.recs, 1),
							  "attributes")), 0);
	run_free(r);
}

static void test_otlp_legacy_library_spans(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_AUTO,
		"{'resourceSpans':[{'instrumentationLibrarySpans':[{'instrumentationLibrary':"
		"{'name':'old','version':'0.1'},'spans':[{" BASE "}]}]},"
		"{'instrumentation_library_spans':[{'instrumentation_library':{'name':'older'},"
		"'spans':[{" BASE "}]}]},"
		"{'instrumentationLibrarySpans':5}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns,
			    "resourceSpans[2]: 'instrumentationLibrarySpans' is not an array\n");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(r->s.recs, 0), "attributes"), "otel.scope.version")), "0.1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(r->s.recs, 1), "attributes"), "otel.scope.name")), "older");
	run_free(r);
}

static void test_otlp_service_names(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_OTLP,
		"{'resourceSpans':["
		"{'resource':{'attributes':[{'key':'process.executable.name','value':{'stringValue':'job'}}]},"
		" 'scopeSpans':[{'spans':[{" BASE "}]}]},"
		"{'resource':{'attributes':[{'key':'service.name','value':{'stringValue':''}}]},"
		" 'scopeSpans':[{'spans':[{" BASE "}]}]},"
		"{'resource':{'attributes':[{'key':'service.name','value':{'intValue':3}}]},"
		" 'scopeSpans':[{'spans':[{" BASE "}]}]}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(field(r, 0, "service"), "unknown_service:job");
	assert_string_equal(field(r, 1, "service"), "unknown_service");
	assert_string_equal(field(r, 2, "service"), "unknown_service");
	run_free(r);
}

static void test_otlp_span_attrs_win_over_scope(void **state)
{
	(void)state;
	expect_otlp_attrs(BASE ",'attributes':[{'key':'otel.scope.name','value':{'stringValue':'mine'}},"
			  "{'key':'w3c.tracestate','value':{'stringValue':'own'}},"
			  "{'key':'otel.dropped_events_count','value':{'intValue':9}}],"
			  "'traceState':'x=1','droppedEventsCount':2",
			  "{'otel.scope.name':'mine','w3c.tracestate':'own',"
			  "'otel.dropped_events_count':9}");
}

static void test_emit_failure_stops(void **state)
{
	struct run *r = calloc(1, sizeof(*r));
	json_t *doc;
	const char *docs[] = {
		"{'resourceSpans':[{'scopeSpans':[{'spans':[{" BASE "},{" BASE "},{" BASE "}]}]}]}",
		"[{'traceId':'1','id':'2','timestamp':1,'duration':1},"
		" {'traceId':'1','id':'3','timestamp':1,'duration':1},"
		" [{'traceId':'1','id':'4','timestamp':1,'duration':1}]]",
		"{'data':[{'spans':[{'traceID':'1','spanID':'2','startTime':1,'duration':1},"
		"{'traceID':'1','spanID':'3','startTime':1,'duration':1}]}]}",
		"{'traceID':'1','spans':[{'traceID':'1','spanID':'2','startTime':1,'duration':1},"
		"{'traceID':'1','spanID':'3','startTime':1,'duration':1}]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		r->s.recs = json_array();
		r->s.calls = 0;
		r->s.fail_at = 2;
		obs_import_init(&r->im, sink_emit, NULL, &r->s);
		doc = parse(docs[i]);
		assert_int_equal(obs_import_json(&r->im, OBS_IMPORT_AUTO, doc, &r->err), -1);
		assert_string_equal(r->err.msg, "disk full");
		assert_int_equal(r->im.spans, 1);
		assert_int_equal(r->s.calls, 2);
		json_decref(doc);
		json_decref(r->s.recs);
	}
	free(r);
}

/* ---- Zipkin ---------------------------------------------------------- */

#define ZB "'traceId':'463ac35c9f6413ad','id':'72485a3953bb6124','timestamp':1795514400000000," \
	   "'duration':1500"

static void reject_zipkin(const char *span, const char *msg)
{
	char *d;

	if (asprintf(&d, "[{%s}]", span) < 0)
		abort();
	expect_reject(OBS_IMPORT_ZIPKIN, d, msg);
	free(d);
}

static void test_zipkin_full(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_AUTO,
		"[{'traceId':'463ac35c9f6413ad','parentId':'463ac35c9f6413ad','id':'72485a3953bb6124',"
		"'kind':'CLIENT','name':'get /api','timestamp':1795514400000000,'duration':120500,"
		"'localEndpoint':{'serviceName':'frontend','ipv4':'10.0.0.5','port':8080},"
		"'remoteEndpoint':{'serviceName':'backend','ipv6':'2001:db8::1','port':9000},"
		"'annotations':[{'timestamp':1795514400001000,'value':'ws'},"
		"{'timestamp':1795514400002000}],"
		"'tags':{'http.path':'/api','error':'connection refused','n':3,'b':true,'z':null},"
		"'shared':true,'debug':true}]");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	expect_record(r, 0,
		"{'type':'span','trace_id':'0000000000000000463ac35c9f6413ad',"
		"'span_id':'72485a3953bb6124','parent_span_id':'463ac35c9f6413ad','name':'get /api',"
		"'service':'frontend','kind':'client','start':'2026-11-24T10:00:00.000000000Z',"
		"'end':'2026-11-24T10:00:00.120500000Z','duration_ms':120.5,'status':'error',"
		"'status_message':'connection refused','attributes':{'http.path':'/api','n':3,'b':true,"
		"'network.local.address':'10.0.0.5','network.local.port':8080,"
		"'network.peer.address':'2001:db8::1','network.peer.port':9000,"
		"'peer.service':'backend','zipkin.shared':true,'zipkin.debug':true},"
		"'events':[{'time':'2026-11-24T10:00:00.001000000Z','name':'ws','attributes':{}},"
		"{'time':'2026-11-24T10:00:00.002000000Z','name':'','attributes':{}}],"
		"'resource':{'service.name':'frontend'}}");
	run_free(r);
}

static void test_zipkin_ids_kinds_status(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_ZIPKIN,
		"[[{'traceId':'A','id':'B','parentId':'0000000000000000','kind':'server',"
		"   'timestamp':1795514400000000,'duration':1500}],"
		" [{'traceId':'4BF92F3577B34DA6A3CE929D0E0E4736','id':'1','parentId':'2',"
		"   'kind':'PRODUCER','timestamp':1,'duration':0,'tags':{'error':''}}],"
		" [],"
		" {'traceId':'1','id':'1','kind':'consumer','timestamp':1,'duration':1,"
		"  'tags':{'error':'true'}},"
		" {'traceId':'1','id':'1','timestamp':1,'duration':1,"
		"  'tags':{'otel.status_code':'Ok','error':'boom'}},"
		" {'traceId':'1','id':'1','timestamp':1,'duration':1,"
		"  'tags':{'otel.status_code':'unset','otel.status_description':'d'}},"
		" {'traceId':'1','id':'1','timestamp':1,'duration':1,"
		"  'tags':{'otel.status_code':'weird','otel.status_description':'','error':'x'}},"
		" {'traceId':'1','id':'1','timestamp':1,'duration':1,'parentId':null,"
		"  'localEndpoint':{},'remoteEndpoint':{'port':0}}]");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	assert_int_equal(json_array_size(r->s.recs), 7);
	assert_string_equal(field(r, 0, "trace_id"), "0000000000000000000000000000000a");
	assert_string_equal(field(r, 0, "span_id"), "000000000000000b");
	assert_null(json_object_get(json_array_get(r->s.recs, 0), "parent_span_id"));
	assert_string_equal(field(r, 0, "kind"), "server");
	assert_string_equal(field(r, 1, "trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
	assert_string_equal(field(r, 1, "parent_span_id"), "0000000000000002");
	assert_string_equal(field(r, 1, "kind"), "producer");
	assert_string_equal(field(r, 1, "status"), "error");
	assert_null(field(r, 1, "status_message"));
	assert_string_equal(field(r, 1, "end"), "1970-01-01T00:00:00.000001000Z");
	assert_string_equal(field(r, 2, "kind"), "consumer");
	assert_string_equal(field(r, 2, "status"), "error");
	assert_null(field(r, 2, "status_message"));
	assert_string_equal(field(r, 3, "status"), "ok");
	assert_null(field(r, 3, "status_message"));
	assert_string_equal(field(r, 4, "status"), "unset");
	assert_string_equal(field(r, 4, "status_message"), "d");
	/* An unknown otel.status_code stays an attribute; the error tag decides. */
	assert_string_equal(field(r, 5, "status"), "error");
	assert_string_equal(field(r, 5, "status_message"), "x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(r->s.recs, 5), "attributes"), "otel.status_code")), "weird");
	assert_string_equal(field(r, 6, "service"), "unknown_service");
	assert_int_equal(json_object_size(json_object_get(json_array_get(r->s.recs, 6),
							  "attributes")), 0);
	run_free(r);
}

static void test_zipkin_rejects(void **state)
{
	(void)state;
	expect_reject(OBS_IMPORT_ZIPKIN, "[3]", "span 1: not an object");
	expect_reject(OBS_IMPORT_ZIPKIN, "[[[]]]", "span 1: not an object");
	reject_zipkin("'id':'1','timestamp':1,'duration':1", "span 1: missing trace id");
	reject_zipkin("'traceId':'','id':'1','timestamp':1,'duration':1",
		      "span 1: invalid trace id ''");
	reject_zipkin("'traceId':'463ac35c9f6413ad463ac35c9f6413ad0','id':'1','timestamp':1,"
		      "'duration':1", "span 1: invalid trace id '463ac35c9f6413ad463ac35c9f6413ad0'");
	reject_zipkin("'traceId':'0','id':'1','timestamp':1,'duration':1",
		      "span 1: invalid trace id '0'");
	reject_zipkin("'traceId':'1','id':'00000','timestamp':1,'duration':1",
		      "span 1: invalid span id '00000'");
	reject_zipkin("'traceId':'1','id':12,'timestamp':1,'duration':1",
		      "span 1: span id is not a string");
	reject_zipkin("'traceId':'1','id':'1','parentId':'q','timestamp':1,'duration':1",
		      "span 1: invalid parent span id 'q'");
	reject_zipkin(ZB ",'name':[]", "span 1: 'name' is not a string");
	reject_zipkin(ZB ",'kind':'SERVERS'", "span 1: unknown kind 'SERVERS'");
	reject_zipkin(ZB ",'kind':2", "span 1: unknown kind 2");
	reject_zipkin("'traceId':'1','id':'1','duration':1", "span 1: missing start time: no 'timestamp'");
	reject_zipkin("'traceId':'1','id':'1','timestamp':0,'duration':1",
		      "span 1: missing start time: no 'timestamp'");
	reject_zipkin("'traceId':'1','id':'1','timestamp':1", "span 1: missing end time: no 'duration'");
	reject_zipkin("'traceId':'1','id':'1','timestamp':'x','duration':1",
		      "span 1: 'timestamp' is not an integer");
	reject_zipkin("'traceId':'1','id':'1','timestamp':-5,'duration':1",
		      "span 1: 'timestamp' out of range");
	reject_zipkin("'traceId':'1','id':'1','timestamp':9223372036854776,'duration':1",
		      "span 1: 'timestamp' out of range");
	reject_zipkin("'traceId':'1','id':'1','timestamp':1,'duration':1.5",
		      "span 1: 'duration' is not an integer");
	reject_zipkin("'traceId':'1','id':'1','timestamp':9223372036854774,'duration':9000",
		      "span 1: 'duration' out of range");
	reject_zipkin(ZB ",'tags':[]", "span 1: 'tags' is not an object");
	reject_zipkin(ZB ",'tags':{'a':{}}", "span 1: tag 'a' is not a string");
	reject_zipkin(ZB ",'localEndpoint':'x'", "span 1: 'localEndpoint' is not an object");
	reject_zipkin(ZB ",'localEndpoint':{'serviceName':1}",
		      "span 1: 'localEndpoint' has a value that is not a string");
	reject_zipkin(ZB ",'remoteEndpoint':{'ipv4':1}",
		      "span 1: 'remoteEndpoint' has a value that is not a string");
	reject_zipkin(ZB ",'remoteEndpoint':{'ipv6':1}",
		      "span 1: 'remoteEndpoint' has a value that is not a string");
	reject_zipkin(ZB ",'remoteEndpoint':{'port':70000}",
		      "span 1: 'remoteEndpoint' has an invalid port");
	reject_zipkin(ZB ",'remoteEndpoint':{'port':'eighty'}",
		      "span 1: 'remoteEndpoint' has an invalid port");
	reject_zipkin(ZB ",'annotations':{}", "span 1: 'annotations' is not an array");
	reject_zipkin(ZB ",'annotations':[1]", "span 1: annotation 1: not an object");
	reject_zipkin(ZB ",'annotations':[{'value':'a'}]", "span 1: annotation 1: missing timestamp");
	reject_zipkin(ZB ",'annotations':[{'timestamp':'a'}]",
		      "span 1: annotation 1: 'timestamp' is not an integer");
	reject_zipkin(ZB ",'annotations':[{'timestamp':1,'value':2}]",
		      "span 1: annotation 1: 'value' is not a string");
	expect_doc_error(OBS_IMPORT_ZIPKIN, "{}", "not a Zipkin span array");
}

/* ---- Jaeger ---------------------------------------------------------- */

#define JT "2992f2a5b5d037a8aabffd08ef384237"
#define JB "'traceID':'" JT "','spanID':'ea7cfaca83f0724b','startTime':1795514400000000," \
	   "'duration':1500"

static void reject_jaeger(const char *span, const char *msg)
{
	char *d;

	if (asprintf(&d, "{'data':[{'traceID':'" JT "','spans':[{%s}],'processes':"
		     "{'p1':{'serviceName':'svc','tags':[]},'p2':{'serviceName':4},"
		     "'p3':{'tags':[{'key':'k','type':'int64','value':'x'}]},'p4':5}}]}",
		     span) < 0)
		abort();
	expect_reject(OBS_IMPORT_JAEGER, d, msg);
	free(d);
}

static void test_jaeger_full(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_AUTO,
		"{'data':[{'traceID':'" JT "','spans':[{'traceID':'" JT "','spanID':'1bdf4201221bb2ac',"
		"'operationName':'SELECT','flags':1,'references':["
		"{'refType':'FOLLOWS_FROM','traceID':'" JT "','spanID':'00000000000000aa'},"
		"{'refType':'CHILD_OF','traceID':'ffff','spanID':'bb'},"
		"{'refType':'CHILD_OF','traceID':'" JT "','spanID':'ea7cfaca83f0724b'},"
		"{'traceID':'" JT "','spanID':'cc'}],"
		"'startTime':1795514400000500,'duration':35000,"
		"'tags':[{'key':'span.kind','type':'string','value':'client'},"
		"{'key':'error','type':'bool','value':true},"
		"{'key':'otel.status_description','type':'string','value':'reset'},"
		"{'key':'rows','type':'int64','value':3},{'key':'big','type':'int64','value':'9007199254740993'},"
		"{'key':'load','type':'float64','value':0.75},{'key':'f2','type':'float64','value':2},"
		"{'key':'bin','type':'binary','value':'AQID'},{'key':'ok','type':'bool','value':'false'},"
		"{'key':'untyped','value':1.5},{'key':'none'},{'key':'B','type':'BOOL','value':'true'}],"
		"'logs':[{'timestamp':1795514400001000,'fields':[{'key':'event','type':'string',"
		"'value':'retry'},{'key':'n','type':'int64','value':1}]},"
		"{'timestamp':1795514400002000,'fields':[{'key':'event','type':'int64','value':7}]},"
		"{'timestamp':1795514400003000}],"
		"'processID':'p1','warnings':['clock skew']}],"
		"'processes':{'p1':{'serviceName':'mysql','tags':[{'key':'hostname','type':'string',"
		"'value':'db-1'}]}}}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	expect_record(r, 0,
		"{'type':'span','trace_id':'" JT "','span_id':'1bdf4201221bb2ac',"
		"'parent_span_id':'ea7cfaca83f0724b','name':'SELECT','service':'mysql','kind':'client',"
		"'start':'2026-11-24T10:00:00.000500000Z','end':'2026-11-24T10:00:00.035500000Z',"
		"'duration_ms':35.0,'status':'error','status_message':'reset',"
		"'attributes':{'rows':3,'big':9007199254740993,'load':0.75,'f2':2.0,'bin':'AQID',"
		"'ok':false,'untyped':1.5,'none':null,'B':true},"
		"'events':[{'time':'2026-11-24T10:00:00.001000000Z','name':'retry','attributes':{'n':1}},"
		"{'time':'2026-11-24T10:00:00.002000000Z','name':'log','attributes':{'event':7}},"
		"{'time':'2026-11-24T10:00:00.003000000Z','name':'log','attributes':{}}],"
		"'links':[{'trace_id':'" JT "','span_id':'00000000000000aa',"
		"'attributes':{'opentracing.ref_type':'follows_from'}},"
		"{'trace_id':'0000000000000000000000000000ffff','span_id':'00000000000000bb',"
		"'attributes':{'opentracing.ref_type':'child_of'}},"
		"{'trace_id':'" JT "','span_id':'00000000000000cc',"
		"'attributes':{'opentracing.ref_type':'child_of'}}],"
		"'resource':{'service.name':'mysql','hostname':'db-1'}}");
	run_free(r);
}

static void test_jaeger_parents_and_processes(void **state)
{
	struct run *r;

	(void)state;
	r = run(OBS_IMPORT_AUTO,
		"{'traceID':'1','processes':{'p1':{'serviceName':'a'}},'spans':["
		/* FOLLOWS_FROM in the trace is the parent when there is no CHILD_OF. */
		"{'traceID':'1','spanID':'2','startTime':1,'duration':1,'processID':'p1',"
		" 'references':[{'refType':'FOLLOWS_FROM','traceID':'9','spanID':'8'},"
		"  {'refType':'follows_from','traceID':'1','spanID':'3'},"
		"  {'refType':'FOLLOWS_FROM','traceID':'1','spanID':'4'}]},"
		/* The deprecated parentSpanID field; an embedded process. */
		"{'traceID':'1','spanID':'5','parentSpanID':'6','startTime':1,'duration':1,"
		" 'process':{'serviceName':'','tags':[{'key':'process.executable.name','value':'x'}]}},"
		/* No process at all; status tags as strings; an unknown span.kind stays a tag. */
		"{'traceID':'1','spanID':'7','startTime':1,'duration':1,'tags':["
		" {'key':'error','type':'string','value':'true'},{'key':'span.kind','value':'weird'},"
		" {'key':'otel.status_code','type':'string','value':'ERROR'}]},"
		"{'traceID':'1','spanID':'8','startTime':1,'duration':1,'tags':["
		" {'key':'error','type':'string','value':'false'},{'key':'error.kind','value':'x'},"
		" {'key':'span.kind','type':'string','value':'internal'},"
		" {'key':'otel.status_code','type':'int64','value':2}]},"
		"{'traceID':'1','spanID':'9','startTime':1,'duration':1,'tags':["
		" {'key':'error','type':'int64','value':1}]}]}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns, "");
	assert_int_equal(json_array_size(r->s.recs), 5);
	assert_string_equal(field(r, 0, "parent_span_id"), "0000000000000003");
	assert_int_equal(json_array_size(json_object_get(json_array_get(r->s.recs, 0), "links")), 2);
	assert_string_equal(field(r, 0, "service"), "a");
	assert_string_equal(field(r, 1, "parent_span_id"), "0000000000000006");
	assert_string_equal(field(r, 1, "service"), "unknown_service:x");
	assert_string_equal(field(r, 2, "service"), "unknown_service");
	assert_string_equal(field(r, 2, "status"), "error");
	assert_string_equal(field(r, 2, "kind"), "internal");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(r->s.recs, 2), "attributes"), "span.kind")), "weird");
	assert_string_equal(field(r, 3, "status"), "unset");
	assert_int_equal(json_object_size(json_object_get(json_array_get(r->s.recs, 3),
							  "attributes")), 2);
	assert_string_equal(field(r, 4, "status"), "unset");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_array_get(r->s.recs, 4), "attributes"), "error")), 1);
	run_free(r);
}

static void test_jaeger_rejects(void **state)
{
	(void)state;
	reject_jaeger("'spanID':'1','startTime':1,'duration':1", "span 1: missing trace id");
	reject_jaeger("'traceID':'1','spanID':'x','startTime':1,'duration':1",
		      "span 1: invalid span id 'x'");
	reject_jaeger(JB ",'references':{}", "span 1: 'references' is not an array");
	reject_jaeger(JB ",'references':[1]", "span 1: reference 1: not an object");
	reject_jaeger(JB ",'references':[{'refType':'PARENT','traceID':'1','spanID':'1'}]",
		      "span 1: reference 1: unknown refType 'PARENT'");
	reject_jaeger(JB ",'references':[{'refType':3,'traceID':'1','spanID':'1'}]",
		      "span 1: reference 1: unknown refType 3");
	reject_jaeger(JB ",'references':[{'refType':'CHILD_OF','traceID':'1','spanID':'0'}]",
		      "span 1: reference 1: invalid span id '0'");
	reject_jaeger(JB ",'parentSpanID':'zz'", "span 1: invalid parent span id 'zz'");
	reject_jaeger(JB ",'operationName':1", "span 1: 'operationName' is not a string");
	reject_jaeger("'traceID':'1','spanID':'1','duration':1",
		      "span 1: missing start time: no 'startTime'");
	reject_jaeger("'traceID':'1','spanID':'1','startTime':'1.5','duration':1",
		      "span 1: 'startTime' is not an integer");
	reject_jaeger("'traceID':'1','spanID':'1','startTime':1",
		      "span 1: missing end time: no 'duration'");
	reject_jaeger("'traceID':'1','spanID':'1','startTime':1,'duration':-1",
		      "span 1: 'duration' out of range");
	reject_jaeger("'traceID':'1','spanID':'1','startTime':9223372036854774,'duration':9000",
		      "span 1: 'duration' out of range");
	reject_jaeger(JB ",'tags':{}", "span 1: 'tags' is not an array");
	reject_jaeger(JB ",'tags':[1]", "span 1: tag 1 is not an object");
	reject_jaeger(JB ",'tags':[{'value':1}]", "span 1: tag 1 has no key");
	reject_jaeger(JB ",'tags':[{'key':'a','type':'int64','value':'x'}]",
		      "span 1: tag 'a': value is not a 64-bit integer");
	reject_jaeger(JB ",'tags':[{'key':'a','type':'float64','value':'x'}]",
		      "span 1: tag 'a': 'value' is not a number");
	reject_jaeger(JB ",'tags':[{'key':'a','type':'bool','value':1}]",
		      "span 1: tag 'a': value is not a boolean");
	reject_jaeger(JB ",'tags':[{'key':'a','type':'string','value':1}]",
		      "span 1: tag 'a': value is not a string");
	reject_jaeger(JB ",'tags':[{'key':'a','type':'date','value':1}]",
		      "span 1: tag 'a': unknown type 'date'");
	reject_jaeger(JB ",'tags':[{'key':'a','type':1,'value':1}]",
		      "span 1: tag 'a': 'type' is not a string");
	reject_jaeger(JB ",'tags':[{'key':'a','value':[1]}]",
		      "span 1: tag 'a': value is not a string, number or boolean");
	reject_jaeger(JB ",'processID':'p9'", "span 1: unknown process 'p9'");
	reject_jaeger(JB ",'processID':1", "span 1: 'processID' is not a string");
	reject_jaeger(JB ",'processID':'p2'", "span 1: process: 'serviceName' is not a string");
	reject_jaeger(JB ",'processID':'p3'", "span 1: process: tag 'k': value is not a 64-bit integer");
	reject_jaeger(JB ",'processID':'p4'", "span 1: process: not an object");
	reject_jaeger(JB ",'logs':{}", "span 1: 'logs' is not an array");
	reject_jaeger(JB ",'logs':[1]", "span 1: log 1: not an object");
	reject_jaeger(JB ",'logs':[{'fields':[]}]", "span 1: log 1: missing timestamp");
	reject_jaeger(JB ",'logs':[{'timestamp':'x'}]", "span 1: log 1: 'timestamp' is not an integer");
	reject_jaeger(JB ",'logs':[{'timestamp':1,'fields':[{'key':'a','type':'x'}]}]",
		      "span 1: log 1: tag 'a': unknown type 'x'");
}

static void test_jaeger_structure(void **state)
{
	struct run *r;

	(void)state;
	expect_doc_error(OBS_IMPORT_JAEGER, "[]", "not a Jaeger trace document");
	expect_doc_error(OBS_IMPORT_JAEGER, "{'x':1}", "not a Jaeger trace document: missing 'data'");
	expect_doc_error(OBS_IMPORT_JAEGER, "{'data':{}}",
			 "not a Jaeger trace document: 'data' is not an array");
	r = run(OBS_IMPORT_JAEGER,
		"{'data':[1,{},{'spans':{}},{'spans':[2,{" JB "}],'processes':3}],'total':0}");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->s.warns,
			    "data[0]: not an object\n"
			    "data[2]: 'spans' is not an array\n"
			    "span 1: not an object\n");
	assert_int_equal(r->im.spans, 1);
	assert_int_equal(r->im.rejected, 3);
	run_free(r);
}

/* ---- formats --------------------------------------------------------- */

static void test_detect(void **state)
{
	static const struct {
		const char *doc;
		int ok;
		enum obs_import_format fmt;
	} cases[] = {
		{ "{'resourceSpans':[]}", 1, OBS_IMPORT_OTLP },
		{ "{'resource_spans':[]}", 1, OBS_IMPORT_OTLP },
		{ "{}", 1, OBS_IMPORT_OTLP },
		{ "{'data':[]}", 1, OBS_IMPORT_JAEGER },
		{ "{'spans':[],'processes':{}}", 1, OBS_IMPORT_JAEGER },
		{ "{'spans':[],'traceID':'1'}", 1, OBS_IMPORT_JAEGER },
		{ "{'spans':[]}", 0, OBS_IMPORT_AUTO },
		{ "{'data':{}}", 0, OBS_IMPORT_AUTO },
		{ "{'foo':1}", 0, OBS_IMPORT_AUTO },
		{ "[]", 1, OBS_IMPORT_ZIPKIN },
		{ "[{'traceId':'1'}]", 1, OBS_IMPORT_ZIPKIN },
		{ "[{'id':'1'}]", 1, OBS_IMPORT_ZIPKIN },
		{ "[[]]", 1, OBS_IMPORT_ZIPKIN },
		{ "[[{'traceId':'1'}]]", 1, OBS_IMPORT_ZIPKIN },
		{ "[[1]]", 0, OBS_IMPORT_AUTO },
		{ "[1]", 0, OBS_IMPORT_AUTO },
		{ "[{'name':'x'}]", 0, OBS_IMPORT_AUTO },
	};
	enum obs_import_format fmt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = parse(cases[i].doc);

		fmt = OBS_IMPORT_AUTO;
		assert_int_equal(obs_import_detect(doc, &fmt), cases[i].ok);
		assert_int_equal(fmt, cases[i].fmt);
		json_decref(doc);
	}
	fmt = OBS_IMPORT_AUTO;
	assert_int_equal(obs_import_detect(NULL, &fmt), 0);
	expect_doc_error(OBS_IMPORT_AUTO, "{'foo':1}",
			 "unrecognised trace format: expected OTLP JSON (resourceSpans), Zipkin v2 "
			 "JSON (an array of spans) or Jaeger JSON (data)");
	expect_doc_error((enum obs_import_format)9, "{}", "unknown import format 9");
}

static void test_format_names(void **state)
{
	enum obs_import_format fmt = OBS_IMPORT_AUTO;

	(void)state;
	assert_int_equal(obs_import_format_parse("otlp", &fmt), 0);
	assert_int_equal(fmt, OBS_IMPORT_OTLP);
	assert_int_equal(obs_import_format_parse("zipkin", &fmt), 0);
	assert_int_equal(fmt, OBS_IMPORT_ZIPKIN);
	assert_int_equal(obs_import_format_parse("jaeger", &fmt), 0);
	assert_int_equal(fmt, OBS_IMPORT_JAEGER);
	assert_int_equal(obs_import_format_parse("auto", &fmt), 0);
	assert_int_equal(fmt, OBS_IMPORT_AUTO);
	assert_int_equal(obs_import_format_parse("OTLP", &fmt), -1);
	assert_int_equal(obs_import_format_parse(NULL, &fmt), -1);
	assert_string_equal(obs_import_format_name(OBS_IMPORT_AUTO), "auto");
	assert_string_equal(obs_import_format_name(OBS_IMPORT_OTLP), "otlp");
	assert_string_equal(obs_import_format_name(OBS_IMPORT_ZIPKIN), "zipkin");
	assert_string_equal(obs_import_format_name(OBS_IMPORT_JAEGER), "jaeger");
	assert_string_equal(obs_import_format_name((enum obs_import_format)7), "unknown");
}

/* Counters add up across documents, and the warn callback may be NULL. */
static void test_counters_accumulate(void **state)
{
	struct sink s = { 0 };
	struct obs_import im;
	struct obs_error err;
	json_t *a = parse("[{'traceId':'1','id':'2','timestamp':1,'duration':1},{'id':'x'}]");
	json_t *b = parse("{'data':[{'spans':[{'traceID':'1','spanID':'2','startTime':5,"
			  "'duration':1}]}]}");

	(void)state;
	s.recs = json_array();
	obs_import_init(&im, sink_emit, NULL, &s);
	assert_int_equal(obs_import_zipkin_json(&im, a, &err), 0);
	assert_int_equal(obs_import_jaeger_json(&im, b, &err), 0);
	assert_int_equal(im.spans, 2);
	assert_int_equal(im.rejected, 1);
	assert_true(s.starts[0] == 1000);
	assert_true(s.starts[1] == 5000);
	json_decref(a);
	json_decref(b);
	json_decref(s.recs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otlp_full),
		cmocka_unit_test(test_otlp_snake_case_and_enum_names),
		cmocka_unit_test(test_otlp_kinds_and_statuses),
		cmocka_unit_test(test_otlp_ids),
		cmocka_unit_test(test_otlp_times),
		cmocka_unit_test(test_otlp_bad_span_fields),
		cmocka_unit_test(test_otlp_depth_limit),
		cmocka_unit_test(test_otlp_structure),
		cmocka_unit_test(test_otlp_legacy_library_spans),
		cmocka_unit_test(test_otlp_service_names),
		cmocka_unit_test(test_otlp_span_attrs_win_over_scope),
		cmocka_unit_test(test_emit_failure_stops),
		cmocka_unit_test(test_zipkin_full),
		cmocka_unit_test(test_zipkin_ids_kinds_status),
		cmocka_unit_test(test_zipkin_rejects),
		cmocka_unit_test(test_jaeger_full),
		cmocka_unit_test(test_jaeger_parents_and_processes),
		cmocka_unit_test(test_jaeger_rejects),
		cmocka_unit_test(test_jaeger_structure),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_counters_accumulate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
