#!/usr/bin/env python3
"""tcctl never hangs (issue 15, findings 5 and 10): --timeout-s bounds each
request to Twitch, and every long-running command stops within a second of
SIGINT/SIGTERM whatever its output is doing (a pipe nobody reads) or a peer
is doing (a slowloris, a stalled server).

usage: test_tcctl_stop.py PATH/TO/tcctl PATH/TO/tc-mock
Reuses test_tcctl.py's driver (TAP output). TCCTL_WRAP (e.g. "valgrind -q
--error-exitcode=9") runs every tcctl under that wrapper; the time limits
are then multiplied by TCCTL_TIME_SCALE (default 10 when wrapped, else 1).
"""
import fcntl
import os
import shlex
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tcctl as t  # noqa: E402

WRAP = shlex.split(os.environ.get("TCCTL_WRAP", ""))
SCALE = float(os.environ.get("TCCTL_TIME_SCALE", "10" if WRAP else "1"))
STOP_LIMIT_S = 1.0 * SCALE  # "within a second of SIGINT/SIGTERM"
WEBHOOK_SECRET = t.WEBHOOK_SECRET


def tcctl_argv(*args):
    return WRAP + [t.TCCTL] + list(args)


def start(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=None):
    e = t.clean_env()
    e.update(env or {})
    return subprocess.Popen(tcctl_argv(*args), stdout=stdout, stderr=stderr, env=e)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def full_pipe():
    """A pipe whose buffer is already full: the first write to it blocks.
    Returns (read_fd, write_fd); pass write_fd as a child's stdout/stderr."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    return r, w


def pipe_bytes(fd):
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def stop_time(proc, sig=signal.SIGTERM):
    """Sends sig; returns (seconds until the process exited, exit code), or (None, None) if it did not exit
    within 10 limits (it is then killed)."""
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=10 * STOP_LIMIT_S)
        return time.monotonic() - t0, code
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, None


def stopped_in_time(elapsed):
    return elapsed is not None and elapsed <= STOP_LIMIT_S


def secs(elapsed):
    return "did not stop" if elapsed is None else "%.2f s" % elapsed


class StalledServer:
    """Accepts connections and reads them, never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.conns = []
        self.requests = 0
        self.done = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._read, args=(c,), daemon=True).start()

    def _read(self, c):
        try:
            while c.recv(4096):
                self.requests += 1
        except OSError:
            pass

    def stop(self):
        self.done = True
        self.sock.close()
        for c in self.conns:
            c.close()


def timeout_tests(mock):
    limit = 1
    base = ["--mock", mock.url]
    # A server that answers, but too slowly for the deadline: exit 5 soon after it, with a clear error.
    mock.control("config", {"latency_ms": 8000})
    t0 = time.monotonic()
    p = subprocess.run(tcctl_argv(*base, "--timeout-s", str(limit), "conduits", "list"), capture_output=True,
                       text=True, env=t.clean_env(), timeout=60)
    elapsed = time.monotonic() - t0
    t.check(p.returncode == 5 and "deadline of 1000 ms passed" in p.stderr and "--timeout-s" in p.stderr
            and elapsed < limit + 3 * SCALE,
            "--timeout-s 1 against an 8 s latency: exit 5 after about 1 s (%.2f s) with a clear error" % elapsed,
            t.diag(p.returncode, p.stdout, p.stderr))
    p = subprocess.run(tcctl_argv(*base, "--json", "conduits", "list", "--timeout-s=1"), capture_output=True,
                       text=True, env=t.clean_env(), timeout=60)
    doc = t.parse_json(p.stdout)
    t.check(p.returncode == 5 and doc is not None and doc["error"]["name"] == "timeout",
            "--timeout-s=1 after the command, --json: exit 5 and error name timeout",
            t.diag(p.returncode, p.stdout, p.stderr))
    mock.control("config", {"latency_ms": 300})
    p = subprocess.run(tcctl_argv(*base, "--timeout-s", "20", "conduits", "list"), capture_output=True, text=True,
                       env=t.clean_env(), timeout=60)
    t.check(p.returncode == 0, "--timeout-s 20 against a 300 ms latency succeeds",
            t.diag(p.returncode, p.stdout, p.stderr))
    mock.control("config", {"latency_ms": 0})

    # A server that never answers (an app token given: no token request first).
    srv = StalledServer()
    try:
        t0 = time.monotonic()
        p = subprocess.run(tcctl_argv("--api-base", srv.url + "/helix", "--auth-base", srv.url + "/oauth2",
                                      "--client-id", t.CLIENT_ID, "--app-token", "stalled-token-0123456789",
                                      "--timeout-s", "1", "subs", "list"),
                           capture_output=True, text=True, env=t.clean_env(), timeout=60)
        elapsed = time.monotonic() - t0
        t.check(p.returncode == 5 and "deadline" in p.stderr and elapsed < limit + 3 * SCALE,
                "--timeout-s 1: subs list against a server that never answers exits 5 (%.2f s)" % elapsed,
                t.diag(p.returncode, p.stdout, p.stderr))
    finally:
        srv.stop()

    for bad in (["--timeout-s", "0"], ["--timeout-s", "soon"], ["--timeout-s"], ["--timeout-s=99999999999"]):
        p = subprocess.run(tcctl_argv(*base, "conduits", "list", *bad), capture_output=True, text=True,
                           env=t.clean_env(), timeout=60)
        t.check(p.returncode == 2 and "--timeout-s needs an integer" in p.stderr,
                "usage error exits 2: %s" % " ".join(bad), t.diag(p.returncode, p.stdout, p.stderr))

    # The global option reaches listen's own --timeout-s (its run time).
    t0 = time.monotonic()
    p = subprocess.run(tcctl_argv("--timeout-s", "1", "listen", "--secret", WEBHOOK_SECRET, "--count", "1"),
                       capture_output=True, text=True, env=t.clean_env(), timeout=60)
    elapsed = time.monotonic() - t0
    t.check(p.returncode == 5 and "timed out after 1s" in p.stderr,
            "--timeout-s before listen bounds its run time (exit 5 after %.2f s)" % elapsed,
            t.diag(p.returncode, p.stdout, p.stderr))


def listen_stderr_flood_test():
    """listen whose stderr is a pipe nobody reads, filled by reject lines."""
    p = subprocess.Popen(tcctl_argv("listen", "--secret", WEBHOOK_SECRET, "--port", "0"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=t.clean_env())
    url = p.stdout.readline().decode().strip()
    host, port = url.split("/")[2].split(":")
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            try:
                s = socket.create_connection((host, int(port)), timeout=2)
                s.sendall(b"POST /eventsub/tcctl HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                          b"Connection: close\r\n\r\n{}")
                s.recv(256)
                s.close()
            except OSError:
                pass

    th = threading.Thread(target=flood, daemon=True)
    th.start()
    full = t.wait_until(lambda: pipe_bytes(p.stderr.fileno()) >= 60000, timeout=30 * SCALE)
    elapsed, code = stop_time(p)
    stop.set()
    th.join(timeout=10)
    p.stdout.close()
    p.stderr.close()
    t.check(full and stopped_in_time(elapsed) and code == 0,
            "listen with its stderr full (a pipe nobody reads, rejects flooding in) stops on SIGTERM "
            "within %.0f s (%s) with exit 0" % (STOP_LIMIT_S, secs(elapsed)),
            "pipe filled: %r, exit %r" % (full, code))


def listen_stdout_full_test():
    """listen whose stdout is full before it prints its first line."""
    r, w = full_pipe()
    port = free_port()
    p = start(["listen", "--secret", WEBHOOK_SECRET, "--port", str(port)], stdout=w)
    os.close(w)
    up = t.wait_until(lambda: accepts(port), timeout=20 * SCALE)
    elapsed, code = stop_time(p, signal.SIGINT)
    os.close(r)
    t.check(up and stopped_in_time(elapsed) and code == 0,
            "listen blocked on a full stdout stops on SIGINT within %.0f s (%s) with exit 0" % (STOP_LIMIT_S, secs(elapsed)),
            "listening: %r, exit %r" % (up, code))


def listen_slowloris_test():
    """listen holding 300 connections that trickle header lines, stderr unread."""
    port = free_port()
    p = start(["listen", "--secret", WEBHOOK_SECRET, "--port", str(port)], stderr=subprocess.PIPE)
    up = t.wait_until(lambda: accepts(port), timeout=20 * SCALE)
    socks = []
    for _ in range(300):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(b"POST /eventsub/tcctl HTTP/1.1\r\n")
            socks.append(s)
        except OSError:
            break
    stop = threading.Event()
    rounds = [0]

    def trickle():
        while not stop.is_set():
            for s in socks:
                try:
                    s.sendall(b"X-Slow-%d: 1\r\n" % rounds[0])
                except OSError:
                    pass
            rounds[0] += 1
            stop.wait(0.1)

    th = threading.Thread(target=trickle, daemon=True)
    th.start()
    t.wait_until(lambda: rounds[0] >= 5, timeout=20 * SCALE)
    elapsed, code = stop_time(p)
    stop.set()
    th.join(timeout=10)
    for s in socks:
        s.close()
    p.stderr.close()
    t.check(up and len(socks) > 0 and stopped_in_time(elapsed) and code == 0,
            "listen under a slowloris (%d trickling connections) stops on SIGTERM within %.0f s (%s)"
            % (len(socks), STOP_LIMIT_S, secs(elapsed)), "listening: %r, exit %r" % (up, code))


def mock_stdout_full_test():
    r, w = full_pipe()
    port = free_port()
    p = start(["mock", "--port", str(port)], stdout=w)
    os.close(w)
    up = t.wait_until(lambda: accepts(port), timeout=20 * SCALE)
    elapsed, code = stop_time(p)
    os.close(r)
    t.check(up and stopped_in_time(elapsed) and code == 0,
            "tcctl mock blocked on a full stdout stops on SIGTERM within %.0f s (%s) with exit 0"
            % (STOP_LIMIT_S, secs(elapsed)), "serving: %r, exit %r" % (up, code))


def shards_run_stdout_full_test(mock):
    rc, out, err = t.run("--json", "conduits", "create", "1")
    doc = t.parse_json(out)
    conduit = doc["conduit"]["id"] if doc else "x"

    def assigned():
        sessions = mock.control("ws/sessions", method="GET")["sessions"]
        return any(s["state"] == "assigned" and any(sh["conduit_id"] == conduit for sh in s["shards"])
                   for s in sessions)

    r, w = full_pipe()
    p = start(["--mock", mock.url, "--json", "shards", "run", conduit], stdout=w)
    os.close(w)
    ok = t.wait_until(assigned, timeout=20 * SCALE)
    elapsed, code = stop_time(p)
    os.close(r)
    t.check(rc == 0 and ok and stopped_in_time(elapsed) and code == 0,
            "shards run (--mock) blocked on a full stdout stops on SIGTERM within %.0f s (%s) with exit 0"
            % (STOP_LIMIT_S, secs(elapsed)), "conduit %s assigned: %r, exit %r" % (conduit, ok, code))
    t.run("conduits", "delete", conduit)


def shards_run_stalled_helix_test(mock):
    """shards run whose Helix calls never get an answer (tokens and WebSocket from the mock)."""
    srv = StalledServer()
    try:
        p = start(["--mock", mock.url, "--api-base", srv.url + "/helix", "shards", "run", "some-conduit"],
                  stderr=subprocess.PIPE)
        asked = t.wait_until(lambda: srv.requests > 0, timeout=20 * SCALE)
        elapsed, code = stop_time(p)
        p.stderr.close()
        t.check(asked and stopped_in_time(elapsed) and code == 0,
                "shards run waiting on a stalled Helix stops on SIGTERM within %.0f s (%s) with exit 0"
                % (STOP_LIMIT_S, secs(elapsed)), "asked: %r, exit %r" % (asked, code))
    finally:
        srv.stop()


def subs_list_stalled_tests():
    for sig in (signal.SIGTERM, signal.SIGINT):
        srv = StalledServer()
        try:
            p = start(["--api-base", srv.url + "/helix", "--auth-base", srv.url + "/oauth2", "--client-id",
                       t.CLIENT_ID, "--app-token", "stalled-token-0123456789", "subs", "list"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            asked = t.wait_until(lambda: srv.requests > 0, timeout=20 * SCALE)
            elapsed, code = stop_time(p, sig)
            p.stdout.close()
            p.stderr.close()
            t.check(asked and stopped_in_time(elapsed) and code in (-sig, 128 + sig),
                    "subs list stuck on a stalled server stops on %s within %.0f s (%s)"
                    % (signal.Signals(sig).name, STOP_LIMIT_S, secs(elapsed)), "asked: %r, exit %r" % (asked, code))
        finally:
            srv.stop()


def main():
    if t.TCCTL is None or not os.access(t.TCCTL, os.X_OK):
        print("1..1\nnot ok 1 - usage: test_tcctl_stop.py PATH/TO/tcctl")
        return 1
    t.mock = t.Mock()
    if not t.check(t.mock.url is not None, "tcctl mock starts", t.mock.first_line):
        return t.finish()
    try:
        timeout_tests(t.mock)
        listen_stderr_flood_test()
        listen_stdout_full_test()
        listen_slowloris_test()
        mock_stdout_full_test()
        shards_run_stdout_full_test(t.mock)
        shards_run_stalled_helix_test(t.mock)
        subs_list_stalled_tests()
    finally:
        t.mock.stop()
    return t.finish()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # a crash in the driver is a failure, not a pass
        t.check(False, "test driver crashed: %r" % (exc,))
        if t.mock is not None:
            t.mock.stop()
        t.finish()
        sys.exit(1)
