/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_otlp_json: exact protobuf bytes, every refusal, and records equal to the protobuf decoder's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_ndjson.h"
#include "obs_otlp.h"
#include "obs_otlp_json.h"
#include "obs_pb.h"

/* tests/fixtures/otlp, beside this file's folder. */
static char *slurp(const char *name, size_t *len)
{
	const char *src = __FILE__, *slash = strrchr(src, '/');
	char *path, *buf;
	FILE *f;
	long n;

	assert_true(asprintf(&path, "%.*s/../fixtures/otlp/%s", slash ? (int)(slash - src) : 1,
			     slash ? src : ".", name) > 0);
	f = fopen(path, "rb");
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

/* Records (and warnings, as "! msg") as NDJSON text. */
struct sink {
	char *text;
	size_t len;
	int fail_at;      /* emit fails at this record (1-based), 0 never */
	int n;
};

static void sink_add(struct sink *s, const char *line, size_t n)
{
	s->text = realloc(s->text, s->len + n + 2);
	memcpy(s->text + s->len, line, n);
	s->len += n;
	s->text[s->len++] = '\n';
	s->text[s->len] = '\0';
}

static int sink_emit(void *ctx, json_t *rec, int64_t time_ns, struct obs_error *err)
{
	struct sink *s = ctx;
	size_t n;
	char *line;

	(void)time_ns;
	if (++s->n == s->fail_at) {
		json_decref(rec);
		return obs_error_set(err, "sink full");
	}
	line = obs_json_dump_line(rec, &n);
	json_decref(rec);
	sink_add(s, line, n);
	free(line);
	return 0;
}

static void sink_warn(void *ctx, const char *msg)
{
	struct sink *s = ctx;
	char buf[1024];

	snprintf(buf, sizeof(buf), "! %s", msg);
	sink_add(s, buf, strlen(buf));
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);

	if (!doc)
		fail_msg("bad test JSON: %s", jerr.text);
	return doc;
}

/* Transcode TEXT as SIG; compare with the LEN bytes WANT. */
static void expect_bytes(enum obs_otlp_signal sig, const char *text, const uint8_t *want,
			 size_t len)
{
	struct obs_pb_writer w;
	struct obs_error err;
	json_t *doc = parse(text);
	size_t i;

	obs_pb_writer_init(&w);
	if (obs_otlp_json_to_pb(sig, doc, &w, &err) < 0)
		fail_msg("%s", err.msg);
	if (w.len != len || (len && memcmp(w.buf, want, len))) {
		for (i = 0; i < w.len; i++)
			fprintf(stderr, "%02x ", w.buf[i]);
		fprintf(stderr, "\n");
		fail_msg("bytes differ (%zu, expected %zu)", w.len, len);
	}
	obs_pb_writer_release(&w);
	json_decref(doc);
}

/* Transcoding TEXT as SIG fails with MSG. */
static void expect_error(enum obs_otlp_signal sig, const char *text, const char *msg)
{
	struct obs_pb_writer w;
	struct obs_error err;
	json_t *doc = parse(text);

	obs_pb_writer_init(&w);
	assert_int_equal(obs_otlp_json_to_pb(sig, doc, &w, &err), -1);
	assert_string_equal(err.msg, msg);
	obs_pb_writer_release(&w);
	json_decref(doc);
}

/* ---- records: the same as from protobuf ------------------------------------------- */

static void same_as_protobuf(enum obs_otlp_signal sig, const char *name)
{
	struct obs_otlp_decoder d;
	struct sink a = { NULL, 0, 0, 0 }, b = { NULL, 0, 0, 0 };
	struct obs_error err;
	char jname[64], pname[64], dname[64], *json, *pb, *decoded;
	size_t jlen, plen, dlen;
	json_t *doc;

	snprintf(jname, sizeof(jname), "%s.json", name);
	snprintf(pname, sizeof(pname), "%s.pb", name);
	snprintf(dname, sizeof(dname), "%s.decoded.ndjson", name);
	json = slurp(jname, &jlen);
	pb = slurp(pname, &plen);
	decoded = slurp(dname, &dlen);
	doc = parse(json);

	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &a);
	assert_int_equal(obs_otlp_json_decode(&d, sig, doc, &err), 0);
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &b);
	assert_int_equal(obs_otlp_decode(&d, sig, pb, plen, &err), 0);
	assert_non_null(a.text);
	assert_string_equal(a.text, b.text);
	assert_string_equal(a.text, decoded);

	json_decref(doc);
	free(json);
	free(pb);
	free(decoded);
	free(a.text);
	free(b.text);
}

static void test_fixtures(void **state)
{
	(void)state;
	same_as_protobuf(OBS_OTLP_TRACES, "spans");
	same_as_protobuf(OBS_OTLP_METRICS, "metrics");
	same_as_protobuf(OBS_OTLP_LOGS, "logs");
}

static void test_decode(void **state)
{
	struct obs_otlp_decoder d;
	struct sink s = { NULL, 0, 0, 0 };
	struct obs_error err;
	json_t *doc;

	(void)state;
	/* a rejected item is told, the others emitted */
	doc = parse("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
		    "\"value\":{\"stringValue\":\"web\"}}]},\"scopeLogs\":[{\"logRecords\":["
		    "{\"timeUnixNano\":\"1795514400000000000\",\"severityNumber\":\"SEVERITY_NUMBER_WARN\","
		    "\"body\":{\"stringValue\":\"hi\"}},{\"severityText\":\"x\"}]}]}]}");
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_json_decode(&d, OBS_OTLP_LOGS, doc, &err), 0);
	assert_string_equal(s.text,
		"{\"type\":\"log\",\"time\":\"2026-11-24T10:00:00.000000000Z\",\"level\":\"warn\","
		"\"msg\":\"hi\",\"service\":\"web\"}\n"
		"! log 2: missing time\n");
	assert_int_equal(d.records, 1);
	assert_int_equal(d.rejected, 1);
	json_decref(doc);
	free(s.text);

	/* an invalid body emits nothing */
	s.text = NULL;
	s.len = 0;
	doc = parse("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1\"},"
		    "{\"timeUnixNano\":\"x\"}]}]}]}");
	obs_otlp_decoder_init(&d, sink_emit, sink_warn, &s);
	assert_int_equal(obs_otlp_json_decode(&d, OBS_OTLP_LOGS, doc, &err), -1);
	assert_string_equal(err.msg,
		"resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano: invalid integer 'x'");
	assert_null(s.text);
	json_decref(doc);

	/* an empty request: nothing, no error */
	doc = parse("{}");
	assert_int_equal(obs_otlp_json_decode(&d, OBS_OTLP_METRICS, doc, &err), 0);
	assert_null(s.text);
	json_decref(doc);

	/* emit failing stops with its error */
	s.fail_at = 1;
	s.n = 0;
	doc = parse("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"5\"}]}]}]}");
	assert_int_equal(obs_otlp_json_decode(&d, OBS_OTLP_LOGS, doc, &err), -1);
	assert_string_equal(err.msg, "sink full");
	json_decref(doc);
	free(s.text);
}

/* ---- exact bytes -------------------------------------------------------------------- */

static void test_bytes_logs(void **state)
{
	static const uint8_t want[] = {
		0x0a, 0x15, 0x12, 0x13, 0x12, 0x11,
		0x09, 0x01, 0, 0, 0, 0, 0, 0, 0,            /* time_unix_nano 1 */
		0x10, 0x09,                                   /* severity_number INFO */
		0x2a, 0x04, 0x0a, 0x02, 'h', 'i',             /* body */
	};

	(void)state;
	expect_bytes(OBS_OTLP_LOGS,
		     "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1\","
		     "\"severityNumber\":\"SEVERITY_NUMBER_INFO\",\"body\":{\"stringValue\":\"hi\"}}]}]}]}",
		     want, sizeof(want));
	/* proto names, numbers for 64-bit integers and enums, unknown fields, nulls */
	expect_bytes(OBS_OTLP_LOGS,
		     "{\"resource_logs\":[{\"scope_logs\":[{\"log_records\":[{\"time_unix_nano\":1,"
		     "\"severity_number\":9,\"body\":{\"string_value\":\"hi\"},\"eventName\":null,"
		     "\"futureField\":{\"x\":1}}],\"schemaUrl\":null}]}],\"extra\":[1]}",
		     want, sizeof(want));
	/* an enum as a decimal string, an integer as a whole real */
	expect_bytes(OBS_OTLP_LOGS,
		     "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":1.0,"
		     "\"severityNumber\":\"9\",\"body\":{\"stringValue\":\"hi\"}}]}]}]}",
		     want, sizeof(want));
}

static void test_bytes_ids(void **state)
{
	static const uint8_t hex[] = {
		0x0a, 0x1e, 0x12, 0x1c, 0x12, 0x1a,
		0x0a, 0x10, 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
		0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c,
		0x12, 0x06, 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1,   /* a 6-byte span id, carried over */
	};
	static const uint8_t empty[] = { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x0a, 0x00, 0x22, 0x00 };

	(void)state;
	expect_bytes(OBS_OTLP_TRACES,
		     "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		     "\"5B8EFFF798038103D269B633813FC60C\",\"spanId\":\"eee19b7ec3c1\"}]}]}]}",
		     hex, sizeof(hex));
	/* base64, as generic protobuf JSON encoders write ids (URL-safe too) */
	expect_bytes(OBS_OTLP_TRACES,
		     "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		     "\"W47/95gDgQPSabYzgT/GDA==\",\"spanId\":\"7uGbfsPB\"}]}]}]}",
		     hex, sizeof(hex));
	expect_bytes(OBS_OTLP_TRACES,
		     "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		     "\"W47_95gDgQPSabYzgT_GDA\",\"spanId\":\"7uGbfsPB\"}]}]}]}",
		     hex, sizeof(hex));
	expect_bytes(OBS_OTLP_TRACES,
		     "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"\","
		     "\"parentSpanId\":\"\"}]}]}]}", empty, sizeof(empty));
	expect_error(OBS_OTLP_TRACES,
		     "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz!\"}]}]}]}",
		     "resourceSpans[0].scopeSpans[0].spans[0].traceId: invalid id 'xyz!' (expected hex)");
	expect_error(OBS_OTLP_LOGS,
		     "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"spanId\":12}]}]}]}",
		     "resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected a string, got a number");
}

static void test_bytes_values(void **state)
{
	/* span: flags (fixed32), kind, status, attributes of every AnyValue kind */
	static const uint8_t want[] = {
		/* flags 0x301 (field 16, fixed32), kind SERVER, attributes (boolValue twice: both
		   written, the decoder keeps the last), status ERROR; computed by hand with Python */
		0x0a, 0x61, 0x12, 0x5f, 0x12, 0x5d, 0x85, 0x01, 0x01, 0x03, 0x00, 0x00, 0x30, 0x02, 0x4a, 0x0b,
		0x0a, 0x01, 0x73, 0x12, 0x06, 0x0a, 0x04, 0x74, 0x65, 0x78, 0x74, 0x4a, 0x09, 0x0a, 0x01, 0x62,
		0x12, 0x04, 0x10, 0x01, 0x10, 0x00, 0x4a, 0x10, 0x0a, 0x01, 0x69, 0x12, 0x0b, 0x18, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x4a, 0x0e, 0x0a, 0x01, 0x64, 0x12, 0x09, 0x21,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f, 0x4a, 0x0a, 0x0a, 0x01, 0x79, 0x12, 0x05, 0x3a,
		0x03, 0x01, 0x02, 0x03, 0x4a, 0x09, 0x0a, 0x01, 0x61, 0x12, 0x04, 0x2a, 0x02, 0x0a, 0x00, 0x7a,
		0x02, 0x18, 0x02,
	};

	(void)state;
	expect_bytes(OBS_OTLP_TRACES,
		     "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"flags\":769,"
		     "\"kind\":\"SPAN_KIND_SERVER\",\"attributes\":["
		     "{\"key\":\"s\",\"value\":{\"stringValue\":\"text\"}},"
		     "{\"key\":\"b\",\"value\":{\"boolValue\":true,\"bool_value\":false}},"
		     "{\"key\":\"i\",\"value\":{\"intValue\":\"-1\"}},"
		     "{\"key\":\"d\",\"value\":{\"doubleValue\":\"NaN\"}},"
		     "{\"key\":\"y\",\"value\":{\"bytesValue\":\"AQID\"}},"
		     "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[null]}}}],"
		     "\"status\":{\"code\":\"STATUS_CODE_ERROR\"}}]}]}]}",
		     want, sizeof(want));
}

static void test_bytes_more(void **state)
{
	/* bytesValue with '+' and '/', intValue as a whole real and as a negative string */
	static const uint8_t want[] = {
		0x0a, 0x18, 0x12, 0x16, 0x12, 0x14,
		0x32, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x18, 0xd2, 0x09,      /* k: 1234 */
		0x32, 0x08, 0x0a, 0x01, 'b', 0x12, 0x03, 0x3a, 0x01, 0xfb,      /* b: 0xfb */
	};

	(void)state;
	expect_bytes(OBS_OTLP_LOGS,
		     "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":["
		     "{\"key\":\"k\",\"value\":{\"intValue\":1234.0}},"
		     "{\"key\":\"b\",\"value\":{\"bytesValue\":\"+w\"}}]}]}]}]}",
		     want, sizeof(want));
}

static void test_bytes_metrics(void **state)
{
	/* histogram data point: packed bucket counts (fixed64) and bounds (double) */
	static const uint8_t hist[] = {
		/* Metric.histogram: a data point with packed bucket_counts (fixed64) and
		   explicit_bounds (double), sum +Inf; temporality 2 */
		0x0a, 0x3f, 0x12, 0x3d, 0x12, 0x3b, 0x4a, 0x39, 0x0a, 0x35, 0x32, 0x18, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x3a, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f, 0x10,
		0x02,
	};
	/* exponential histogram: sint32 scale and offset, packed uint64 counts */
	static const uint8_t exph[] = {
		0x0a, 0x15, 0x12, 0x13, 0x12, 0x11,
		0x52, 0x0f, 0x0a, 0x0d,
		0x30, 0x03,                                   /* scale -2 (zigzag 3) */
		0x42, 0x07, 0x08, 0x04, 0x12, 0x03, 0x01, 0x96, 0x01, /* offset 2, counts 1, 150 */
		0x50, 0x01,                                   /* flags */
	};
	/* summary: quantiles; gauge: as_int (sfixed64) */
	static const uint8_t sum[] = {
		/* a summary metric (quantile 0.5 = -1) and a gauge metric (as_int -2, sfixed64) */
		0x0a, 0x2b, 0x12, 0x29, 0x12, 0x18, 0x5a, 0x16, 0x0a, 0x14, 0x32, 0x12, 0x09, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0xe0, 0x3f, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xbf, 0x12, 0x0d,
		0x2a, 0x0b, 0x0a, 0x09, 0x31, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	(void)state;
	expect_bytes(OBS_OTLP_METRICS,
		     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{"
		     "\"dataPoints\":[{\"bucketCounts\":[\"1\",2,3.0],\"explicitBounds\":[0.5,\"1\"],"
		     "\"sum\":\"Infinity\"}],\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_CUMULATIVE\"}}]}]}]}",
		     hist, sizeof(hist));
	expect_bytes(OBS_OTLP_METRICS,
		     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"exponentialHistogram\":{"
		     "\"dataPoints\":[{\"scale\":-2,\"positive\":{\"offset\":2,\"bucketCounts\":[1,\"150\"]},"
		     "\"flags\":1}]}}]}]}]}",
		     exph, sizeof(exph));
	expect_bytes(OBS_OTLP_METRICS,
		     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"summary\":{"
		     "\"dataPoints\":[{\"quantileValues\":[{\"quantile\":0.5,\"value\":\"-1\"}]}]}},"
		     "{\"gauge\":{\"dataPoints\":[{\"asInt\":-2,\"exemplars\":[]}]}, \"metadata\":[]}]}]}]}",
		     sum, sizeof(sum));
}

static void test_errors(void **state)
{
	const char *pre = "resourceLogs[0].scopeLogs[0].logRecords[0].";
	char buf[512];
	struct {
		const char *field;
		const char *msg;
	} cases[] = {
		{ "\"timeUnixNano\":-1", "timeUnixNano: integer out of range" },
		{ "\"timeUnixNano\":\"-1\"", "timeUnixNano: invalid integer '-1'" },
		{ "\"timeUnixNano\":\"18446744073709551616\"",
		  "timeUnixNano: invalid integer '18446744073709551616'" },
		{ "\"timeUnixNano\":1.5", "timeUnixNano: expected an integer, got 1.5" },
		{ "\"timeUnixNano\":1e30", "timeUnixNano: integer out of range" },
		{ "\"timeUnixNano\":-1e3", "timeUnixNano: integer out of range" },
		{ "\"timeUnixNano\":\"\"", "timeUnixNano: invalid integer ''" },
		{ "\"timeUnixNano\":\"12a\"", "timeUnixNano: invalid integer '12a'" },
		{ "\"timeUnixNano\":[1]", "timeUnixNano: expected an integer, got an array" },
		{ "\"droppedAttributesCount\":4294967296",
		  "droppedAttributesCount: integer out of range" },
		{ "\"severityNumber\":2147483648", "severityNumber: integer out of range" },
		{ "\"severityNumber\":\"SEVERITY_NUMBER_LOUD\"",
		  "severityNumber: unknown enum value 'SEVERITY_NUMBER_LOUD'" },
		{ "\"severityNumber\":\"99999999999\"",
		  "severityNumber: unknown enum value '99999999999'" },
		{ "\"severityNumber\":true", "severityNumber: expected an integer, got a boolean" },
		{ "\"severityText\":{}", "severityText: expected a string, got an object" },
		{ "\"body\":\"text\"", "body: expected an object, got a string" },
		{ "\"body\":{\"doubleValue\":\"abc\"}", "body.doubleValue: invalid number 'abc'" },
		{ "\"body\":{\"doubleValue\":\" 1\"}", "body.doubleValue: invalid number ' 1'" },
		{ "\"body\":{\"doubleValue\":\"1e999\"}", "body.doubleValue: invalid number '1e999'" },
		{ "\"body\":{\"doubleValue\":null,\"boolValue\":1}",
		  "body.boolValue: expected a boolean, got a number" },
		{ "\"body\":{\"doubleValue\":false}", "body.doubleValue: expected a number, got a boolean" },
		{ "\"body\":{\"bytesValue\":\"a\"}", "body.bytesValue: invalid base64 'a'" },
		{ "\"body\":{\"bytesValue\":\"ab=\"}", "body.bytesValue: invalid base64 'ab='" },
		{ "\"body\":{\"bytesValue\":\"a*==\"}", "body.bytesValue: invalid base64 'a*=='" },
		{ "\"body\":{\"intValue\":\"9223372036854775808\"}",
		  "body.intValue: invalid integer '9223372036854775808'" },
		{ "\"body\":{\"intValue\":1e19}", "body.intValue: integer out of range" },
		{ "\"body\":{\"intValue\":-1e19}", "body.intValue: integer out of range" },
		{ "\"body\":{\"intValue\":2.5}", "body.intValue: expected an integer, got 2.5" },
		{ "\"attributes\":{}", "attributes: expected an array, got an object" },
		{ "\"attributes\":[1]", "attributes[0]: expected an object, got a number" },
		{ "\"attributes\":[{\"key\":\"k\",\"value\":{\"arrayValue\":{\"values\":[{\"kvlistValue\":"
		  "{\"values\":[{\"key\":3}]}}]}}}]",
		  "attributes[0].value.arrayValue.values[0].kvlistValue.values[0].key: expected a string, got a number" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char doc[512];

		snprintf(doc, sizeof(doc),
			 "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{%s}]}]}]}", cases[i].field);
		snprintf(buf, sizeof(buf), "%s%s", pre, cases[i].msg);
		expect_error(OBS_OTLP_LOGS, doc, buf);
	}
	expect_error(OBS_OTLP_METRICS,
		     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{\"dataPoints\":"
		     "[{\"explicitBounds\":[1,null]}]}}]}]}]}",
		     "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0]."
		     "explicitBounds[1]: null in a list of scalars");
	expect_error(OBS_OTLP_METRICS,
		     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"exponentialHistogram\":"
		     "{\"dataPoints\":[{\"scale\":2147483648}]}}]}]}]}",
		     "resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram.dataPoints[0]."
		     "scale: integer out of range");
	expect_error(OBS_OTLP_TRACES, "[]",
		     "not an OTLP JSON request: expected an object, got an array");
	expect_error(OBS_OTLP_TRACES, "{\"resourceSpans\":{}}",
		     "resourceSpans: expected an array, got an object");
	expect_error(OBS_OTLP_TRACES, "{\"resourceSpans\":[null, 1]}",
		     "resourceSpans[1]: expected an object, got a number");
	expect_error(OBS_OTLP_TRACES, "{\"resourceSpans\":[{\"resource\":\"x\"}]}",
		     "resourceSpans[0].resource: expected an object, got a string");
	expect_error(OBS_OTLP_TRACES, "{\"resourceSpans\":[{\"resource\":{\"attributes\":null,"
		     "\"droppedAttributesCount\":null}, \"schemaUrl\":[]}]}",
		     "resourceSpans[0].schemaUrl: expected a string, got an array");
}

static void test_limits(void **state)
{
	struct obs_pb_writer w;
	struct obs_error err;
	char *text, *p;
	json_t *doc;
	int i, depth = 150;
	size_t room;

	(void)state;
	/* values nested past the writer's depth: refused with the path cut short */
	room = (size_t)depth * 40 + 256;
	text = malloc(room);
	p = text;
	p += sprintf(p, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "{\"arrayValue\":{\"values\":[");
	p += sprintf(p, "{}");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "]}}");
	sprintf(p, "}]}]}]}");
	doc = parse(text);
	obs_pb_writer_init(&w);
	assert_int_equal(obs_otlp_json_to_pb(OBS_OTLP_LOGS, doc, &w, &err), -1);
	assert_memory_equal(err.msg, "resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue."
			    "values[0].arrayValue.values[0]", 84);
	assert_non_null(strstr(err.msg, ".arrayValue.values[0].arrayValue.values[0]: messages nested deeper than 200 levels"));
	obs_pb_writer_release(&w);
	json_decref(doc);
	free(text);

	/* an unknown signal */
	doc = parse("{}");
	obs_pb_writer_init(&w);
	assert_int_equal(obs_otlp_json_to_pb((enum obs_otlp_signal)7, doc, &w, &err), -1);
	assert_string_equal(err.msg, "unknown OTLP signal");
	obs_pb_writer_release(&w);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_bytes_logs),
		cmocka_unit_test(test_bytes_ids),
		cmocka_unit_test(test_bytes_values),
		cmocka_unit_test(test_bytes_more),
		cmocka_unit_test(test_bytes_metrics),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
