#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Write about MB megabytes of log lines in one format, as real programs write them:
#   gen-logs.py --format json|logfmt|syslog|access|journald --mb 100 --out FILE
# json is zap-style (level, ts as Unix seconds, caller, msg, service, trace
# ids, request fields), logfmt Go kit / logrus style, syslog RFC 3164 as
# rsyslog writes /var/log/syslog, access nginx "combined", journald the
# output of journalctl -o json. A fixed seed: the same file every time.
import argparse
import json
import random
import time

LEVELS = ["info"] * 7 + ["debug"] * 2 + ["warn", "error"]
SERVICES = ["api", "billing", "auth", "search", "worker"]
PATHS = ["/v1/users", "/v1/orders/42", "/health", "/v2/search?q=shoes&page=2", "/login",
         "/static/app.3f9a.js", "/v1/cart/items"]
MSGS = ["request completed", "cache miss", "user logged in", "payment declined",
        "retrying upstream call", "slow query", "connection reset by peer",
        "token refreshed", "job queued", "rate limit exceeded for client"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
          "curl/8.4.0", "Go-http-client/1.1",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
T0 = 1764000000.0


def line(fmt, i, r):
    t = T0 + i * 0.013
    lv = r.choice(LEVELS)
    svc = r.choice(SERVICES)
    tid = "%032x" % r.getrandbits(128)
    sid = "%016x" % r.getrandbits(64)
    msg = r.choice(MSGS)
    if fmt == "json":
        return json.dumps({"level": lv, "ts": round(t, 3),
                           "caller": "server/handler.go:%d" % r.randint(10, 400),
                           "msg": msg, "service": svc, "trace_id": tid, "span_id": sid,
                           "method": r.choice(["GET", "POST"]), "path": r.choice(PATHS),
                           "status": r.choice([200, 200, 200, 404, 500]),
                           "duration_ms": round(r.random() * 300, 3),
                           "user_id": r.randint(1, 100000)}, separators=(",", ":"))
    g = time.gmtime(t)
    if fmt == "logfmt":
        return ('time=%s.%03dZ level=%s service=%s msg="%s" method=%s path=%s status=%d '
                'duration=%.3fms user_id=%d trace_id=%s span_id=%s'
                % (time.strftime("%Y-%m-%dT%H:%M:%S", g), int(t * 1000) % 1000, lv, svc, msg,
                   r.choice(["GET", "POST"]), r.choice(PATHS), r.choice([200, 404, 500]),
                   r.random() * 300, r.randint(1, 100000), tid, sid))
    if fmt == "syslog":
        return "%s %2d %s web-%d %s[%d]: %s user=%d took=%dms" % (
            MONTHS[g.tm_mon - 1], g.tm_mday, time.strftime("%H:%M:%S", g), r.randint(1, 4),
            svc, r.randint(100, 9999), msg, r.randint(1, 100000), r.randint(1, 900))
    if fmt == "access":
        return '%d.%d.%d.%d - - [%s +0000] "%s %s HTTP/1.1" %d %d "-" "%s"' % (
            r.randint(1, 223), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254),
            time.strftime("%d/%b/%Y:%H:%M:%S", g), r.choice(["GET", "POST"]), r.choice(PATHS),
            r.choice([200, 200, 304, 404, 500]), r.randint(0, 50000), r.choice(AGENTS))
    if fmt == "journald":
        return json.dumps({"__CURSOR": "s=%s;i=%x" % (sid, i),
                           "__REALTIME_TIMESTAMP": str(int(t * 1e6)),
                           "__MONOTONIC_TIMESTAMP": str(int(i * 13000)),
                           "_BOOT_ID": tid, "PRIORITY": str(r.choice([6, 6, 6, 4, 3])),
                           "_PID": str(r.randint(100, 9999)), "_COMM": svc,
                           "SYSLOG_IDENTIFIER": svc, "_HOSTNAME": "web-1",
                           "MESSAGE": msg}, separators=(",", ":"))
    raise SystemExit("unknown format " + fmt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--format", required=True)
    ap.add_argument("--mb", type=float, default=100)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    r = random.Random(1)
    limit = int(a.mb * 1048576)
    size = i = 0
    with open(a.out, "w") as f:
        while size < limit:
            s = line(a.format, i, r) + "\n"
            f.write(s)
            size += len(s)
            i += 1
    print(i)


if __name__ == "__main__":
    main()
