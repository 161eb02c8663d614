#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Compare the series Prometheus scraped from obs-export serve with the metric records in the store.
#
# usage: serve-prometheus.py STORE PROMETHEUS_URL JOB INSTANCE
#
# What the store's records should expose, computed here independently: counter
# deltas summed, cumulative counters and gauges at their latest value,
# histogram observations as cumulative buckets over Prometheus's default
# bounds plus _sum and _count. Every series of job JOB in Prometheus (less up
# and scrape_*) must be one of those, with the same value and instance
# INSTANCE, and every expected series must be there. Prints the differences;
# exit 0 when there are none, 1 otherwise.
import glob
import json
import math
import sys
import urllib.parse
import urllib.request

BOUNDS = [.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10]


def expected(store):
    sums, latest, hist = {}, {}, {}
    for path in sorted(glob.glob(f"{store}/metrics/*.ndjson")):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                labels = tuple(sorted(r.get("labels", {}).items()))
                key = (r["name"], labels)
                t, v = r["time"], float(r["value"])
                if r["metric_type"] == "counter" and not r.get("cumulative"):
                    sums[key] = sums.get(key, 0.0) + v
                elif r["metric_type"] == "histogram" and not r.get("cumulative"):
                    hist.setdefault(key, []).append(v)
                elif key not in latest or t >= latest[key][0]:
                    latest[key] = (t, v)
    want = dict(sums)
    want.update({k: v for k, (_, v) in latest.items()})
    for (name, labels), obs in hist.items():
        for b in BOUNDS + [math.inf]:
            le = "+Inf" if math.isinf(b) else ("%g" % b)
            want[(name + "_bucket", tuple(sorted(labels + (("le", le),))))] = float(
                sum(1 for o in obs if o <= b))
        want[(name + "_sum", labels)] = sum(obs)
        want[(name + "_count", labels)] = float(len(obs))
    return want


def scraped(prom, job, instance, problems):
    q = urllib.parse.urlencode({"query": '{job="%s"}' % job})
    with urllib.request.urlopen(f"{prom}/api/v1/query?{q}", timeout=10) as resp:
        data = json.load(resp)
    got = {}
    for s in data["data"]["result"]:
        m = dict(s["metric"])
        name = m.pop("__name__")
        if name == "up" or name.startswith("scrape_"):
            continue
        if m.pop("instance", None) != instance:
            problems.append(f"{name}: instance is not {instance}")
        m.pop("job", None)
        got[(name, tuple(sorted(m.items())))] = float(s["value"][1])
    return got


def show(key):
    name, labels = key
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"


def main():
    store, prom, job, instance = sys.argv[1:5]
    problems = []
    want = expected(store)
    got = scraped(prom, job, instance, problems)
    for k in sorted(set(want) | set(got)):
        if k not in got:
            problems.append(f"{show(k)}: in the store ({want[k]:g}), not in Prometheus")
        elif k not in want:
            problems.append(f"{show(k)}: in Prometheus ({got[k]:g}), not in the store")
        elif not (got[k] == want[k] or abs(got[k] - want[k]) <= 1e-9 * abs(want[k])):
            problems.append(f"{show(k)}: Prometheus has {got[k]!r}, the store {want[k]!r}")
    for p in problems:
        print(p)
    print(f"{len(want)} series expected, {len(got)} scraped, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
