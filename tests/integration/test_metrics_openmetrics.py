#!/usr/bin/env python3
"""Parses what tc_metrics_render produced in test_metrics with the OpenMetrics
parser of python3-prometheus-client (strict about the format: types, HELP,
suffixes, label escaping, "# EOF"), and checks the values the test caused.

Usage: test_metrics_openmetrics.py PATH/TO/test_metrics
Prints TAP."""
import os
import subprocess
import sys
import tempfile

from prometheus_client.openmetrics.parser import text_string_to_metric_families

checks = []


def check(ok, what):
    checks.append((bool(ok), what))


def main():
    program = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "metrics.txt")
        env = dict(os.environ, TC_METRICS_DUMP=dump, CMOCKA_MESSAGE_OUTPUT="TAP")
        run = subprocess.run([program], env=env, capture_output=True, text=True, timeout=120)
        check(run.returncode == 0, "test_metrics ran green (exit %d)" % run.returncode)
        if run.returncode != 0:
            sys.stderr.write(run.stdout + run.stderr)
        with open(dump) as f:
            text = f.read()
    # The test appends its conduit id and listener URL as comments after
    # "# EOF"; the exposition is what precedes them.
    exposition, _, trailer = text.partition("# EOF\n")
    exposition += "# EOF\n"
    facts = dict(line[2:].split(" ", 1) for line in trailer.splitlines())
    conduit, listener = facts["conduit"], facts["listener"]

    families = {f.name: f for f in text_string_to_metric_families(exposition)}
    check(True, "the OpenMetrics parser accepted the whole exposition")

    def value(family, suffix="", **labels):
        for s in families[family].samples:
            if s.name == family + suffix and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
        return None

    check(families["twitchconduits_build"].type == "info", "build is an info metric")
    check(families["twitchconduits_http_requests"].type == "counter", "http_requests is a counter")
    check((value("twitchconduits_http_requests", "_total") or 0) >= 1, "the manager sent requests")
    check(families["twitchconduits_pending_operations"].type == "gauge", "pending_operations is a gauge")
    check(value("twitchconduits_runner_events", "_total", conduit_id=conduit) == 2,
          "the runner delivered the 2 events")
    state = families["twitchconduits_runner_shard_state"]
    check(state.type == "stateset", "shard state is a stateset")
    on = [s.labels["twitchconduits_runner_shard_state"] for s in state.samples
          if s.labels.get("shard_id") == "0" and s.value == 1]
    check(on == ["enabled"], "shard 0 is enabled and only enabled (got %r)" % on)
    check(value("twitchconduits_runner_shard_events", "_total", conduit_id=conduit, shard_id="0") == 2,
          "shard 0 received the 2 events")
    check(value("twitchconduits_listener_not_found", "_total", listener=listener) == 1,
          "the listener counted the unknown route")
    check(value("twitchconduits_listener_requests", "_total", listener=listener) == 1,
          "the listener counted one request")
    check("secret" not in exposition.lower(), "no secret in the exposition")

    print("1..%d" % len(checks))
    for i, (ok, what) in enumerate(checks, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
