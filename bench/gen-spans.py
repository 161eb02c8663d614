#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Write a store of N realistic span records (about 400 bytes each) for benchmarks.
"""gen-spans.py --spans N --days D --out STORE_ROOT [--seed S] [--error-rate R]

Writes STORE_ROOT/spans/YYYY-MM-DD.ndjson, one segment per UTC day, in
the canonical record form obs-trace writes: traces of 1 root and 2-12
children over a dozen services, 1% errors by default, command and HTTP
attributes. Prints one line per trace id it chose as "probe" (a trace in
the middle of the data, for show benchmarks) on stdout.
"""
import argparse
import os
import random

SERVICES = ["ci", "build", "test", "deploy", "api", "db", "cache", "auth",
            "billing", "search", "worker", "cron"]
COMMANDS = ["make all", "make test", "cc -O2 -c main.c", "go build ./...",
            "npm ci", "pytest -q", "rsync -a dist/ web:/srv", "pg_dump app",
            "docker build -t app .", "terraform apply -auto-approve",
            "curl -fsS https://example.com/health", "tar czf backup.tgz data"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
HOSTS = ["build-%02d" % i for i in range(1, 17)]

DAY_NS = 86400 * 10**9


def civil(days):
    """Days since 1970-01-01 to (y, m, d), proleptic Gregorian."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d)


def rfc3339(ns):
    days, rem = divmod(ns, DAY_NS)
    y, m, d = civil(days)
    sec, frac = divmod(rem, 10**9)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (
        y, m, d, sec // 3600, sec // 60 % 60, sec % 60, frac)


def ms(ns):
    whole, frac = divmod(ns, 10**6)
    if not frac:
        return str(whole)
    return ("%d.%06d" % (whole, frac)).rstrip("0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, required=True)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--error-rate", type=float, default=0.01)
    ap.add_argument("--start", default="2026-11-20", help="first day (UTC)")
    ap.add_argument("--probe-spans", type=int, default=0,
                    help="make the probe trace this big (a random tree)")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    y, m, d = (int(x) for x in a.start.split("-"))
    # days_from_civil, inverse of civil()
    yy = y - (m <= 2)
    era = (yy if yy >= 0 else yy - 399) // 400
    yoe = yy - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    t0 = (era * 146097 + doe - 719468) * DAY_NS

    spandir = os.path.join(a.out, "spans")
    os.makedirs(spandir, mode=0o700, exist_ok=True)
    span_step = a.days * DAY_NS // max(a.spans, 1)   # average start spacing
    files = {}
    bufs = {}

    def emit(start_ns, line):
        day = rfc3339(start_ns)[:10]
        b = bufs.setdefault(day, [])
        b.append(line)
        if len(b) >= 4096:
            flush(day)

    def flush(day):
        f = files.get(day)
        if f is None:
            f = files[day] = open(os.path.join(spandir, day + ".ndjson"), "a")
        f.write("\n".join(bufs[day]) + "\n")
        bufs[day] = []

    written = 0
    now = t0
    probe = None
    while written < a.spans:
        n = min(rnd.randint(3, 13), a.spans - written)
        trace = "%032x" % rnd.getrandbits(128)
        big = probe is None and written >= a.spans // 2
        if big:
            probe = trace
            n = max(n, min(a.probe_spans, a.spans - written))
        host = rnd.choice(HOSTS)
        root_id = "%016x" % rnd.getrandbits(64)
        root_start = now
        if big and n > 13:
            # A random tree: each span nests inside an earlier one.
            root_end = root_start + 60 * 10**9
            spans = [(root_id, None, root_start, root_end)]
            for _ in range(n - 1):
                pid, _, ps, pe = spans[rnd.randrange(len(spans))]
                s0 = rnd.randint(ps, max(ps, pe - 1000))
                e0 = rnd.randint(s0, min(pe, s0 + (pe - ps) // 2 + 1000))
                spans.append(("%016x" % rnd.getrandbits(64), pid, s0, e0))
            spans.sort(key=lambda x: x[3])    # written as they end, like exec does
        else:
            cursor = root_start + rnd.randint(100_000, 5_000_000)
            children = []
            for _ in range(n - 1):
                dur = rnd.randint(200_000, 900_000_000)
                children.append((cursor, cursor + dur))
                cursor += dur + rnd.randint(10_000, 2_000_000)
            root_end = cursor + rnd.randint(100_000, 3_000_000)
            spans = [(root_id, None, root_start, root_end)]
            spans += [("%016x" % rnd.getrandbits(64), root_id, s, e) for s, e in children]
        for sid, parent, s, e in spans:
            svc = rnd.choice(SERVICES)
            err = rnd.random() < a.error_rate
            cmd = rnd.choice(COMMANDS)
            code = rnd.randint(1, 2) if err else 0
            method = rnd.choice(METHODS)
            http = (500 if err else rnd.choice((200, 200, 200, 201, 204, 304)))
            if rnd.random() < 0.5:
                attrs = ('"process.command_line":"%s","process.exit.code":%d' % (cmd, code))
            else:
                attrs = ('"http.request.method":"%s","http.response.status_code":%d'
                         % (method, http))
            line = ('{"type":"span","trace_id":"%s","span_id":"%s",%s"name":"%s","service":"%s",'
                    '"kind":"%s","start":"%s","end":"%s","duration_ms":%s,"status":"%s",%s'
                    '"attributes":{%s},"events":[],'
                    '"resource":{"service.name":"%s","host.name":"%s"}}') % (
                trace, sid,
                '"parent_span_id":"%s",' % parent if parent else "",
                cmd if parent else "pipeline", svc,
                "server" if parent is None else "internal",
                rfc3339(s), rfc3339(e), ms(e - s),
                "error" if err else "ok",
                '"status_message":"exit status %d",' % code if err else "",
                attrs, svc, host)
            emit(s, line)
        written += n
        now += span_step * n
    for day in list(bufs):
        if bufs[day]:
            flush(day)
    for f in files.values():
        f.close()
    print(probe or "")


if __name__ == "__main__":
    main()
