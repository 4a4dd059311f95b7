"""Cost of a completed request through the Python binding vs. from C, in one
run against one tc-mock: GET /eventsub/conduits, sequential blocking calls,
then `concurrency` futures in flight. The C baseline (bench_c_requests) and
the Python side run alternately ROUNDS times, and the ratio is the median of
each round's Python/C ratio: two neighbouring runs see about the same load
from elsewhere on the machine, so a burst of it cannot make either side
look better or worse.
Prints the ratio and whether the target (Python <= 1.15x C per call) is met
("NOT MET" otherwise; a miss is reported, not failed).
Env: TC_MOCK, TC_BENCH_C; args: [COUNT] [CONCURRENCY] [ROUNDS] (default 500 16 9)."""
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

import twitchconduits as tc

TARGET = 1.15
count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
conc = int(sys.argv[2]) if len(sys.argv) > 2 else 16
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 9


def c_round(url):
    out = subprocess.run([os.environ["TC_BENCH_C"], url + "/helix", url + "/oauth2", str(count), str(conc)],
                         capture_output=True, text=True, check=True).stdout
    c = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}
    return c["sequential_us"], c["concurrent_us"], int(c.get("failures", 0))


def python_round(url):
    with tc.Client(client_id="mockclientid0123456789abcdefghij", client_secret="mocksecret0123456789abcdefghijk",
                   api_base_url=url + "/helix", auth_base_url=url + "/oauth2", max_concurrency=conc,
                   flags=tc.F_NO_PACING) as client:
        for _ in range(conc):  # token + connection warm-up, as the C side does
            client.submit_request("GET", "/eventsub/conduits")
        client.run(timeout=30)
        t0 = time.perf_counter()
        for _ in range(count):
            client.request("GET", "/eventsub/conduits")
        seq_us = (time.perf_counter() - t0) * 1e6 / count

        failures = 0
        t0 = time.perf_counter()
        inflight = []
        for _ in range(count):
            inflight.append(client.submit_request("GET", "/eventsub/conduits"))
            if len(inflight) >= conc:
                while not inflight[0].done():
                    client.poll(0.1)
                failures += sum(1 for f in inflight if f.done() and f.exception() is not None)
                inflight = [f for f in inflight if not f.done()]
        client.run(timeout=60)
        failures += sum(1 for f in inflight if f.exception() is not None)
        conc_us = (time.perf_counter() - t0) * 1e6 / count
    return seq_us, conc_us, failures


mock = subprocess.Popen([os.environ["TC_MOCK"], "--port", "0"], stdout=subprocess.PIPE, text=True)
try:
    url = re.search(r"http://\S+", mock.stdout.readline()).group(0)
    req = urllib.request.Request(url + "/_mock/config", data=json.dumps({"ratelimit_limit": 1000000}).encode())
    urllib.request.urlopen(req).read()

    cs, ps = [], []
    for _ in range(rounds):
        cs.append(c_round(url))
        ps.append(python_round(url))
    failures = sum(r[2] for r in cs + ps)
    seq = statistics.median(p[0] / c[0] for c, p in zip(cs, ps))
    concurrent = statistics.median(p[1] / c[1] for c, p in zip(cs, ps))
    met = "met" if max(seq, concurrent) <= TARGET else "NOT MET"
    print(f"C:      sequential_us={statistics.median(r[0] for r in cs):.1f} "
          f"concurrent_us={statistics.median(r[1] for r in cs):.1f}  (median of {rounds} rounds)")
    print(f"Python: sequential_us={statistics.median(r[0] for r in ps):.1f} "
          f"concurrent_us={statistics.median(r[1] for r in ps):.1f}")
    print(f"ratio (Python / C, median of the rounds' ratios): sequential={seq:.2f} concurrent={concurrent:.2f}  "
          f"(count={count}, concurrency={conc}, failures={failures})  target <= {TARGET}x: {met}")
    sys.exit(1 if failures else 0)
finally:
    mock.terminate()
    mock.wait(10)
