"""Cost of a completed request through the Python binding vs. from C, in one
run against one tc-mock: GET /eventsub/conduits, sequential blocking calls,
then `concurrency` futures in flight. Env: TC_MOCK, TC_BENCH_C; args:
[COUNT] [CONCURRENCY] (default 2000 16)."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import twitchconduits as tc

count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
conc = int(sys.argv[2]) if len(sys.argv) > 2 else 16
mock = subprocess.Popen([os.environ["TC_MOCK"], "--port", "0"], stdout=subprocess.PIPE, text=True)
try:
    url = re.search(r"http://\S+", mock.stdout.readline()).group(0)
    req = urllib.request.Request(url + "/_mock/config", data=json.dumps({"ratelimit_limit": 1000000}).encode())
    urllib.request.urlopen(req).read()

    out = subprocess.run([os.environ["TC_BENCH_C"], url + "/helix", url + "/oauth2", str(count), str(conc)],
                         capture_output=True, text=True, check=True).stdout
    c = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}

    with tc.Client(client_id="mockclientid0123456789abcdefghij", client_secret="mocksecret0123456789abcdefghijk",
                   api_base_url=url + "/helix", auth_base_url=url + "/oauth2", max_concurrency=conc) as client:
        client.request("GET", "/eventsub/conduits")  # token + connection warm-up, as the C side does
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

    print(f"C:      sequential_us={c['sequential_us']:.1f} concurrent_us={c['concurrent_us']:.1f} "
          f"failures={int(c.get('failures', 0))}")
    print(f"Python: sequential_us={seq_us:.1f} concurrent_us={conc_us:.1f} failures={failures}")
    print(f"ratio (Python / C): sequential={seq_us / c['sequential_us']:.2f} "
          f"concurrent={conc_us / c['concurrent_us']:.2f}  (count={count}, concurrency={conc})")
    sys.exit(1 if failures or c.get("failures", 0) else 0)
finally:
    mock.terminate()
    mock.wait(10)
