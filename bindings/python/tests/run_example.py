"""Run an example against a fresh tc-mock (meson tests 'python-example*').

    run_example.py workflow|subscribe_user|async_workflow

Checks the example's output on success, then runs it once more against a
mock that makes it fail (http callbacks refused for the workflow, a closed
port for subscribe_user): it must exit non-zero and say why on stderr."""
import os
import re
import socket
import subprocess
import sys
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
name = sys.argv[1] if len(sys.argv) > 1 else "workflow"
script = os.path.join(here, "..", "examples", name + ".py")
SUCCESS = {
    "workflow": lambda out: "conduit deleted" in out and out.count("  created") == 3,
    "subscribe_user": lambda out: "the view holds 4 subscription(s) of user 1337" in out
    and out.count("created") == 4,
    "async_workflow": lambda out: "deleted 3 conduits" in out and "as expected: TC_ENOTFOUND" in out
    and out.count(" enabled") == 2,
}
# Why the failing run fails, as the example must print it.
FAILURE = {
    "workflow": re.compile(r"update_shards failed: shard 0: .*http", re.I),
    "subscribe_user": re.compile(r"subscribe_user: .*(connect|refused)", re.I),
    "async_workflow": re.compile(r"async_workflow: .*(connect|refused)", re.I),
}


def start_mock(*args):
    mock = subprocess.Popen([os.environ["TC_MOCK"], "--port", "0", *args], stdout=subprocess.PIPE, text=True)
    return mock, re.search(r"http://\S+", mock.stdout.readline()).group(0)


def run(url):
    out = subprocess.run([sys.executable, script, url], capture_output=True, text=True, timeout=60)
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)
    return out


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


ok = True
mock, url = start_mock("--allow-http-callbacks")
try:
    out = run(url)
    if out.returncode != 0 or not SUCCESS[name](out.stdout):
        print(f"not ok: {name} did not succeed (exit {out.returncode})")
        ok = False
    with urllib.request.urlopen(url + "/_mock/stats") as r:
        print(r.read().decode())
finally:
    mock.terminate()
    mock.wait(10)

if name == "workflow":
    mock, url = start_mock()   # refuses the listener's http callback
    try:
        out = run(url)
    finally:
        mock.terminate()
        mock.wait(10)
else:
    out = run(closed_port_url())
if out.returncode == 0 or not FAILURE[name].search(out.stderr):
    print(f"not ok: {name} against a failing server: exit {out.returncode}, stderr {out.stderr!r}")
    ok = False
sys.exit(0 if ok else 1)
