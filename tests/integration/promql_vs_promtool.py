#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check the PromQL engine against Prometheus itself (promtool test rules).

Generates series (counters with resets, gauges with gaps, classic histograms,
several jobs and instances), writes them as metric records for our engine and
as promtool input_series, evaluates every expression below with our engine
(tests/helpers/promql_eval), writes our answers as exp_samples and lets
`promtool test rules` confirm them. promtool compares values exactly and never
equates NaN; where it reports a difference, the harness accepts NaN == NaN and
a relative difference up to 1e-9 (floating-point order: promtool aggregates in
random order), and counts everything else as a disagreement.

Also checks that our range queries equal our instant queries step by step.

Usage: promql_vs_promtool.py PROMQL_EVAL PROMTOOL [-v]
Exit status: 0 all agree, 1 disagreements, 2 harness failure.
"""
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

INTERVAL = 15          # seconds between samples
POINTS = 321           # samples per series: 0s .. 80m
REL_TOL = 1e-9

# ---- data ---------------------------------------------------------------------------

def counter_values(rng, start, resets):
    """A counter as promtool's 'a+bxn' segments: values, and the notation."""
    vals, parts = [], []
    remaining = POINTS
    cur = float(start)
    seg_points = [POINTS // (resets + 1)] * (resets + 1)
    seg_points[-1] += POINTS - sum(seg_points)
    for i, n in enumerate(seg_points):
        step = rng.choice([1, 2, 3, 5, 7, 10])
        a = cur if i == 0 else float(rng.choice([0, 0, 1, 2]))
        parts.append("%d+%dx%d" % (a, step, n - 1))
        v = a
        vals.append(v)
        for _ in range(n - 1):
            v += step          # repeated addition, as promtool expands it
            vals.append(v)
        cur = v
        remaining -= n
    return vals, " ".join(parts)


def gauge_values(rng, idx, gaps):
    """Distinct fractional parts per instance (idx/8) keep topk/bottomk free of ties."""
    vals = []
    for i in range(POINTS):
        vals.append(float(rng.randint(-40, 60)) + idx / 8.0)
    for (a, b) in gaps:
        for i in range(a, min(b, POINTS)):
            vals[i] = None
    return vals


def explicit(vals):
    out = []
    for v in vals:
        if v is None:
            out.append("_")
        elif v == int(v):
            out.append("%d" % v)
        else:
            out.append(repr(v))
    return " ".join(out)


def make_series(rng):
    """[(name, labels dict, values list with None gaps, promtool values string)]."""
    series = []
    jobs = [("api", ["i1", "i2", "i3"]), ("db", ["i4", "i5"])]
    for job, insts in jobs:
        for k, inst in enumerate(insts):
            for code in ("200", "500"):
                resets = rng.choice([0, 1, 2])
                start = rng.randint(0, 50)
                vals, notation = counter_values(rng, start, resets)
                series.append(("http_requests_total",
                               {"job": job, "instance": inst, "code": code}, vals, notation))
    idx = 0
    for job, insts in jobs:
        for inst in insts:
            gaps = []
            if inst == "i2":
                gaps = [(100, 140)]            # 10 minutes without samples
            if inst == "i5":
                gaps = [(30, 33), (200, 202)]  # short gaps
            vals = gauge_values(rng, idx, gaps)
            idx += 1
            series.append(("temperature_celsius", {"job": job, "instance": inst}, vals, explicit(vals)))
    # "up"-style 0/1 gauge and an info metric for group_left joins
    for job, insts in jobs:
        for inst in insts:
            vals = [float(1 if rng.random() > 0.1 else 0) for _ in range(POINTS)]
            series.append(("up", {"job": job, "instance": inst}, vals, explicit(vals)))
            series.append(("node_info", {"job": job, "instance": inst,
                                         "version": "v%d" % rng.randint(1, 3), "region": "eu"},
                           [1.0] * POINTS, "1x%d" % (POINTS - 1)))
    # classic histograms: cumulative buckets, one with a reset, one that starts empty
    bounds = ["0.1", "0.5", "1", "+Inf"]
    for job in ("api", "db"):
        counts = [0.0] * 4
        rows = [[] for _ in bounds]
        total, sumv = [], []
        s = 0.0
        for i in range(POINTS):
            if job == "db" and i < 20:
                obs = []
            else:
                obs = [rng.choice([0.05, 0.3, 0.7, 2.0, 0.05, 0.3]) for _ in range(rng.randint(0, 4))]
            if job == "api" and i == 160:
                counts = [0.0] * 4
                s = 0.0
            for o in obs:
                for b, ub in enumerate(bounds):
                    if ub == "+Inf" or o <= float(ub):
                        counts[b] += 1
                s += o
            for b in range(4):
                rows[b].append(counts[b])
            total.append(counts[3])
            sumv.append(round(s, 6))
        for b, ub in enumerate(bounds):
            series.append(("request_duration_seconds_bucket", {"job": job, "le": ub}, rows[b],
                           explicit(rows[b])))
        series.append(("request_duration_seconds_count", {"job": job}, total, explicit(total)))
        series.append(("request_duration_seconds_sum", {"job": job}, sumv, explicit(sumv)))
    # a few special values
    series.append(("special", {"kind": "neg"}, [-1.5] * POINTS, "-1.5x%d" % (POINTS - 1)))
    series.append(("special", {"kind": "zero"}, [0.0] * POINTS, "0x%d" % (POINTS - 1)))
    series.append(("special", {"kind": "big"}, [1e300] * POINTS, "1e300x%d" % (POINTS - 1)))
    return series


def metric_records(series):
    """Gauges and scraped counters as records (cumulative: values taken as they are)."""
    lines = []
    for name, labels, vals, _ in series:
        ctype = "counter" if name.endswith("_total") or "_bucket" in name or name.endswith("_count") \
            else "gauge"
        for i, v in enumerate(vals):
            if v is None:
                continue
            t = i * INTERVAL
            rec = {"type": "metric", "name": name, "metric_type": ctype,
                   "value": v if math.isfinite(v) else ("NaN" if v != v else ("+Inf" if v > 0 else "-Inf")),
                   "labels": labels, "time": "%d" % t}
            if ctype == "counter":
                rec["cumulative"] = True
            lines.append(json.dumps(rec))
    return "\n".join(lines) + "\n"


def series_desc(name, labels):
    return "%s{%s}" % (name, ", ".join('%s="%s"' % (k, labels[k]) for k in sorted(labels)))

# ---- expressions ---------------------------------------------------------------------

EVAL_TIMES = [300, 1200, 1830, 2711.5, 3600, 4799]

RANGE_FUNCS = ["rate", "irate", "increase", "delta", "idelta", "resets", "changes",
               "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
               "count_over_time", "last_over_time", "stddev_over_time", "stdvar_over_time"]

AGGS = ["sum", "avg", "min", "max", "count", "stddev", "stdvar"]


def expressions():
    e = []
    C = "http_requests_total"
    T = "temperature_celsius"
    H = "request_duration_seconds_bucket"
    # selectors and matchers
    e += [C, '%s{job="api"}' % C, '%s{job!="api",code="500"}' % C, '%s{code=~"5.."}' % C,
          '%s{code!~"2.*"}' % C, '{__name__="%s",instance=~"i[13]"}' % T,
          '{__name__=~"temperature_.*|up"}', '{__name__=~".*_total", job="db"}',
          '%s{instance=~"(?i)I[1-3]"}' % T, '%s{instance=~"i\\\\d"}' % T,
          '%s{instance!~"i[^2-4]"}' % T, '%s{job=~"api|db", instance!=""}' % T,
          '%s{nonexistent=""}' % T, '%s{instance=~"i.+"}' % T, '%s{job=~"a.?i"}' % T,
          '%s offset 5m' % T, '%s offset -5m' % T, '%s offset 10m' % C, '%s @ 600' % T,
          '%s @ 600 offset 1m' % T, '%s offset 1m @ 1200.5' % T, 'up', 'special']
    # range functions
    for f in RANGE_FUNCS:
        for sel, rng in ((C, "5m"), (C, "1m"), (T, "10m"), (H, "3m")):
            e.append("%s(%s[%s])" % (f, sel, rng))
    e += ['rate(%s[5m] offset 10m)' % C, 'rate(%s[5m] @ 1800)' % C, 'increase(%s[1h])' % C,
          'rate(%s[2m] offset -1m)' % C, 'delta(%s[7m30s])' % T, 'irate(%s[30s])' % C,
          'rate(%s[15s])' % C, 'max_over_time(%s[1h])' % T, 'changes(up[30m])', 'resets(up[30m])',
          'avg_over_time(special[5m])', 'sum_over_time(special[1m])', 'stddev_over_time(special[2m])']
    for q in ("0", "0.25", "0.5", "0.9", "1", "-1", "2"):
        e.append("quantile_over_time(%s, %s[10m])" % (q, T))
    e.append("quantile_over_time(0.75, %s[5m])" % C)
    # instant functions
    e += ['abs(%s)' % T, 'ceil(%s / 3)' % T, 'floor(%s / 3)' % T, 'round(%s / 3)' % T,
          'round(%s, 5)' % T, 'round(%s / 7, 0.1)' % T, 'clamp_min(%s, 0)' % T,
          'clamp_max(%s, 10)' % T, 'sqrt(abs(%s))' % T, 'ln(abs(%s) + 1)' % T,
          'exp(%s / 20)' % T, 'sqrt(%s)' % T, 'ln(%s)' % T, 'abs(special)', 'exp(special)',
          'clamp_max(clamp_min(%s, -5), 5)' % T]
    for q in ("0", "0.5", "0.9", "0.99", "1", "-0.5", "1.5"):
        e.append('histogram_quantile(%s, rate(%s[5m]))' % (q, H))
    e += ['histogram_quantile(0.5, sum by (le) (rate(%s[10m])))' % H,
          'histogram_quantile(0.9, %s)' % H, 'histogram_quantile(0.25, sum without (job) (%s))' % H,
          'absent(nonexistent)', 'absent(nonexistent{job="x", instance=~"y"})',
          'absent(%s)' % T, 'absent(nonexistent{a="b", a="c"})', 'absent(rate(nonexistent[5m]))',
          'time()', 'vector(1)', 'vector(time())', 'scalar(up{instance="i1"})', 'scalar(up)',
          'vector(scalar(sum(up)))', 'time() - 60',
          'label_replace(up, "host", "$1", "instance", "i(.*)")',
          'label_replace(up, "host", "${1}-x", "instance", "(i)([0-9])")',
          'label_replace(up, "instance", "", "instance", "i1")',
          'label_replace(up, "job", "$2$1", "instance", "(i)(.)")',
          'label_replace(up, "new", "$1", "missing", "(.*)")',
          'label_replace(up, "__name__", "renamed", "job", "api")',
          'label_replace(up, "dst", "$1x$$", "instance", "(\\\\w)\\\\d")',
          # captures where several parses match: RE2 takes the leftmost-first one
          'label_replace(up, "d", "$1|$2", "instance", "(i|i1)(1?)")',
          'label_replace(up, "d", "$1|$2", "instance", "(.*)(.*)")',
          'label_replace(up, "d", "$1|$2|$3", "instance", "(.?)((i1)?)1?")',
          'label_replace(up, "d", "$1|$2", "instance", "(i?)(i?[0-9]|1)")',
          'label_replace(up, "d", "$1|$2", "instance", "((?:i|i1)*)(1*)")']
    # aggregations
    for a in AGGS:
        e += ['%s(%s)' % (a, T), '%s by (job) (%s)' % (a, T), '%s without (instance) (%s)' % (a, T),
              '%s(rate(%s[5m])) by (job, code)' % (a, C)]
    e += ['sum by (__name__) ({__name__=~"up|temperature_celsius"})', 'count without () (up)',
          'sum without (job, instance, code) (%s)' % C, 'sum by () (up)', 'avg(special)']
    for k in ("1", "2", "3", "10", "0", "-1", "1.9"):
        e += ['topk(%s, %s)' % (k, T), 'bottomk(%s, %s)' % (k, T)]
    e += ['topk by (job) (1, %s)' % T, 'bottomk without (instance) (2, %s)' % T,
          'topk(2, max_over_time(%s[10m]))' % T, 'bottomk(2, min_over_time(%s[10m]))' % T,
          'topk(1, max by (job) (%s))' % T]
    for q in ("0", "0.3", "0.5", "0.95", "1", "-1", "2"):
        e.append('quantile(%s, %s)' % (q, T))
    e.append('quantile by (job) (0.5, %s)' % T)
    # binary operators: scalars
    e += ['1 + 2 * 3', '2 ^ 3 ^ 2', '-2 ^ 2', '(-2) ^ 2', '2 ^ -1', '7 % 3', '-7 % 3', '1 / 0',
          '-1 / 0', '0 / 0 > bool 1', '1 < bool 2', '2 == bool 2', '3 != bool 3', '2 >= bool 3',
          '2 <= bool 3', '2 > bool 1', '10 - 2 - 3', '100 / 10 / 2', '2 * 3 % 4', '0x10 + 010',
          '1e3 - .5', '+5', '- - 3', '2 + -3 * 4']
    # vector/scalar
    for op in ("+", "-", "*", "/", "%", "^"):
        e += ['%s %s 2' % (T, op), '3 %s %s' % (op, T)]
    for op in ("==", "!=", ">", "<", ">=", "<="):
        e += ['%s %s 5' % (T, op), '5 %s %s' % (op, T), '%s %s bool 5' % (T, op),
              '5 %s bool %s' % (op, T)]
    # vector/vector
    e += ['%s - %s offset 5m' % (T, T), '%s / ignoring(code) group_left sum without (code) (%s)' % (C, C),
          'sum by (job, instance) (rate(%s[5m])) / on(job, instance) group_left(version) node_info' % C,
          'up * on(instance) group_left(version, region) node_info',
          'node_info * on(instance) group_right(version) up',
          'node_info + on(instance, job) group_right up',
          '%s > on(job, instance) group_left %s' % (C, T),
          '%s > bool on(instance) %s' % (T, "up"),
          'up == on(instance) node_info', 'up != ignoring(version, region) node_info',
          '%s * on() group_left vector(2)' % T, '%s + %s' % (T, T), '%s - on(job, instance) up' % T,
          'rate(%s[5m]) / ignoring(code) group_left sum without(code) (rate(%s[5m]))' % (C, C),
          '%s{code="200"} - ignoring(code) %s{code="500"}' % (C, C),
          '%s{code="200"} > bool ignoring(code) %s{code="500"}' % (C, C),
          '%s{code="200"} < ignoring(code) %s{code="500"}' % (C, C),
          'sum by (job) (%s) / on(job) group_left() count by (job) (up)' % T]
    # set operators and precedence
    e += ['up and %s > 10' % T, 'up or %s' % T, '%s unless up == 0' % T,
          '%s > 0 and on(instance) up == 1' % T, '%s or on(job) up' % T,
          '%s unless ignoring(version, region) node_info' % "up", 'up and node_info',
          'up and on(instance) node_info', 'nonexistent or up', 'up unless nonexistent',
          'up and nonexistent', '%s > 10 or %s < -10 and up' % (T, T),
          'up or nonexistent and %s' % T, '%s + 1 > 10 unless up' % T,
          'sum(%s) + count(%s) * 2 ^ 2' % (T, T), '-%s' % T, '-sum(%s)' % T, '+%s' % T,
          '-%s ^ 2' % T, '(%s + 1) * 2' % T, '%s - %s - %s' % (T, T, T),
          '2 ^ 2 ^ %s / 100' % "up", '1 - up', 'sum(up) / count(up) * 100',
          'rate(%s[5m]) * 60 > 1' % C, 'avg(%s) > bool avg(%s offset 5m)' % (T, T)]
    # unusual but valid syntax
    e += ['SUM(up)', 'Sum By (job) (up)', 'up AND up', 'sum by(job)(up)', 'up{job="api",}',
          '{__name__="up"}', "up{job='api'}", 'up{job=`api`}', 'up{job="\\x61pi"}',
          'up{job="\\u0061pi"}', 'rate(%s[1h30m])' % C, 'up offset 1h30m', '0x1F', 'Inf',
          '-inf', 'nan', '1e-2', '.5e1', '+Inf > bool 0', '010 + 0.5', 'sum(up) by (job,)',
          'up # a comment\n + 1', '(((up)))', 'count(sum)', 'sum', 'offset', 'by', 'and',
          'avg_over_time((%s[5m]))' % T, 'absent((nonexistent{a="b"}))', 'topk((2), temperature_celsius)',
          'up @ 1200 offset 1m', 'up @ -60', 'rate(%s[5m] @ 1830.5 offset 1m)' % C]
    return e


def parse_errors():
    """Expressions both parsers must refuse."""
    return ['up offset 1m offset 2m', 'sum by (job) (up) by (job)', '1 < 2', 'up[5m] + 1',
            'rate(up)', 'rate(up[5m], 1)', 'round()', 'round(up, 1, 2)', 'sum(up, 1)', 'topk(up)',
            'up and 1', '1 and up', 'up + on(job) group_left 1', 'up + bool 1', 'up[0s]',
            'up[5m1h]', 'up[1.5m]', 'up offset 0', 'up[300]', '{}', '{job=""}', '{job=~".*"}',
            'up{__name__="x"}', 'foo(up)', 'sum(up,)', 'up{job="x" job="y"}', '(up)[5m]',
            'rate(up[5m])[5m]', '(up) offset 5m', 'sum(up) offset 5m', 'up offset 5m [5m]',
            'up @ 100 [5m]', 'up @ 1 @ 2', '-up[5m]', '-"a"', '"a" + 1', 'up{job=~"("}', '1_0',
            '1e', 'up +', ')', 'up )', '(up', 'up{', 'up{job}', 'up{job=}', '"unterminated',
            "'\\q'", 'up !up', 'on', 'bool', 'atan2', 'up * on(job) group_left(job) up',
            'sum without (a:b) (up)',
            'up unless on(job) group_left up', 'up @ start', 'up @ foo()', 'x{a=1}', '0x',
            'up offset']


def error_expressions():
    """Expressions both engines must refuse when evaluating."""
    T = "temperature_celsius"
    return ['{__name__=~"up|%s"} * 2' % T, '-{__name__=~"up|%s"}' % T,
            'rate({__name__=~"up|%s"}[5m])' % T, 'up + on(job) node_info',
            'http_requests_total + ignoring(code) up', 'node_info * on(job) group_left up',
            'label_replace(up, "instance", "x", "instance", ".*")', 'topk(NaN, up)',
            'topk(1e20, up)', 'abs({__name__=~"up|%s"})' % T,
            'up * on(instance) group_left node_info * on(job) group_left up',
            'up == bool on(job) group_left up unless up']


def range_checks():
    C = "http_requests_total"
    T = "temperature_celsius"
    return ['rate(%s[5m])' % C, 'sum by (job) (%s)' % T, '%s * 2' % T, 'time()',
            'absent(nonexistent)', 'topk(2, %s)' % T, 'up and %s > 10' % T,
            'rate(%s[1m] @ 1830)' % C, 'label_replace(up, "h", "$1", "instance", "(.*)")',
            'histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))', '%s @ 1200' % T,
            'scalar(up{instance="i1"}) + %s' % T, '%s offset 5m' % T, 'count_over_time(%s[2m])' % T]

# ---- promtool file --------------------------------------------------------------------

def yaml_str(s):
    return "'" + s.replace("'", "''") + "'"


def yaml_float(v):
    if v != v:
        return ".nan"
    if math.isinf(v):
        return ".inf" if v > 0 else "-.inf"
    return repr(v)


def go_duration(secs):
    ms = int(round(secs * 1000))
    h, ms = divmod(ms, 3600000)
    m, ms = divmod(ms, 60000)
    s, ms = divmod(ms, 1000)
    out = ""
    if h:
        out += "%dh" % h
    if m:
        out += "%dm" % m
    if s:
        out += "%ds" % s
    if ms:
        out += "%dms" % ms
    return out or "0s"


def label_str(metric):
    return "{" + ", ".join('%s=%s' % (k, json.dumps(metric[k])) for k in sorted(metric)) + "}"


def parse_value(s):
    return {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}.get(s, None) if s in (
        "NaN", "+Inf", "-Inf") else float(s)


def our_samples(data):
    """(labels string, value) list from our API JSON, for vector and scalar results."""
    if data["resultType"] == "scalar":
        return [("{}", parse_value(data["result"][1]))]
    return [(label_str(r["metric"]), parse_value(r["value"][1])) for r in data["result"]]


def test_file(series, cases):
    y = ["rule_files: []", "tests:", "  - interval: %ds" % INTERVAL, "    input_series:"]
    for name, labels, _, notation in series:
        y.append("      - series: %s" % yaml_str(series_desc(name, labels)))
        y.append("        values: %s" % yaml_str(notation))
    y.append("    promql_expr_test:")
    # promtool loads input samples only up to the last eval_time (rounded down to the
    # evaluation interval): a late test makes every sample visible to every query.
    y.append("      - expr: 'vector(1)'")
    y.append("        eval_time: 3h")
    y.append("        exp_samples: [{labels: '{}', value: 1}]")
    for expr, t, samples in cases:
        if not samples:
            # promtool does not check an empty exp_samples: ask for the count instead.
            expr = "count(%s) or vector(0)" % expr
            samples = [("{}", 0.0)]
        y.append("      - expr: %s" % json.dumps(expr))
        y.append("        eval_time: %s" % go_duration(t))
        y.append("        exp_samples:")
        for labels, v in samples:
            y.append("          - labels: %s" % yaml_str(labels))
            y.append("            value: %s" % yaml_float(v))
    return "\n".join(y) + "\n"

# ---- comparing promtool's verdict -------------------------------------------------------

SAMPLE_RE = re.compile(r'(\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\}) (\S+?)(?:, |$)')


def promtool_samples(text):
    text = text.strip()
    if text == "nil":
        return []
    out = []
    for m in SAMPLE_RE.finditer(text):
        v = m.group(2)
        out.append((m.group(1), float(v) if v not in ("NaN", "+Inf", "-Inf") else parse_value(v)))
    return out


def close(a, b):
    if a != a or b != b:
        return a != a and b != b
    if a == b:
        return True
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def canon(labels):
    """Promtool prints __name__ inside the braces; make both sides comparable."""
    return labels.replace(" ", "")


def same(exp, got):
    if len(exp) != len(got):
        return False
    e = sorted((canon(l), v) for l, v in exp)
    g = sorted((canon(l), v) for l, v in got)
    return all(a[0] == b[0] and close(a[1], b[1]) for a, b in zip(e, g))


FAIL_RE = re.compile(r'^\s+expr: (".*"), time: (\S+),(?: err: (.*))?$')


def parse_failures(out):
    """{(expr, time string): (exp text, got text) or ('error', msg)}."""
    fails = {}
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        m = FAIL_RE.match(lines[i])
        if not m:
            i += 1
            continue
        expr = json.loads(m.group(1))
        if m.group(3) is not None:
            fails[(expr, m.group(2))] = ("error", m.group(3))
            i += 1
            continue
        exp = lines[i + 1].split("exp:", 1)[1] if i + 1 < len(lines) and "exp:" in lines[i + 1] else ""
        got = lines[i + 2].split("got:", 1)[1] if i + 2 < len(lines) and "got:" in lines[i + 2] else ""
        fails[(expr, m.group(2))] = (exp, got)
        i += 3
    return fails

# ---- main ------------------------------------------------------------------------------

def run_ours(helper, records, queries):
    batch = "".join("%r\t%s\n" % (t, json.dumps(q)) for q, t in queries)
    r = subprocess.run([helper, "-f", records, "-b", "-"], input=batch, capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit("promql_eval failed: %s" % r.stderr)
    lines = r.stdout.splitlines()
    if len(lines) != len(queries):
        sys.exit("promql_eval printed %d lines for %d queries" % (len(lines), len(queries)))
    return lines


def check_ranges(helper, records, verbose):
    """Our range queries must equal our instant queries at every step."""
    bad = 0
    start, end, step = 600, 3000, 150
    for q in range_checks():
        r = subprocess.run([helper, "-f", records, "-s", str(start), "-e", str(end), "-r", str(step), q],
                           capture_output=True, text=True)
        data = json.loads(r.stdout)
        per_step = {}
        for s in data["result"]:
            for t, v in s["values"]:
                per_step.setdefault(t, []).append((label_str(s["metric"]), parse_value(v)))
        steps = list(range(start, end + 1, step))
        inst = run_ours(helper, records, [(q, t) for t in steps])
        for t, line in zip(steps, inst):
            exp = our_samples(json.loads(line))
            if not same(exp, per_step.get(t, [])):
                bad += 1
                print("RANGE MISMATCH %s at %s" % (q, t))
    if verbose:
        print("range queries: %d expressions, %d mismatches" % (len(range_checks()), bad))
    return bad


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    helper, promtool = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv
    rng = random.Random(20261124)
    series = make_series(rng)
    exprs = expressions()
    with tempfile.TemporaryDirectory() as tmp:
        records = os.path.join(tmp, "records.ndjson")
        with open(records, "w") as f:
            f.write(metric_records(series))
        queries = [(q, t) for q in exprs for t in EVAL_TIMES]
        lines = run_ours(helper, records, queries)
        cases, ours_failed = [], []
        for (q, t), line in zip(queries, lines):
            if line.startswith("error: "):
                ours_failed.append((q, t, line))
                continue
            data = json.loads(line)
            cases.append((q, t, our_samples(data)))
        perrs = parse_errors()
        perr_lines = run_ours(helper, records, [(q, 60) for q in perrs])
        for q, line in zip(perrs, perr_lines):
            if not line.startswith("error: parse error"):
                ours_failed.append((q, 60, "not a parse error: " + line[:200]))
        errs = error_expressions() + perrs
        err_lines = run_ours(helper, records, [(q, 1800) for q in error_expressions()])
        for q in perrs:
            cases.append((q, 1800, [("{}", -12345.0)]))
        for q, line in zip(error_expressions(), err_lines):
            if not line.startswith("error: "):
                ours_failed.append((q, 1800, "no error: " + line[:200]))
            cases.append((q, 1800, [("{}", -12345.0)]))
        path = os.path.join(tmp, "promql_test.yml")
        with open(path, "w") as f:
            f.write(test_file(series, cases))
        r = subprocess.run([promtool, "test", "rules", path], capture_output=True, text=True)
        out = r.stdout + r.stderr
        if r.returncode != 0 and "FAILED" not in out:
            print(out)
            sys.exit(2)
        fails = parse_failures(out)
        ours = {(q if s else "count(%s) or vector(0)" % q, go_duration(t)): s for q, t, s in cases}
        disagree = 0
        errors_agreed = 0
        for key, (exp, got) in sorted(fails.items()):
            if exp == "error" and key[0] in perrs and "parse error" not in got:
                disagree += 1
                print("DISAGREE %s: Prometheus parses it, then: %s" % (key[0], got))
                continue
            if exp == "error" and key[0] in errs:
                errors_agreed += 1
                if verbose:
                    print("both refuse %s: %s" % (key[0], got))
                continue
            if key[0] in errs:
                disagree += 1
                print("DISAGREE %s: Prometheus evaluates it: %s" % (key[0], got.strip()[:200]))
                continue
            if exp == "error":
                disagree += 1
                print("DISAGREE %s at %s: promtool error: %s" % (key[0], key[1], got))
                continue
            if key not in ours:
                disagree += 1
                print("DISAGREE %s at %s (unmatched)" % key)
                continue
            if verbose:
                print("tolerated %s at %s\n    ours:       %s\n    prometheus: %s" %
                      (key[0], key[1], exp.strip()[:300], got.strip()[:300]))
            if not same(promtool_samples(exp), promtool_samples(got)):
                disagree += 1
                print("DISAGREE %s at %s\n    ours:       %s\n    prometheus: %s" %
                      (key[0], key[1], exp.strip(), got.strip()))
        for q, t, line in ours_failed:
            disagree += 1
            print("OUR ERROR %s at %s: %s" % (q, go_duration(t), line))
        if r.returncode != 0 and not fails:
            print(out)
            sys.exit(2)
        range_bad = check_ranges(helper, records, verbose)
        total = len(queries) + len(errs)
        agree = total - disagree
        tolerated = len(fails) - errors_agreed - (disagree - len(ours_failed))
        print("promql-vs-promtool: %d expressions x %d times + %d error cases = %d cases; %d agree "
              "with Prometheus (%d exact, %d within 1e-9 or NaN, %d refused by both), %d disagree; "
              "range queries: %d mismatches" %
              (len(exprs), len(EVAL_TIMES), len(errs), total, agree,
               total - len(fails) - len(ours_failed), tolerated, errors_agreed, disagree, range_bad))
        return 1 if disagree or range_bad else 0


if __name__ == "__main__":
    sys.exit(main())
