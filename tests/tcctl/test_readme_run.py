#!/usr/bin/env python3
"""Runs every block of README.md (and of each --readme FILE) marked
<!-- check: run --> as written, and compares each block marked
<!-- check: shape NAME --> with the real thing captured from a running mock
(tests/tools/test_readme.py checks that every block has a rule):

- a ```sh block by `bash -e -o pipefail`, in a directory laid out like a
  checkout (the source tree's entries, and `build` = this build tree), with
  tcctl and tc-mock on PATH as after `meson install`; it must exit 0;
- a ```python block by python3, with the in-tree binding on PYTHONPATH and
  the environment lines `tcctl mock` prints exported, as the README says;
  skipped when the Python binding is not built.

The one change made to a block: the ports 8080, 8081 and 6379 become free
ports, so that blocks can run beside anything. Whatever a block leaves
running is killed with its process group.

Shapes (test_readme.SHAPES) come from one tc-mock with
--allow-http-callbacks and a local webhook listener: a conduit whose shard 0
is verified through the listener, a stream.online subscription, a delivery
with "wait":true, the same subscription created again. A header block is
compared with the request's headers but those HTTP itself adds
(TRANSPORT_HEADERS); a block shows only the parts it compares.

usage: test_readme_run.py [--readme FILE]... SOURCE_ROOT BUILD_ROOT TCCTL [PYTHONPATH]   (TAP)"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from test_readme import SHAPES, read_blocks, shape_differences  # noqa: E402

PORTS = ("8080", "8081", "6379")
BLOCK_TIMEOUT_S = 60
# The interpreter bindings/python/meson.build builds the extension for.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [str(s.getsockname()[1]) for s in socks]
    for s in socks:
        s.close()
    return ports


def with_free_ports(body):
    for old, new in zip(PORTS, free_ports(len(PORTS))):
        body = re.sub(r"\b%s\b" % old, new, body)
    return body


def clean_env(tcctl, tc_mock_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWITCH_")}
    env["PATH"] = os.pathsep.join([os.path.dirname(tcctl), tc_mock_dir, env.get("PATH", "")])
    return env


def checkout_view(source, build):
    """A scratch directory where ./scripts, examples/... are the source
    tree's and build/ is this build tree."""
    work = tempfile.mkdtemp(prefix="tc-readme-")
    for name in os.listdir(source):
        if name != "build":
            os.symlink(os.path.join(source, name), os.path.join(work, name))
    os.symlink(os.path.abspath(build), os.path.join(work, "build"))
    return work


def run_group(argv, env, cwd, stdin_text=None):
    """Runs argv in its own session (no terminal: nothing can prompt), then
    kills whatever it left behind. (returncode or None on timeout, output)."""
    with tempfile.TemporaryFile("w+") as log:
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
        try:
            p.communicate(stdin_text, timeout=BLOCK_TIMEOUT_S)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        p.wait()
        log.seek(0)
        return rc, log.read()


def mock_environment(tcctl, env, cwd):
    """Starts `tcctl mock --port 0` and reads the export lines it prints."""
    p = subprocess.Popen([tcctl, "mock", "--port", "0"], env=env, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    exports = {}
    deadline = time.monotonic() + 30
    while "TWITCH_CLIENT_SECRET" not in exports and time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        m = re.match(r"export (\w+)=(\S+)$", line.strip())
        if m:
            exports[m.group(1)] = m.group(2)
    return p, exports


TRANSPORT_HEADERS = {"host", "accept", "accept-encoding", "content-length", "user-agent", "expect", "connection"}
MOCK_ID = "mockclientid0123456789abcdefghij"
MOCK_SECRET = "mocksecret0123456789abcdefghijk"
CAPTURE_TIMEOUT_S = 15


class WebhookListener(BaseHTTPRequestHandler):
    """Records each POST (headers, JSON body); answers a challenge with it."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        message = json.loads(body)
        self.server.received.append(({k for k in self.headers.keys() if k.lower() not in TRANSPORT_HEADERS},
                                     self.headers.get("Twitch-Eventsub-Message-Type"), message))
        answer = message.get("challenge", "").encode()
        self.send_response(200 if answer else 204)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        with self.server.arrived:
            self.server.arrived.notify_all()

    def log_message(self, *args):
        pass


def http_json(method, url, body=None, headers=None):
    """(status, decoded JSON answer or None)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=CAPTURE_TIMEOUT_S) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return status, json.loads(text) if text.strip() else None


def wait_for(server, message_type):
    deadline = time.monotonic() + CAPTURE_TIMEOUT_S
    with server.arrived:
        while True:
            for headers, kind, body in server.received:
                if kind == message_type:
                    return headers, body
            if time.monotonic() > deadline:
                raise RuntimeError("no %s reached the listener in %d s" % (message_type, CAPTURE_TIMEOUT_S))
            server.arrived.wait(0.5)


def capture_shapes(tc_mock):
    """{shape name: (header names, JSON value)} from a real mock."""
    errors = tempfile.TemporaryFile("w+")
    mock = subprocess.Popen([tc_mock, "--port", "0", "--allow-http-callbacks"], stdout=subprocess.PIPE,
                            stderr=errors, text=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), WebhookListener)
    server.received, server.arrived = [], threading.Condition()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        m = re.search(r"listening on (http://\S+)", mock.stdout.readline())
        if not m:
            raise RuntimeError("tc-mock did not print its URL")
        base = m.group(1)
        _, token = http_json("POST", base + "/oauth2/token?client_id=%s&client_secret=%s&grant_type=client_credentials"
                             % (MOCK_ID, MOCK_SECRET))
        auth = {"Authorization": "Bearer " + token["access_token"], "Client-Id": MOCK_ID,
                "Content-Type": "application/json"}
        _, conduit = http_json("POST", base + "/helix/eventsub/conduits", {"shard_count": 1}, auth)
        conduit_id = conduit["data"][0]["id"]
        callback = "http://127.0.0.1:%d/eventsub" % server.server_address[1]
        http_json("PATCH", base + "/helix/eventsub/conduits/shards", {"conduit_id": conduit_id, "shards": [
            {"id": "0", "transport": {"method": "webhook", "callback": callback, "secret": "a-readme-secret"}}]}, auth)
        shapes = {"webhook-verification": wait_for(server, "webhook_callback_verification")}
        sub = {"type": "stream.online", "version": "1", "condition": {"broadcaster_user_id": "1337"},
               "transport": {"method": "conduit", "conduit_id": conduit_id}}
        status, created = http_json("POST", base + "/helix/eventsub/subscriptions", sub, auth)
        status, report = http_json("POST", base + "/_mock/deliver",
                                   {"subscription_id": created["data"][0]["id"], "wait": True})
        if status != 200 or not report.get("delivered"):
            raise RuntimeError("the delivery was not delivered: %s %s" % (status, report))
        shapes["deliver-report"] = (None, report)
        shapes["webhook-notification"] = wait_for(server, "notification")
        status, conflict = http_json("POST", base + "/helix/eventsub/subscriptions", sub, auth)
        if status != 409:
            raise RuntimeError("a duplicate subscription got %s, not 409" % status)
        shapes["conflict-409"] = (None, conflict)
        missing = set(SHAPES) - set(shapes)
        if missing:
            raise RuntimeError("not captured: " + ", ".join(sorted(missing)))
    finally:
        server.shutdown()
        server.server_close()
        mock.terminate()
        try:
            rc = mock.wait(10)
        except subprocess.TimeoutExpired:
            mock.kill()
            rc = mock.wait()
        errors.seek(0)
        stderr = errors.read()
        errors.close()
    if rc != 0:  # tc-mock stops cleanly on SIGTERM; anything else is a crash or a sanitizer's report
        raise RuntimeError("tc-mock exited %d on SIGTERM:\n%s" % (rc, tail(stderr)))
    return shapes


def tail(text, n=30):
    return "\n".join("# " + l for l in text.splitlines()[-n:])


def main():
    args, readmes = sys.argv[1:], []
    while len(args) > 1 and args[0] == "--readme":
        readmes.append(args[1])
        args = args[2:]
    source, build, tcctl = (os.path.abspath(a) for a in args[0:3])
    pythonpath = args[3] if len(args) > 3 else ""
    blocks, shapes = [], []
    for readme in readmes or ["README.md"]:
        with open(os.path.join(source, readme), encoding="utf-8") as f:
            for line, lang, body, rule in read_blocks(f.read()):
                if rule and rule[0] == "run":
                    blocks.append((readme, line, lang, body))
                elif rule and rule[0] == "shape":
                    shapes.append((readme, line, body, rule[1:]))
    print("1..%d" % (len(blocks) + len(shapes) + 1))
    print("%s 1 - the READMEs have blocks to run or compare (%d)"
          % ("ok" if blocks or shapes else "not ok", len(blocks) + len(shapes)))
    failed = not blocks and not shapes
    n = 1
    if shapes:
        tc_mock = os.path.join(build, "tools", "mock", "tc-mock")
        try:
            real, error = capture_shapes(tc_mock), None
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as e:
            real, error = {}, "%s: %s" % (type(e).__name__, e)
        for readme, line, body, rule in shapes:
            n += 1
            name = rule[0] if len(rule) == 1 else ""
            what = "the shape block at %s:%d is the real %s" % (readme, line, name or "(no name)")
            problems = ["capture failed: %s" % error] if error else \
                ["%s is not a known shape" % name] if name not in real else shape_differences(body, *real[name])
            failed |= bool(problems)
            print("%s %d - %s" % ("not ok" if problems else "ok", n, what))
            for p in problems:
                print("# FAIL: %s:%d shape %s: %s" % (readme, line, name, p))
    for readme, line, lang, body in blocks:
        n += 1
        what = "the ```%s block at %s:%d runs as written" % (lang, readme, line)
        work = checkout_view(source, build)
        env = clean_env(tcctl, os.path.join(build, "tools", "mock"))
        started = time.monotonic()
        try:
            missing = [p for p in ("redis-server", "curl") if re.search(r"\b%s\b" % p, body) and not shutil.which(p)]
            if missing:
                print("ok %d - %s # SKIP %s is not installed (scripts/install-deps.sh installs it)"
                      % (n, what, missing[0]))
                continue
            if lang == "python":
                if not pythonpath:
                    print("ok %d - %s # SKIP the Python binding is not built" % (n, what))
                    continue
                mock, exports = mock_environment(tcctl, env, work)
                try:
                    env.update(exports)
                    env["PYTHONPATH"] = pythonpath
                    env["PYTHONDONTWRITEBYTECODE"] = "1"
                    rc, out = run_group([PYTHON, "-"], env, work, body)
                finally:
                    mock.terminate()
                    try:
                        mock.wait(10)
                    except subprocess.TimeoutExpired:
                        mock.kill()
                        mock.wait()
            else:
                rc, out = run_group(["bash", "-e", "-o", "pipefail", "-c", with_free_ports(body)], env, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        took = time.monotonic() - started
        if rc != 0 and "installing:" in out and ("need root" in out or "sudo" in out):
            print("ok %d - %s # SKIP scripts/install-deps.sh wants packages installed: run it once first" % (n, what))
            continue
        ok = rc == 0
        failed |= not ok
        print("%s %d - %s (%.1f s)" % ("ok" if ok else "not ok", n, what, took))
        if not ok:
            print("# exit %s%s" % (rc, " (timed out after %d s)" % BLOCK_TIMEOUT_S if rc is None else ""))
            print("# block:\n" + tail(body, 40))
            print("# output:\n" + tail(out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
