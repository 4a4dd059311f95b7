"""Cost of a completed request through the Python binding vs. from C, in one
run against one tc-mock: GET /eventsub/conduits, sequential blocking calls,
then `concurrency` futures in flight. The C baseline (bench_c_requests) and
the Python side run alternately ROUNDS times; each side's best round counts,
so a burst of load from elsewhere on the machine hits neither alone.
Prints the ratio and whether the target (Python <= 1.15x C per call) is met
("NOT MET" otherwise; a miss is reported, not failed).
Env: TC_MOCK, TC_BENCH_C; args: [COUNT] [CONCURRENCY] [ROUNDS] (default 1000 16 7)."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import twitchconduits as tc

TARGET = 1.15
count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
conc = int(sys.argv[2]) if len(sys.argv) > 2 else 16
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7


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
    c_seq, c_conc = min(r[0] for r in cs), min(r[1] for r in cs)
    p_seq, p_conc = min(r[0] for r in ps), min(r[1] for r in ps)
    failures = sum(r[2] for r in cs + ps)
    seq, concurrent = p_seq / c_seq, p_conc / c_conc
    met = "met" if max(seq, concurrent) <= TARGET else "NOT MET"
    print(f"C:      sequential_us={c_seq:.1f} concurrent_us={c_conc:.1f}")
    print(f"Python: sequential_us={p_seq:.1f} concurrent_us={p_conc:.1f}  (best of {rounds} rounds each)")
    print(f"ratio (Python / C): sequential={seq:.2f} concurrent={concurrent:.2f}  "
          f"(count={count}, concurrency={conc}, failures={failures})  target <= {TARGET}x: {met}")
    sys.exit(1 if failures else 0)
finally:
    mock.terminate()
    mock.wait(10)
