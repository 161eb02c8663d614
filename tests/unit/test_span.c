/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_span: the span record, attributes, service name and resource. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_span.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"
#define PID "b7ad6b7169203331"
#define T0 1764020703123456789LL   /* 2025-11-24T21:45:03.123456789Z */

static int clean_env(void **state)
{
	(void)state;
	unsetenv("OBS_SERVICE");
	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	return 0;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void expect_dump(const json_t *v, const char *want)
{
	char *got = dump(v);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("got %s, want %s", got, want);
	free(got);
}

static void expect_keys(const json_t *obj, const char *const *keys)
{
	void *it = json_object_iter((json_t *)obj);
	size_t i = 0;

	for (; it; it = json_object_iter_next((json_t *)obj, it), i++) {
		if (!keys[i])
			fail_msg("extra key '%s'", json_object_iter_key(it));
		assert_string_equal(json_object_iter_key(it), keys[i]);
	}
	if (keys[i])
		fail_msg("missing key '%s'", keys[i]);
}

/* ---- obs_span_new ----------------------------------------------------------------- */

static void test_span_new_child(void **state)
{
	static const char *const keys[] = {
		"type", "trace_id", "span_id", "parent_span_id", "name", "service", "kind",
		"start", "end", "duration_ms", "status", "status_message", "attributes",
		"events", "resource", NULL
	};
	json_t *s;

	(void)state;
	s = obs_span_new(TID, SID, PID, "make test", "ci", "client", T0, T0 + 1500000001LL,
			 "error", "exit status 2");
	assert_non_null(s);
	expect_keys(s, keys);
	expect_dump(s, "{\"type\":\"span\",\"trace_id\":\"" TID "\",\"span_id\":\"" SID "\","
		    "\"parent_span_id\":\"" PID "\",\"name\":\"make test\",\"service\":\"ci\","
		    "\"kind\":\"client\",\"start\":\"2025-11-24T21:45:03.123456789Z\","
		    "\"end\":\"2025-11-24T21:45:04.623456790Z\",\"duration_ms\":1500.0000010000001,"
		    "\"status\":\"error\",\"status_message\":\"exit status 2\",\"attributes\":{},"
		    "\"events\":[],\"resource\":{}}");
	assert_true(json_is_real(json_object_get(s, "duration_ms")));
	assert_true(json_real_value(json_object_get(s, "duration_ms")) == 1500000001 / 1e6);
	json_decref(s);
}

static void test_span_new_root_and_defaults(void **state)
{
	static const char *const keys[] = {
		"type", "trace_id", "span_id", "name", "service", "kind", "start", "end",
		"duration_ms", "status", "attributes", "events", "resource", NULL
	};
	json_t *s;

	(void)state;
	s = obs_span_new(TID, SID, NULL, "root", "svc", NULL, 0, 0, NULL, NULL);
	assert_non_null(s);
	expect_keys(s, keys);
	expect_dump(s, "{\"type\":\"span\",\"trace_id\":\"" TID "\",\"span_id\":\"" SID "\","
		    "\"name\":\"root\",\"service\":\"svc\",\"kind\":\"internal\","
		    "\"start\":\"1970-01-01T00:00:00.000000000Z\","
		    "\"end\":\"1970-01-01T00:00:00.000000000Z\",\"duration_ms\":0.0,"
		    "\"status\":\"unset\",\"attributes\":{},\"events\":[],\"resource\":{}}");
	json_decref(s);

	/* An empty parent is a root too; an empty message is still a message. */
	s = obs_span_new(TID, SID, "", NULL, NULL, "server", T0, T0 + 1, "ok", "");
	assert_non_null(s);
	assert_null(json_object_get(s, "parent_span_id"));
	assert_string_equal(json_string_value(json_object_get(s, "name")), "");
	assert_string_equal(json_string_value(json_object_get(s, "service")), "");
	assert_string_equal(json_string_value(json_object_get(s, "status_message")), "");
	assert_true(json_real_value(json_object_get(s, "duration_ms")) == 1e-6);
	json_decref(s);
}

static void test_span_new_durations(void **state)
{
	json_t *s;

	(void)state;
	/* Negative when the clock went back: reported as it is. */
	s = obs_span_new(TID, SID, NULL, "n", "s", "internal", T0, T0 - 2500000, NULL, NULL);
	assert_true(json_real_value(json_object_get(s, "duration_ms")) == -2.5);
	json_decref(s);
	/* The whole range: the difference overflows int64 and is computed in doubles. */
	s = obs_span_new(TID, SID, NULL, "n", "s", "internal", INT64_MIN, INT64_MAX, NULL, NULL);
	assert_true(json_real_value(json_object_get(s, "duration_ms")) ==
		    ((double)INT64_MAX - (double)INT64_MIN) / 1e6);
	json_decref(s);
	/* Nanosecond precision for long spans: 3 days and 1 ns. */
	s = obs_span_new(TID, SID, NULL, "n", "s", "internal", T0, T0 + 259200000000001LL, NULL, NULL);
	assert_true(json_real_value(json_object_get(s, "duration_ms")) == 259200000000001.0 / 1e6);
	json_decref(s);
}

static void test_span_new_bad_utf8(void **state)
{
	json_t *s;

	(void)state;
	s = obs_span_new(TID, SID, NULL, "cat \xff\xfe.txt", "svc\xc3", NULL, T0, T0, NULL, "bad \x80");
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "name")), "cat \xef\xbf\xbd\xef\xbf\xbd.txt");
	assert_string_equal(json_string_value(json_object_get(s, "service")), "svc\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(s, "status_message")), "bad \xef\xbf\xbd");
	json_decref(s);
}

/* ---- events ------------------------------------------------------------------------ */

static void test_span_add_event(void **state)
{
	json_t *s = obs_span_new(TID, SID, NULL, "n", "s", NULL, T0, T0, NULL, NULL), *attrs, *bad;

	(void)state;
	assert_int_equal(obs_span_add_event(s, T0, "started", NULL), 0);
	attrs = json_pack("{s:i, s:s}", "step", 2, "what", "link");
	assert_int_equal(obs_span_add_event(s, T0 + 1000, "linked", attrs), 0);
	expect_dump(json_object_get(s, "events"),
		    "[{\"time\":\"2025-11-24T21:45:03.123456789Z\",\"name\":\"started\",\"attributes\":{}},"
		    "{\"time\":\"2025-11-24T21:45:03.123457789Z\",\"name\":\"linked\","
		    "\"attributes\":{\"step\":2,\"what\":\"link\"}}]");
	/* Attributes must be an object (and are consumed either way). */
	bad = json_array();
	assert_int_equal(obs_span_add_event(s, T0, "x", bad), -1);
	assert_int_equal(json_array_size(json_object_get(s, "events")), 2);
	/* No events array: refused. */
	json_object_del(s, "events");
	assert_int_equal(obs_span_add_event(s, T0, "x", json_object()), -1);
	assert_int_equal(obs_span_add_event(NULL, T0, "x", NULL), -1);
	json_decref(s);
}

/* ---- vocabulary -------------------------------------------------------------------- */

static void test_kind_status(void **state)
{
	(void)state;
	assert_int_equal(obs_span_kind_valid("internal"), 1);
	assert_int_equal(obs_span_kind_valid("server"), 1);
	assert_int_equal(obs_span_kind_valid("client"), 1);
	assert_int_equal(obs_span_kind_valid("producer"), 1);
	assert_int_equal(obs_span_kind_valid("consumer"), 1);
	assert_int_equal(obs_span_kind_valid("Server"), 0);
	assert_int_equal(obs_span_kind_valid("SPAN_KIND_SERVER"), 0);
	assert_int_equal(obs_span_kind_valid("unspecified"), 0);
	assert_int_equal(obs_span_kind_valid(""), 0);
	assert_int_equal(obs_span_kind_valid(NULL), 0);

	assert_int_equal(obs_span_status_valid("ok"), 1);
	assert_int_equal(obs_span_status_valid("error"), 1);
	assert_int_equal(obs_span_status_valid("unset"), 1);
	assert_int_equal(obs_span_status_valid("OK"), 0);
	assert_int_equal(obs_span_status_valid("failed"), 0);
	assert_int_equal(obs_span_status_valid(""), 0);
	assert_int_equal(obs_span_status_valid(NULL), 0);
}

/* ---- attributes -------------------------------------------------------------------- */

static void expect_attr(const char *kv, const char *key, const char *want_json)
{
	struct obs_error err = { "" };
	json_t *obj = json_object();
	char *got;

	if (obs_attr_parse_set(obj, kv, &err) != 0)
		fail_msg("'%s': %s", kv, err.msg);
	got = dump(json_object_get(obj, key));
	if (!got || strcmp(got, want_json) != 0)
		fail_msg("'%s': got %s, want %s", kv, got ? got : "(none)", want_json);
	free(got);
	json_decref(obj);
}

static void expect_attr_error(const char *kv, const char *want)
{
	struct obs_error err = { "" };
	json_t *obj = json_object();

	assert_int_equal(obs_attr_parse_set(obj, kv, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(json_object_size(obj), 0);
	json_decref(obj);
}

static void test_attr_parse(void **state)
{
	json_t *obj;

	(void)state;
	expect_attr("n=42", "n", "42");
	expect_attr("n=-7", "n", "-7");
	expect_attr("n=+7", "n", "7");
	expect_attr("n=007", "n", "7");
	expect_attr("n=9223372036854775807", "n", "9223372036854775807");
	expect_attr("n=-9223372036854775808", "n", "-9223372036854775808");
	expect_attr("n=9223372036854775808", "n", "9.2233720368547758e18");
	expect_attr("f=1.5", "f", "1.5");
	expect_attr("f=-0.25", "f", "-0.25");
	expect_attr("f=.5", "f", "0.5");
	expect_attr("f=1.", "f", "1.0");
	expect_attr("f=1e3", "f", "1000.0");
	expect_attr("f=2.5E-1", "f", "0.25");
	expect_attr("b=true", "b", "true");
	expect_attr("b=false", "b", "false");
	expect_attr("s=True", "s", "\"True\"");
	expect_attr("s=yes", "s", "\"yes\"");
	expect_attr("s=1.2.3", "s", "\"1.2.3\"");
	expect_attr("s=1e", "s", "\"1e\"");
	expect_attr("s=-", "s", "\"-\"");
	expect_attr("s=.", "s", "\".\"");
	expect_attr("s=inf", "s", "\"inf\"");
	expect_attr("s=nan", "s", "\"nan\"");
	expect_attr("s=0x10", "s", "\"0x10\"");
	expect_attr("s=1e999", "s", "\"1e999\"");
	expect_attr("s= 5", "s", "\" 5\"");
	expect_attr("s=5 ", "s", "\"5 \"");
	expect_attr("s=hello world", "s", "\"hello world\"");
	expect_attr("q=\"42\"", "q", "\"42\"");
	expect_attr("q=\"true\"", "q", "\"true\"");
	expect_attr("q=\"\"", "q", "\"\"");
	expect_attr("q=\"", "q", "\"\\\"\"");
	expect_attr("q=\"a\"b\"", "q", "\"a\\\"b\"");
	expect_attr("e=", "e", "\"\"");
	expect_attr("eq=a=b", "eq", "\"a=b\"");
	expect_attr("http.route=/api/{id}", "http.route", "\"/api/{id}\"");
	expect_attr("u=caf\xc3\xa9", "u", "\"caf\xc3\xa9\"");
	expect_attr("u=\xff", "u", "\"\xef\xbf\xbd\"");
	expect_attr("k\xff=v", "k\xef\xbf\xbd", "\"v\"");

	expect_attr_error("=v", "invalid attribute '=v': expected KEY=VALUE");
	expect_attr_error("=", "invalid attribute '=': expected KEY=VALUE");
	expect_attr_error("novalue", "invalid attribute 'novalue': expected KEY=VALUE");
	expect_attr_error("", "invalid attribute '': expected KEY=VALUE");
	expect_attr_error(NULL, "invalid attribute '': expected KEY=VALUE");

	/* A later value replaces an earlier one, in place. */
	obj = json_object();
	assert_int_equal(obs_attr_parse_set(obj, "a=1", NULL), 0);
	assert_int_equal(obs_attr_parse_set(obj, "b=2", NULL), 0);
	assert_int_equal(obs_attr_parse_set(obj, "a=x", NULL), 0);
	expect_dump(obj, "{\"a\":\"x\",\"b\":2}");
	/* Not an object: refused. */
	assert_int_equal(obs_attr_parse_set(NULL, "a=1", NULL), -1);
	json_decref(obj);
}

static void expect_dump_ascii(const json_t *v, const char *want)
{
	char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("got %s, want %s", got, want);
	free(got);
}

/* ---- service name and resource ------------------------------------------------------ */

static void test_service_name(void **state)
{
	(void)state;
	assert_string_equal(obs_service_name("fallback"), "fallback");
	assert_null(obs_service_name(NULL));

	setenv("OTEL_RESOURCE_ATTRIBUTES", "team=a, service.name = my%20svc ,x=1", 1);
	assert_string_equal(obs_service_name("fallback"), "my svc");
	setenv("OTEL_SERVICE_NAME", "otel-svc", 1);
	assert_string_equal(obs_service_name("fallback"), "otel-svc");
	setenv("OBS_SERVICE", "obs-svc", 1);
	assert_string_equal(obs_service_name("fallback"), "obs-svc");

	/* Empty variables count as unset. */
	setenv("OBS_SERVICE", "", 1);
	assert_string_equal(obs_service_name("fallback"), "otel-svc");
	setenv("OTEL_SERVICE_NAME", "", 1);
	assert_string_equal(obs_service_name("fallback"), "my svc");
	setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=", 1);
	assert_string_equal(obs_service_name("fallback"), "fallback");
	setenv("OTEL_RESOURCE_ATTRIBUTES", "team=a", 1);
	assert_string_equal(obs_service_name("fallback"), "fallback");
	/* A malformed list is ignored whole. */
	setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=x,broken", 1);
	assert_string_equal(obs_service_name("fallback"), "fallback");
	setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=x,=y", 1);
	assert_string_equal(obs_service_name("fallback"), "fallback");
	setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=x%00", 1);
	assert_string_equal(obs_service_name("fallback"), "fallback");
	setenv("OTEL_RESOURCE_ATTRIBUTES", "", 1);
	assert_string_equal(obs_service_name("fallback"), "fallback");
}

static void test_resource(void **state)
{
	char host[HOST_NAME_MAX + 1], want[512];
	json_t *r;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';

	r = obs_resource_new("svc");
	snprintf(want, sizeof(want), "{\"service.name\":\"svc\",\"host.name\":\"%s\"}", host);
	expect_dump(r, want);
	json_decref(r);

	/* Attributes from the environment, decoded; the user's host.name wins, SERVICE wins. */
	setenv("OTEL_RESOURCE_ATTRIBUTES",
	       "deployment.environment=prod, team = a%2Cb ,,service.name=ignored,"
	       "host.name=override,note=caf%C3%A9%FF,dup=1,dup=2", 1);
	r = obs_resource_new("svc");
	expect_dump_ascii(r, "{\"service.name\":\"svc\",\"host.name\":\"override\","
			  "\"deployment.environment\":\"prod\",\"team\":\"a,b\","
			  "\"note\":\"caf\\u00E9\\uFFFD\",\"dup\":\"2\"}");
	json_decref(r);

	/* Without SERVICE, the service name as obs_service_name finds it. */
	setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-env,k=v", 1);
	r = obs_resource_new(NULL);
	snprintf(want, sizeof(want),
		 "{\"service.name\":\"from-env\",\"host.name\":\"%s\",\"k\":\"v\"}", host);
	expect_dump(r, want);
	json_decref(r);
	setenv("OBS_SERVICE", "obs-svc", 1);
	r = obs_resource_new(NULL);
	assert_string_equal(json_string_value(json_object_get(r, "service.name")), "obs-svc");
	json_decref(r);
	unsetenv("OBS_SERVICE");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	r = obs_resource_new(NULL);
	assert_string_equal(json_string_value(json_object_get(r, "service.name")), "unknown_service");
	json_decref(r);

	/* A malformed list adds nothing. */
	setenv("OTEL_RESOURCE_ATTRIBUTES", "a=1,b", 1);
	r = obs_resource_new("svc");
	snprintf(want, sizeof(want), "{\"service.name\":\"svc\",\"host.name\":\"%s\"}", host);
	expect_dump(r, want);
	json_decref(r);
	setenv("OTEL_RESOURCE_ATTRIBUTES", "a=1, =2", 1);
	r = obs_resource_new("svc");
	expect_dump(r, want);
	json_decref(r);
}

/* ---- out of memory ------------------------------------------------------------------ */

static long alloc_budget = -1;  /* jansson allocations left; -1: no limit */

static void *limited_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

/* Run one operation with K jansson allocations allowed: 1 done, 0 failed cleanly. */
static int with_budget(long k, int op)
{
	json_t *v = NULL;
	int ok = 0;

	alloc_budget = k;
	switch (op) {
	case 0:
		v = obs_span_new(TID, SID, PID, "n", "s", "client", T0, T0 + 5, "error", "m");
		ok = v != NULL;
		break;
	case 1:
		v = obs_resource_new("svc");
		ok = v != NULL;
		break;
	case 2:
		v = json_object();
		ok = v && obs_attr_parse_set(v, "k=\"quoted\"", NULL) == 0 &&
		     obs_attr_parse_set(v, "n=1.5", NULL) == 0 &&
		     obs_attr_parse_set(v, "i=3", NULL) == 0;
		break;
	default:
		alloc_budget = -1;
		v = obs_span_new(TID, SID, NULL, "n", "s", NULL, T0, T0, NULL, NULL);
		alloc_budget = k;
		ok = obs_span_add_event(v, T0, "e", NULL) == 0;
		break;
	}
	if (alloc_budget == 0)
		ok = ok ? 0 : -1;   /* the limit was reached: go on */
	alloc_budget = -1;
	json_decref(v);
	return ok;
}

static void test_out_of_memory(void **state)
{
	int op;

	(void)state;
	setenv("OTEL_RESOURCE_ATTRIBUTES", "a=1,b=2", 1);
	json_set_alloc_funcs(limited_malloc, free);
	for (op = 0; op < 4; op++) {
		long k;

		for (k = 0; k < 1000 && with_budget(k, op) != 1; k++)
			;
		assert_true(k < 1000);
	}
	json_set_alloc_funcs(malloc, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_new_child),
		cmocka_unit_test(test_span_new_root_and_defaults),
		cmocka_unit_test(test_span_new_durations),
		cmocka_unit_test(test_span_new_bad_utf8),
		cmocka_unit_test(test_span_add_event),
		cmocka_unit_test(test_kind_status),
		cmocka_unit_test(test_attr_parse),
		cmocka_unit_test_setup_teardown(test_service_name, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_resource, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_out_of_memory, clean_env, clean_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
