"""Fixtures: one real tc-mock per session (reset before every test), a
client on it, and a WSGI webhook server on 127.0.0.1."""
import json
import os
import re
import subprocess
import threading
import time
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

import twitchconduits as tc

CLIENT_ID = "mockclientid0123456789abcdefghij"
CLIENT_SECRET = "mocksecret0123456789abcdefghijk"
SECRET = "s3cr3t-for-tests-0123"


def wait_until(pred, timeout=10.0, what="condition"):
    """Wait for pred() to be true, checking every 20 ms; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Mock:
    def __init__(self, exe):
        self.proc = subprocess.Popen([exe, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://\S+", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"tc-mock did not start: {line!r}")
        self.url = m.group(0)
        self.api = self.url + "/helix"
        self.auth = self.url + "/oauth2"

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_mock/" + path, data=data,
                                     method="GET" if data is None else "POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            raise AssertionError(f"/_mock/{path}: HTTP {e.code} {e.read()!r}")
        return json.loads(text) if text else None

    def stats(self):
        return self.control("stats")

    def stop(self):
        self.proc.stdout.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def mock():
    exe = os.environ.get("TC_MOCK")
    if not exe:
        pytest.fail("TC_MOCK (path of tc-mock) is not set")
    m = Mock(exe)
    yield m
    m.stop()


@pytest.fixture(autouse=True)
def fresh_mock(mock):
    mock.control("reset", {})
    mock.control("config", {"latency_ms": 0, "fail_rate": 0, "allow_http_callbacks": True})
    yield


def make_client(mock, **kw):
    opts = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_base_url=mock.api,
                auth_base_url=mock.auth, flags=tc.F_ALLOW_HTTP_CALLBACKS)
    opts.update(kw)
    return tc.Client(**opts)


@pytest.fixture
def client(mock):
    c = make_client(mock)
    yield c
    c.close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class WebhookServer:
    """A WebhookApp on a wsgiref server in a thread; .events gets what
    on_event receives."""

    def __init__(self, secret=SECRET):
        self.events = []
        self.cond = threading.Condition()
        self.app = tc.WebhookApp(secret, on_event=self._on_event)
        self.httpd = make_server("127.0.0.1", 0, self.app, server_class=WSGIServer, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/webhook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def _on_event(self, msg):
        with self.cond:
            self.events.append(msg)
            self.cond.notify_all()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def webhook_server():
    s = WebhookServer()
    yield s
    s.stop()
