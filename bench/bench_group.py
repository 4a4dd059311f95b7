#!/usr/bin/env python3
"""Runner groups: takeover time and moved-shard counts.

usage: bench_group.py PATH/TO/tcctl PATH/TO/tc-mock PATH/TO/redis-server [--quick]

Workers are `tcctl shards run --group` processes on one conduit (24 shards,
quick: 12) against tc-mock and a private redis-server, lease TTL 1500 ms.
Measured, each several times:
  - kill -9 of a worker: seconds until every shard is enabled again on a live
    owner (the mock's assignment == the Redis owner), and how many shards moved;
  - SIGTERM of a worker (leases released);
  - a worker joining: shards moved vs the ideal shards/workers.
Baseline, measured in the same run: one group-less `tcctl shards run` of the
same conduit from start to every shard enabled (the cost of connecting and
assigning alone). Printed: each time, and the ratio takeover / (lease TTL +
one round + baseline), i.e. how close takeover is to its floor.
Uses the helpers of tests/tcctl/test_tcctl_group.py.
"""
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import shutil
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("group_test", os.path.join(HERE, "..", "tests", "tcctl",
                                                                          "test_tcctl_group.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    if len(args) < 3 or not os.access(args[2], os.X_OK):
        print("usage: bench_group.py TCCTL TC_MOCK REDIS_SERVER [--quick] (redis-server missing: skipped)")
        return 77
    g.TCCTL, g.TC_MOCK, g.REDIS = (os.path.abspath(a) for a in args[:3])
    g.SHARDS = 12 if quick else 24
    runs = 2 if quick else 5
    g.check = lambda ok, desc, diag=None: bool(ok)  # the bench reports numbers, not TAP
    tmp = tempfile.mkdtemp(prefix="tc-bench-group-")
    redis, mock = g.Redis(tmp), g.Mock()
    workers = []
    try:
        if not redis.start() or not mock.url:
            print("cannot start redis-server or tc-mock")
            return 1
        rc, out, _ = g.tcctl(mock, "--json", "conduits", "create", str(g.SHARDS))
        conduit = json.loads(out)["conduit"]["id"]

        # Baseline: one plain runner, start to every shard enabled.
        base = []
        for _ in range(runs):
            t0 = time.monotonic()
            p = subprocess.Popen([g.TCCTL, "--json", "--api-base", mock.url + "/helix", "--auth-base",
                                  mock.url + "/oauth2", "--client-id", g.CLIENT_ID, "--client-secret", g.CLIENT_SECRET,
                                  "--ws-url", mock.url.replace("http://", "ws://") + "/ws", "shards", "run", conduit],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=g.clean_env())
            enabled = set()
            for raw in p.stdout:
                d = json.loads(raw)
                if d.get("kind") == "shard" and d.get("status") == "enabled":
                    enabled.add(d["shard_id"])
                if len(enabled) == g.SHARDS:
                    break
            base.append(time.monotonic() - t0)
            p.terminate()
            p.wait()
        baseline = statistics.median(base)
        floor = (g.LEASE_MS + g.ROUND_MS) / 1000.0 + baseline
        print("baseline: one runner enables %d shards in %.3f s (median of %d)" % (g.SHARDS, baseline, runs))

        group = g.Group(mock, redis, conduit)
        for k in range(4):
            group.start("b%d" % k)
        ok, detail = group.wait_consistent(30)
        if not ok:
            print("the group never settled: " + detail)
            return 1
        kills, terms, joins = [], [], []
        n = 4
        for r in range(runs):
            for how, sink in (("kill", kills), ("term", terms)):
                owners = group.owners()
                victim = sorted(group.live)[r % len(group.live)]
                moved = sum(1 for o, _ in owners.values() if o == victim)
                w = group.workers[victim]
                t0 = time.monotonic()
                if how == "kill":
                    w.proc.kill()
                else:
                    w.proc.terminate()
                w.proc.wait()
                group.live.discard(victim)
                ok, detail = group.wait_consistent(30)
                took = time.monotonic() - t0
                if not ok:
                    print("%s: never settled: %s" % (how, detail))
                    return 1
                sink.append((took, moved))
                # a new worker joins: shards moved vs the ideal
                before = {s: o for s, (o, _) in group.owners().items()}
                wid = "b%d" % n
                n += 1
                t0 = time.monotonic()
                group.start(wid)
                ok = g.wait_until(lambda: g.balanced(group), 30, step=0.1)
                took_join = time.monotonic() - t0
                if not ok:
                    print("join: the shards never reached their rendezvous owners")
                    return 1
                after = {s: o for s, (o, _) in group.owners().items()}
                joins.append((took_join, sum(1 for s in after if after[s] != before.get(s)),
                              g.SHARDS / len(group.live)))

        def show(name, rows):
            times = [t for t, _ in rows]
            print("%-22s median %.3f s  min %.3f  max %.3f  moved shards per event %s  ratio to floor %.2f"
                  % (name, statistics.median(times), min(times), max(times), [m for _, m in rows],
                     statistics.median(times) / floor))
        print("lease TTL %d ms, round %d ms, floor = TTL + round + baseline = %.3f s"
              % (g.LEASE_MS, g.ROUND_MS, floor))
        show("takeover after kill -9", kills)
        show("takeover after SIGTERM", terms)
        print("%-22s median %.3f s  moved %s  ideal %s" % ("join (to balance)", statistics.median(t for t, _, _ in joins),
                                                             [m for _, m, _ in joins],
                                                             ["%.1f" % i for _, _, i in joins]))
        workers = list(group.workers.values())
    finally:
        for w in workers:
            if w.alive():
                w.proc.terminate()
                w.proc.wait()
        mock.stop()
        redis.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
