/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_config: YAML and JSON into jansson, default paths, lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs_config.h"

/* ---- helpers ----------------------------------------------------------------- */

static json_t *load(const char *text, struct obs_error *err)
{
	return obs_config_load_buffer(text, strlen(text), "t.yaml", err);
}

/* Load TEXT, expect success, compare with the JSON in WANT (compact, sorted). */
static void expect_json(const char *text, const char *want)
{
	struct obs_error err = { "" };
	json_t *v = load(text, &err);
	char *got;

	if (!v)
		fail_msg("'%s': unexpected error: %s", text, err.msg);
	got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (strcmp(got, want) != 0)
		fail_msg("'%s': got %s, want %s", text, got, want);
	free(got);
	json_decref(v);
}

/* Flow text FLOW as the value of key "v" (a top-level '[' would be JSON). */
static void expect_v(const char *flow, const char *want)
{
	char text[1024], wantobj[1024];

	snprintf(text, sizeof(text), "v: %s", flow);
	snprintf(wantobj, sizeof(wantobj), "{\"v\":%s}", want);
	expect_json(text, wantobj);
}

static void expect_error(const char *text, const char *want)
{
	struct obs_error err = { "" };
	json_t *v = load(text, &err);

	if (v) {
		char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		fail_msg("'%s': unexpected success: %s", text, got);
	}
	if (strcmp(err.msg, want) != 0)
		fail_msg("'%s': error '%s', want '%s'", text, err.msg, want);
}

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/obs-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	unsetenv("OBS_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void mkdirs(const char *path)
{
	char buf[512];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0700);
			*p = '/';
		}
	}
	mkdir(buf, 0700);
}

/* ---- YAML scalars -------------------------------------------------------------- */

static void test_yaml_null_bool(void **state)
{
	(void)state;
	expect_json("a: null\nb: Null\nc: NULL\nd: ~\ne:\nf: nULL\ng: nil",
		    "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,\"f\":\"nULL\",\"g\":\"nil\"}");
	expect_v("[true, True, TRUE, false, False, FALSE, tRUE, yes, no, on, off, y, n]",
		    "[true,true,true,false,false,false,\"tRUE\",\"yes\",\"no\",\"on\",\"off\",\"y\",\"n\"]");
	expect_json("- true\n- false", "[true,false]");
}

static void test_yaml_int(void **state)
{
	(void)state;
	expect_v("[0, 12, -12, +12, 007, 0o17, 0o0, 0x1F, 0xff, 0x0, "
		    "9223372036854775807, -9223372036854775808, 0o777777777777777777777, "
		    "0x7fffffffffffffff]",
		    "[0,12,-12,12,7,15,0,31,255,0,9223372036854775807,-9223372036854775808,"
		    "9223372036854775807,9223372036854775807]");
	/* Not integers in the core schema: strings. */
	expect_v("[1_000, 0b101, 0o8, 0xZ, -0x1, +0o7, 0O7, 0X1F, 1 2, '12', \"0x1F\", 12abc]",
		    "[\"1_000\",\"0b101\",\"0o8\",\"0xZ\",\"-0x1\",\"+0o7\",\"0O7\",\"0X1F\",\"1 2\","
		    "\"12\",\"0x1F\",\"12abc\"]");
	expect_error("x: 9223372036854775808", "t.yaml:1:4: integer out of range");
	expect_error("x: -9223372036854775809", "t.yaml:1:4: integer out of range");
	expect_error("- 1\n- 0x8000000000000000", "t.yaml:2:3: integer out of range");
	expect_error("x: 0o1000000000000000000000", "t.yaml:1:4: integer out of range");
}

static void test_yaml_float(void **state)
{
	struct obs_error err = { "" };
	json_t *v;

	(void)state;
	v = load("- 1.5\n- .5\n- -.5\n- +1.5\n- 1.\n- 1e3\n- 1E+3\n- -1.5e-2\n- 0.0\n- 2.50", &err);
	assert_non_null(v);
	assert_int_equal(json_array_size(v), 10);
	for (size_t i = 0; i < 10; i++)
		assert_true(json_is_real(json_array_get(v, i)));
	assert_true(json_real_value(json_array_get(v, 0)) == 1.5);
	assert_true(json_real_value(json_array_get(v, 1)) == 0.5);
	assert_true(json_real_value(json_array_get(v, 2)) == -0.5);
	assert_true(json_real_value(json_array_get(v, 3)) == 1.5);
	assert_true(json_real_value(json_array_get(v, 4)) == 1.0);
	assert_true(json_real_value(json_array_get(v, 5)) == 1000.0);
	assert_true(json_real_value(json_array_get(v, 6)) == 1000.0);
	assert_true(json_real_value(json_array_get(v, 7)) == -0.015);
	assert_true(json_real_value(json_array_get(v, 8)) == 0.0);
	assert_true(json_real_value(json_array_get(v, 9)) == 2.5);
	json_decref(v);
	expect_v("[1.2.3, ., 1e, e3, .e3, 1.5x, inf, nan, Infinity, 1,5]",
		    "[\"1.2.3\",\".\",\"1e\",\"e3\",\".e3\",\"1.5x\",\"inf\",\"nan\",\"Infinity\",1,5]");
	/* .inf and .nan are YAML floats that JSON cannot hold. */
	expect_error("x: .inf", "t.yaml:1:4: '.inf' cannot be represented in JSON");
	expect_error("x: -.Inf", "t.yaml:1:4: '-.Inf' cannot be represented in JSON");
	expect_error("x: +.INF", "t.yaml:1:4: '+.INF' cannot be represented in JSON");
	expect_error("x: .NaN", "t.yaml:1:4: '.NaN' cannot be represented in JSON");
	expect_error("x:\n  y: .NAN", "t.yaml:2:6: '.NAN' cannot be represented in JSON");
	expect_v("[.inF, -.nan, '.inf']", "[\".inF\",\"-.nan\",\".inf\"]");
	expect_error("x: 1e999", "t.yaml:1:4: number out of range");
}

static void test_yaml_strings(void **state)
{
	(void)state;
	expect_json("a: hello world\nb: 'single ''q'''\nc: \"dbl \\\"q\\\" \\t\\u00e9\"\n"
		    "d: ''\ne: \"\"\nf: 'true'\ng: \"null\"\nh: '~'\n",
		    "{\"a\":\"hello world\",\"b\":\"single 'q'\",\"c\":\"dbl \\\"q\\\" \\t\\u00E9\","
		    "\"d\":\"\",\"e\":\"\",\"f\":\"true\",\"g\":\"null\",\"h\":\"~\"}");
	expect_json("lit: |\n  line1\n  line2\nfold: >\n  a\n  b\nplain: multi\n  line\n",
		    "{\"fold\":\"a b\\n\",\"lit\":\"line1\\nline2\\n\",\"plain\":\"multi line\"}");
	expect_json("a: \"x\\0y\"", "{\"a\":\"x\\u0000y\"}");
	expect_json("a: caf\xc3\xa9", "{\"a\":\"caf\\u00E9\"}");
	/* Block scalars are never resolved. */
	expect_json("a: |\n  12\n", "{\"a\":\"12\\n\"}");
	expect_json("a: |-\n  true\n", "{\"a\":\"true\"}");
}

/* ---- structure ----------------------------------------------------------------- */

static void test_yaml_structure(void **state)
{
	(void)state;
	expect_json("trace:\n  service: web\n  sampler:\n    ratio: 0.25\n    parent: true\n"
		    "export:\n  - name: otlp\n    endpoint: http://127.0.0.1:4318\n"
		    "  - name: prom\n    ports: [9090, 9091]\n",
		    "{\"export\":[{\"endpoint\":\"http://127.0.0.1:4318\",\"name\":\"otlp\"},"
		    "{\"name\":\"prom\",\"ports\":[9090,9091]}],"
		    "\"trace\":{\"sampler\":{\"parent\":true,\"ratio\":0.25},\"service\":\"web\"}}");
	expect_json("x: {a: 1, b: [x, {c: d}], e: {}, f: [], g: [[]]}",
		    "{\"x\":{\"a\":1,\"b\":[\"x\",{\"c\":\"d\"}],\"e\":{},\"f\":[],\"g\":[[]]}}");
	expect_json("- - a\n  - b\n- c: 1\n  d:\n    - e\n", "[[\"a\",\"b\"],{\"c\":1,\"d\":[\"e\"]}]");
}

static void test_yaml_root_kinds(void **state)
{
	(void)state;
	expect_json("- a\n- b", "[\"a\",\"b\"]");
	expect_json("hello", "\"hello\"");
	expect_json("42", "42");
	expect_json("~", "null");
	expect_json("null", "null");
	expect_json("[]", "[]");
	expect_json("{}", "{}");
	/* Empty configurations are empty objects. */
	expect_json("", "{}");
	expect_json("\n\n", "{}");
	expect_json("# only a comment\n", "{}");
	expect_json("---\n", "{}");
	expect_json("--- # empty\n...\n", "{}");
	expect_json("%YAML 1.2\n---\na: 1\n", "{\"a\":1}");
	expect_json("---\na: 1\n...\n", "{\"a\":1}");
	expect_json("\xef\xbb\xbf" "a: 1", "{\"a\":1}");
	assert_true(1);
}

static void test_yaml_keys(void **state)
{
	(void)state;
	/* Keys are the scalar's text, whatever it would resolve to. */
	expect_json("1: a\ntrue: b\nnull: c\n~: d\n.inf: e\n99999999999999999999: f\n'q': g\n",
		    "{\".inf\":\"e\",\"1\":\"a\",\"99999999999999999999\":\"f\",\"null\":\"c\","
		    "\"q\":\"g\",\"true\":\"b\",\"~\":\"d\"}");
	expect_json("? complex\n: value", "{\"complex\":\"value\"}");
	expect_json("a:\n  ?\n  : empty-key\nb: {'': x}", "{\"a\":{\"\":\"empty-key\"},\"b\":{\"\":\"x\"}}");
	expect_json("!!str k: v", "{\"k\":\"v\"}");
	expect_error("? [a]\n: 1", "t.yaml:1:3: mapping key is not a scalar");
	expect_error("a: 1\n? {b: c}\n: 2", "t.yaml:2:3: mapping key is not a scalar");
	expect_error("\"a\\0b\": 1", "t.yaml:1:1: mapping key contains a NUL byte");
}

static void test_yaml_duplicate_keys(void **state)
{
	(void)state;
	expect_error("a: 1\nb: 2\na: 3", "t.yaml:3:1: duplicate key 'a'");
	expect_error("top:\n  x: 1\n  y: 2\n  x: 3\n", "t.yaml:4:3: duplicate key 'x'");
	expect_error("x: {a: 1, b: 2, a: 3}", "t.yaml:1:17: duplicate key 'a'");
	expect_error("a: 1\n'a': 2", "t.yaml:2:1: duplicate key 'a'");
	expect_error("1: x\n\"1\": y", "t.yaml:2:1: duplicate key '1'");
	/* The same key in different mappings is fine. */
	expect_json("a: {x: 1}\nb: {x: 2}", "{\"a\":{\"x\":1},\"b\":{\"x\":2}}");
}

static void test_yaml_anchors(void **state)
{
	struct obs_error err = { "" };
	json_t *v;

	(void)state;
	expect_json("base: &b {host: h, port: 80}\nprod: *b\nlist: [&one 1, *one, *one]\n",
		    "{\"base\":{\"host\":\"h\",\"port\":80},\"list\":[1,1,1],"
		    "\"prod\":{\"host\":\"h\",\"port\":80}}");
	/* Aliases share the value. */
	v = load("a: &x [1, 2]\nb: *x", &err);
	assert_non_null(v);
	assert_ptr_equal(json_object_get(v, "a"), json_object_get(v, "b"));
	json_decref(v);
	/* A redefined anchor applies from there on. */
	expect_json("a: &x 1\nb: *x\nc: &x 2\nd: *x", "{\"a\":1,\"b\":1,\"c\":2,\"d\":2}");
	/* An anchored key can be used as a key and as a value. */
	expect_error("&k key: 1\n*k : 2", "t.yaml:2:1: duplicate key 'key'");
	expect_json("&k key: 1\nv: *k", "{\"key\":1,\"v\":\"key\"}");
	expect_json("&k 7: a\nv: *k", "{\"7\":\"a\",\"v\":7}");
	expect_json("a: &q '7'\nb: *q", "{\"a\":\"7\",\"b\":\"7\"}");
	expect_error("a: *nope", "t.yaml:1:4: unknown anchor 'nope'");
	/* An anchor is defined once its node is complete: no cycles. */
	expect_error("a: &x [1, *x]", "t.yaml:1:11: unknown anchor 'x'");
	expect_error("a: &x {b: *x}", "t.yaml:1:11: unknown anchor 'x'");
	expect_error("a: &x [1]\n*x : 2", "t.yaml:2:1: mapping key is not a scalar");
	/* A key error in an anchored key still resolves the value. */
	expect_error("&k .inf: 1", "t.yaml:1:1: '.inf' cannot be represented in JSON");
}

static void test_yaml_billion_laughs(void **state)
{
	char buf[4096];
	size_t off = 0;
	int i;

	(void)state;
	/* 10^7 nodes once expanded: refused long before memory matters. */
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 8; i++) {
		int j;

		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "a%d: &a%d [", i, i);
		for (j = 0; j < 10; j++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s*a%d", j ? ", " : "", i - 1);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "]\n");
	}
	/* a0..a4 and their keys: 123463 nodes; a5's 8th alias (111111 each) passes 1M. */
	expect_error(buf, "t.yaml:6:45: too many nodes (more than 1000000, aliases counted in full)");
}

/* Reach exactly the node limit, then add one more scalar or container. */
static void test_yaml_node_limit_exact(void **state)
{
	/* root + key a + anchor (2004 nodes) + key b + seq b + 498 aliases = 1000000 */
	size_t cap = 16384, off = 0;
	char *buf = malloc(cap), *second;
	int i;

	(void)state;
	assert_non_null(buf);
	off += (size_t)sprintf(buf + off, "a: &a [");
	for (i = 0; i < 2003; i++)
		off += (size_t)sprintf(buf + off, "%sx", i ? "," : "");
	off += (size_t)sprintf(buf + off, "]\nb: [");
	for (i = 0; i < 498; i++)
		off += (size_t)sprintf(buf + off, "%s*a", i ? ", " : "");
	second = buf + off;
	strcpy(second, "]");
	{
		struct obs_error err = { "" };
		json_t *v = load(buf, &err);

		if (!v)
			fail_msg("%s", err.msg);
		json_decref(v);
	}
	strcpy(second, "]\nc: 1");
	expect_error(buf, "t.yaml:3:1: too many nodes (more than 1000000, aliases counted in full)");
	strcpy(second, ", []]");
	expect_error(buf, "t.yaml:2:1997: too many nodes (more than 1000000, aliases counted in full)");
	free(buf);
}

static void test_yaml_depth(void **state)
{
	char buf[512], want[512];
	int i;

	(void)state;
	/* The root mapping and 63 sequences: 64 levels. */
	strcpy(buf, "v: ");
	strcpy(want, "{\"v\":");
	for (i = 0; i < 63; i++) {
		strcat(buf, "[");
		strcat(want, "[");
	}
	for (i = 0; i < 63; i++) {
		strcat(buf, "]");
		strcat(want, "]");
	}
	strcat(want, "}");
	expect_json(buf, want);
	strcpy(buf, "v: ");
	for (i = 0; i < 64; i++)
		strcat(buf, "[");
	for (i = 0; i < 64; i++)
		strcat(buf, "]");
	expect_error(buf, "t.yaml:1:67: nesting too deep (more than 64 levels)");

	/* Depth through an alias: 40 levels anchored, used 24 levels down. */
	strcpy(buf, "a: &d ");
	for (i = 0; i < 39; i++)
		strcat(buf, "[");
	for (i = 0; i < 39; i++)
		strcat(buf, "]");
	strcat(buf, "\nb: ");
	for (i = 0; i < 24; i++)
		strcat(buf, "[");
	strcat(buf, "*d");
	for (i = 0; i < 24; i++)
		strcat(buf, "]");
	/* root + 24 + 39 = 64: fine. */
	{
		struct obs_error err = { "" };
		json_t *v = load(buf, &err);

		if (!v)
			fail_msg("%s", err.msg);
		json_decref(v);
	}
	strcpy(buf, "a: &d ");
	for (i = 0; i < 39; i++)
		strcat(buf, "[");
	for (i = 0; i < 39; i++)
		strcat(buf, "]");
	strcat(buf, "\nb: ");
	for (i = 0; i < 25; i++)
		strcat(buf, "[");
	strcat(buf, "*d");
	for (i = 0; i < 25; i++)
		strcat(buf, "]");
	expect_error(buf, "t.yaml:2:29: nesting too deep (more than 64 levels)");
}

static void test_yaml_tags(void **state)
{
	(void)state;
	expect_json("a: !!str 1\nb: !!str true\nc: ! 12\nd: !!str\n",
		    "{\"a\":\"1\",\"b\":\"true\",\"c\":\"12\",\"d\":\"\"}");
	expect_json("a: !!int '12'\nb: !!int 0x10\nc: !!float 3\nd: !!float '1.5'\n"
		    "e: !!bool 'true'\nf: !!null ''\ng: !!null ~\nh: !!map {x: 1}\ni: !!seq [1]\n"
		    "j: ! {y: 2}\n",
		    "{\"a\":12,\"b\":16,\"c\":3.0,\"d\":1.5,\"e\":true,\"f\":null,\"g\":null,"
		    "\"h\":{\"x\":1},\"i\":[1],\"j\":{\"y\":2}}");
	expect_json("%TAG !e! tag:yaml.org,2002:\n---\na: !e!str 5", "{\"a\":\"5\"}");
	expect_error("x: !!int abc", "t.yaml:1:4: value does not match its tag '!!int'");
	expect_error("x: !!int 1.5", "t.yaml:1:4: value does not match its tag '!!int'");
	expect_error("x: !!float 0x10", "t.yaml:1:4: value does not match its tag '!!float'");
	expect_error("x: !!float abc", "t.yaml:1:4: value does not match its tag '!!float'");
	expect_error("x: !!bool yes", "t.yaml:1:4: value does not match its tag '!!bool'");
	expect_error("x: !!null 0", "t.yaml:1:4: value does not match its tag '!!null'");
	expect_error("x: !!int \"1\\02\"", "t.yaml:1:4: value does not match its tag '!!int'");
	expect_error("x: !!float .inf", "t.yaml:1:4: '.inf' cannot be represented in JSON");
	expect_error("x: !!int 99999999999999999999", "t.yaml:1:4: integer out of range");
	expect_error("x: !!binary aGk=", "t.yaml:1:4: unsupported tag '!!binary'");
	expect_error("x: !local v", "t.yaml:1:4: unsupported tag '!local'");
	expect_error("x: !!seq {a: 1}", "t.yaml:1:4: unsupported tag '!!seq'");
	expect_error("x: !!map [1]", "t.yaml:1:4: unsupported tag '!!map'");
	expect_error("x: !!set {a: 1}", "t.yaml:1:4: unsupported tag '!!set'");
	expect_error("x: !foo [1]", "t.yaml:1:4: unsupported tag '!foo'");
}

static void test_yaml_syntax_errors(void **state)
{
	(void)state;
	expect_error("a: b: c", "t.yaml:1:5: mapping values are not allowed in this context");
	expect_error("a: 'unterminated\nb: 2",
		     "t.yaml:2:5: found unexpected end of stream "
		     "(while scanning a quoted scalar at line 1 column 4)");
	expect_error("x:\n  - a\n - b",
		     "t.yaml:3:2: did not find expected key "
		     "(while parsing a block mapping at line 1 column 1)");
	expect_error("a: [1, 2\nb: 3",
		     "t.yaml:2:2: did not find expected ',' or ']' "
		     "(while parsing a flow sequence at line 1 column 4)");
	expect_error("a: 1\n---\nb: 2", "t.yaml:2:1: more than one document");
	expect_error("a: 1\n---\n", "t.yaml:2:1: more than one document");
	expect_error("a: *", "t.yaml:1:5: did not find expected alphabetic or numeric character "
		     "(while scanning an alias at line 1 column 4)");
	/* Byte-level problems are located too. */
	expect_error("a: 1\nb: \xff\n", "t.yaml:2:4: invalid leading UTF-8 octet");
	expect_error("a: 1\nb: x\x01y\n", "t.yaml:2:5: control characters are not allowed");
}

static void test_yaml_nul_in_buffer(void **state)
{
	struct obs_error err = { "" };
	json_t *v;

	(void)state;
	v = obs_config_load_buffer("a: 1\0b: 2", 9, "nul.yaml", &err);
	assert_null(v);
	assert_string_equal(err.msg, "nul.yaml:1:5: control characters are not allowed");
	v = obs_config_load_buffer(NULL, 0, NULL, &err);
	assert_non_null(v);
	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 0);
	json_decref(v);
	v = obs_config_load_buffer("a: [", 4, NULL, &err);
	assert_null(v);
	/* libyaml places the end of the stream on the next line. */
	assert_string_equal(err.msg, "<config>:2:1: did not find expected node content "
			    "(while parsing a flow node at line 2 column 1)");
	/* err may be NULL. */
	assert_null(obs_config_load_buffer("a: [", 4, "x", NULL));
	assert_null(obs_config_load_buffer("{", 1, "x", NULL));
}

/* ---- JSON ---------------------------------------------------------------------- */

static void test_json(void **state)
{
	(void)state;
	expect_json("{\"a\": 1, \"b\": [true, null, 1.5, \"s\"]}",
		    "{\"a\":1,\"b\":[true,null,1.5,\"s\"]}");
	expect_json("  \n\t[1, 2]\n", "[1,2]");
	expect_json("\xef\xbb\xbf{\"a\": 1}", "{\"a\":1}");
	expect_json("\xef\xbb\xbf  [1]", "[1]");
	expect_error("{\"a\": 1,\n \"a\": 2}", "t.yaml:2:4: duplicate key 'a'");
	expect_error("{\"x\": {\n  \"b\": 1,\n  \"b\": 2}}", "t.yaml:3:5: duplicate key 'b'");
	expect_error("[1, 2", "t.yaml:1:5: ']' expected near end of file");
	expect_error("{\"a\": 1,\n  x}", "t.yaml:2:3: string or '}' expected");
	/* Tokens are not quoted back: they could be secrets. */
	expect_error("{\"token\": s3cr3t}", "t.yaml:1:11: invalid token");
	expect_error("{\"a\": 1} extra", "t.yaml:1:14: end of file expected");
	expect_error("{\"a\": 99999999999999999999}", "t.yaml:1:26: too big integer");
	/* A YAML flow mapping at the top is read as JSON. */
	expect_error("{a: 1}", "t.yaml:1:2: string or '}' expected");
	expect_error("{", "t.yaml:1:1: string or '}' expected near end of file");
}

/* ---- files ---------------------------------------------------------------------- */

static void test_load_file(void **state)
{
	struct obs_error err = { "" };
	char path[256], want[512];
	json_t *v;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.yaml", tmpdir);
	write_file(path, "a: 1\nb:\n  c: [x]\n");
	v = obs_config_load_file(path, &err);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);

	write_file(path, "a: 1\na: 2\n");
	assert_null(obs_config_load_file(path, &err));
	snprintf(want, sizeof(want), "%s:2:1: duplicate key 'a'", path);
	assert_string_equal(err.msg, want);

	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	write_file(path, "{\"a\": [1,\n 2,]}");
	assert_null(obs_config_load_file(path, &err));
	snprintf(want, sizeof(want), "%s:2:4: unexpected token", path);
	assert_string_equal(err.msg, want);

	snprintf(path, sizeof(path), "%s/empty.yaml", tmpdir);
	write_file(path, "");
	v = obs_config_load_file(path, &err);
	assert_non_null(v);
	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 0);
	json_decref(v);

	snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
	assert_null(obs_config_load_file(path, &err));
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path);
	assert_string_equal(err.msg, want);

	assert_null(obs_config_load_file(tmpdir, &err));
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory", tmpdir);
	assert_string_equal(err.msg, want);

	/* Larger than the limit (a sparse file: cheap to make and read). */
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, OBS_CONFIG_MAX_SIZE + 1), 0);
	close(fd);
	assert_null(obs_config_load_file(path, &err));
	snprintf(want, sizeof(want), "'%s' is too large (more than 16777216 bytes)", path);
	assert_string_equal(err.msg, want);

	/* A file larger than the first buffers but within the limit. */
	{
		FILE *fp = fopen(path, "w");
		int i;

		assert_non_null(fp);
		for (i = 0; i < 5000; i++)
			fprintf(fp, "key%d: value %d\n", i, i);
		fclose(fp);
		v = obs_config_load_file(path, &err);
		assert_non_null(v);
		assert_int_equal(json_object_size(v), 5000);
		assert_string_equal(json_string_value(json_object_get(v, "key4999")), "value 4999");
		json_decref(v);
	}
}

static void test_load_default(void **state)
{
	struct obs_error err = { "" };
	char home[256], xdg[256], path[320], want[512];
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	json_t *v;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", tmpdir);
	snprintf(xdg, sizeof(xdg), "%s/xdg", tmpdir);
	mkdirs(home);
	mkdirs(xdg);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("OBS_CONFIG");

	/* Nothing anywhere: an empty object. */
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_int_equal(json_object_size(v), 0);
	json_decref(v);

	/* ~/.config/obs/config.yaml */
	snprintf(path, sizeof(path), "%s/.config/obs", home);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/.config/obs/config.yaml", home);
	write_file(path, "from: home\n");
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "from")), "home");
	json_decref(v);

	/* A relative XDG_CONFIG_HOME is ignored. */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "from")), "home");
	json_decref(v);

	/* $XDG_CONFIG_HOME wins over HOME, even when its file is missing. */
	setenv("XDG_CONFIG_HOME", xdg, 1);
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_int_equal(json_object_size(v), 0);
	json_decref(v);
	snprintf(path, sizeof(path), "%s/obs", xdg);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/obs/config.yaml", xdg);
	write_file(path, "from: xdg\n");
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "from")), "xdg");
	json_decref(v);

	/* Errors in the default file are reported with its path. */
	write_file(path, "from: xdg\n  bad: indent\n");
	assert_null(obs_config_load_default(&err));
	snprintf(want, sizeof(want), "%s:2:6: mapping values are not allowed in this context", path);
	assert_string_equal(err.msg, want);

	/* A path component that is a file: as good as missing. */
	snprintf(path, sizeof(path), "%s/notadir", tmpdir);
	write_file(path, "x");
	setenv("XDG_CONFIG_HOME", path, 1);
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_int_equal(json_object_size(v), 0);
	json_decref(v);

	/* Unreadable for another reason (a directory): an error. */
	snprintf(path, sizeof(path), "%s/dirconf/obs/config.yaml", tmpdir);
	mkdirs(path);
	snprintf(xdg, sizeof(xdg), "%s/dirconf", tmpdir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	assert_null(obs_config_load_default(&err));
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory", path);
	assert_string_equal(err.msg, want);

	/* $OBS_CONFIG wins and must exist. */
	snprintf(path, sizeof(path), "%s/explicit.json", tmpdir);
	write_file(path, "{\"from\": \"obs_config\"}");
	setenv("OBS_CONFIG", path, 1);
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "from")), "obs_config");
	json_decref(v);
	snprintf(path, sizeof(path), "%s/nope.yaml", tmpdir);
	setenv("OBS_CONFIG", path, 1);
	assert_null(obs_config_load_default(&err));
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path);
	assert_string_equal(err.msg, want);
	/* An empty OBS_CONFIG is unset. */
	setenv("OBS_CONFIG", "", 1);
	setenv("XDG_CONFIG_HOME", "", 1);
	v = obs_config_load_default(&err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "from")), "home");
	json_decref(v);

	/* No HOME: the password database says where home is. */
	unsetenv("OBS_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	{
		struct passwd *pw = getpwuid(getuid());

		v = obs_config_load_default(&err);
		if (v) {
			json_decref(v);
		} else {
			/* Only a broken config file of the real user could fail. */
			assert_non_null(pw);
			assert_memory_equal(err.msg, pw->pw_dir, strlen(pw->pw_dir));
		}
	}

	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
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

/* Fail each jansson allocation in turn: a clean error every time, no leak, no crash. */
static void test_out_of_memory(void **state)
{
	static const char *const docs[] = {
		"a: &x {k: [1, 2.5, s, true, ~]}\nb: *x\nc: !!str 5\n&y d: *y\ne: [[], {}]\n",
		"",
		"{\"a\": [1, 2.5, \"s\", {\"b\": null}]}",
	};
	size_t i;

	(void)state;
	json_set_alloc_funcs(limited_malloc, free);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		long k;

		for (k = 0; k < 10000; k++) {
			struct obs_error err = { "" };
			json_t *v;
			int hit;

			alloc_budget = k;
			v = load(docs[i], &err);
			hit = alloc_budget == 0;
			alloc_budget = -1;
			if (v) {
				json_decref(v);
				if (!hit)
					break;
				continue;
			}
			if (docs[i][0] != '{' && !strstr(err.msg, "out of memory"))
				fail_msg("doc %zu, budget %ld: %s", i, k, err.msg);
			assert_true(err.msg[0] != '\0');
		}
		assert_true(k < 10000);
	}
	json_set_alloc_funcs(malloc, free);
}

/* ---- lookups --------------------------------------------------------------------- */

static void test_get(void **state)
{
	struct obs_error err = { "" };
	json_t *cfg;

	(void)state;
	cfg = load("trace:\n  service: web\n  port: 8080\n  on: true\n"
		   "targets:\n  - url: http://a\n  - url: http://b\n"
		   "resource:\n  service.name: svc\n  host: {name: h}\n"
		   "a:\n  b: {c: short}\na.b:\n  d: long\n", &err);
	assert_non_null(cfg);
	assert_ptr_equal(obs_config_get(cfg, ""), cfg);
	assert_ptr_equal(obs_config_get(cfg, NULL), cfg);
	assert_null(obs_config_get(NULL, "trace"));
	assert_true(json_is_object(obs_config_get(cfg, "trace")));
	assert_string_equal(json_string_value(obs_config_get(cfg, "trace.service")), "web");
	assert_int_equal(json_integer_value(obs_config_get(cfg, "trace.port")), 8080);
	assert_null(obs_config_get(cfg, "trace.missing"));
	assert_null(obs_config_get(cfg, "trace.service.deeper"));
	assert_null(obs_config_get(cfg, "nothing"));
	assert_null(obs_config_get(cfg, "trace."));
	assert_null(obs_config_get(cfg, ".trace"));
	/* Array indexes. */
	assert_string_equal(json_string_value(obs_config_get(cfg, "targets.1.url")), "http://b");
	assert_true(json_is_object(obs_config_get(cfg, "targets.0")));
	assert_null(obs_config_get(cfg, "targets.2.url"));
	assert_null(obs_config_get(cfg, "targets.01.url"));
	assert_null(obs_config_get(cfg, "targets.x"));
	assert_null(obs_config_get(cfg, "targets.-1"));
	assert_null(obs_config_get(cfg, "targets."));
	assert_null(obs_config_get(cfg, "targets.9999999999"));
	/* Keys with dots. */
	assert_string_equal(json_string_value(obs_config_get(cfg, "resource.service.name")), "svc");
	assert_string_equal(json_string_value(obs_config_get(cfg, "resource.host.name")), "h");
	assert_string_equal(json_string_value(obs_config_get(cfg, "a.b.c")), "short");
	assert_string_equal(json_string_value(obs_config_get(cfg, "a.b.d")), "long");

	assert_string_equal(obs_config_get_string(cfg, "trace.service", NULL), "web");
	assert_null(obs_config_get_string(cfg, "trace.port", NULL));
	assert_null(obs_config_get_string(cfg, "trace.on", NULL));
	assert_null(obs_config_get_string(cfg, "trace", NULL));
	assert_null(obs_config_get_string(cfg, "missing", NULL));
	assert_null(obs_config_get_string(NULL, "trace.service", NULL));

	/* Environment overrides, when set and not empty. */
	unsetenv("OBS_TEST_CONFIG_ENV");
	assert_string_equal(obs_config_get_string(cfg, "trace.service", "OBS_TEST_CONFIG_ENV"), "web");
	setenv("OBS_TEST_CONFIG_ENV", "", 1);
	assert_string_equal(obs_config_get_string(cfg, "trace.service", "OBS_TEST_CONFIG_ENV"), "web");
	setenv("OBS_TEST_CONFIG_ENV", "from-env", 1);
	assert_string_equal(obs_config_get_string(cfg, "trace.service", "OBS_TEST_CONFIG_ENV"), "from-env");
	assert_string_equal(obs_config_get_string(cfg, "missing", "OBS_TEST_CONFIG_ENV"), "from-env");
	assert_string_equal(obs_config_get_string(NULL, "missing", "OBS_TEST_CONFIG_ENV"), "from-env");
	unsetenv("OBS_TEST_CONFIG_ENV");
	json_decref(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_null_bool),
		cmocka_unit_test(test_yaml_int),
		cmocka_unit_test(test_yaml_float),
		cmocka_unit_test(test_yaml_strings),
		cmocka_unit_test(test_yaml_structure),
		cmocka_unit_test(test_yaml_root_kinds),
		cmocka_unit_test(test_yaml_keys),
		cmocka_unit_test(test_yaml_duplicate_keys),
		cmocka_unit_test(test_yaml_anchors),
		cmocka_unit_test(test_yaml_billion_laughs),
		cmocka_unit_test(test_yaml_node_limit_exact),
		cmocka_unit_test(test_yaml_depth),
		cmocka_unit_test(test_yaml_tags),
		cmocka_unit_test(test_yaml_syntax_errors),
		cmocka_unit_test(test_yaml_nul_in_buffer),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test_setup_teardown(test_load_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_default, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
