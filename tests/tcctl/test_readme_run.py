#!/usr/bin/env python3
"""Runs every README.md block marked <!-- check: run --> as written
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

usage: test_readme_run.py SOURCE_ROOT BUILD_ROOT TCCTL [PYTHONPATH]   (TAP)"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from test_readme import read_blocks  # noqa: E402

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


def tail(text, n=30):
    return "\n".join("# " + l for l in text.splitlines()[-n:])


def main():
    source, build, tcctl = (os.path.abspath(a) for a in sys.argv[1:4])
    pythonpath = sys.argv[4] if len(sys.argv) > 4 else ""
    with open(os.path.join(source, "README.md"), encoding="utf-8") as f:
        blocks = [b for b in read_blocks(f.read()) if b[3] and b[3][0] == "run"]
    print("1..%d" % (len(blocks) + 1))
    print("%s 1 - README.md has blocks to run (%d)" % ("ok" if blocks else "not ok", len(blocks)))
    failed = not blocks
    for n, (line, lang, body, _) in enumerate(blocks, 2):
        what = "the ```%s block at README.md:%d runs as written" % (lang, line)
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
