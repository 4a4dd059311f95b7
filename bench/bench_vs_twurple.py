#!/usr/bin/env python3
"""bench_vs_twurple: creating N conduit subscriptions against the bundled mock
(tc-mock, latency on every answer, rate limit out of the way), side by side in
one run, each measurement on a fresh mock process:

  library  build/bench/bench_create, the batch API with its default (adaptive)
           concurrency; the clock runs from submit to completion
  fixed16  the same with the old fixed default of 16 in flight
  tcctl    `tcctl subs create CONDUIT --count N`: the whole process, as a user
           times it (start-up, token, the batch, printing the result)
  twurple  Node: @twurple/api's createSubscription() for every item under one
           Promise.all (bench/twurple/create_subscriptions.mjs); the clock runs
           from the first call to the last settled promise, after the token
  floor    N x latency / the window the library settled on (and / 128, the
           default max_concurrency): no client can beat it at that window

twurple (@twurple/api and @twurple/auth, pinned below) is installed with npm
into a scratch directory of its own (default: $TMPDIR/tc-bench-twurple), never
into the repository. That needs the network once; --quick (what CI runs) never
installs: it uses an existing installation in the scratch directory, or skips
twurple with a printed note and compares with the floor only.

Prints each round, then medians and the ratios. Targets (reported, never
gated): library within 1.25x the floor at its window; twurple / library and
twurple / tcctl >= 5. Exit status 0 when every item of every run was created,
1 when not, 2 on a set-up error.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TWURPLE_VERSION = "8.2.0"  # @twurple/api and @twurple/auth, pinned
CLIENT_ID = "mockclientid0123456789abcdefghij"
CLIENT_SECRET = "mocksecret0123456789abcdefghijk"
DEFAULT_MAX_CONCURRENCY = 128
HERE = os.path.dirname(os.path.abspath(__file__))


def die(message):
    print("bench_vs_twurple: " + message, file=sys.stderr)
    sys.exit(2)


class Mock:
    """A fresh tc-mock process with latency and no practical rate limit."""

    def __init__(self, exe, latency_ms):
        self.proc = subprocess.Popen(
            [exe, "--port", "0", "--latency-ms", str(latency_ms), "--ratelimit", "100000000",
             "--max-total-cost", "100000000"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.stop()
            die("tc-mock did not start: %r" % line)
        self.base = line.split("listening on ", 1)[1].strip()
        self.helix = self.base + "/helix"
        self.auth = self.base + "/oauth2"

    def call(self, method, path, body=None, headers=None, form=None):
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            data = form.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def conduit(self):
        token = self.call("POST", "/oauth2/token",
                          form="client_id=%s&client_secret=%s&grant_type=client_credentials" %
                          (CLIENT_ID, CLIENT_SECRET))["access_token"]
        auth = {"Authorization": "Bearer " + token, "Client-Id": CLIENT_ID}
        return self.call("POST", "/helix/eventsub/conduits", body={"shard_count": 1}, headers=auth)["data"][0]["id"]

    def subscriptions(self):
        return self.call("GET", "/_mock/stats")["subscriptions"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_json(cmd, env=None, timeout=900):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line), out
    raise RuntimeError("%s printed no JSON (exit %d): %s" % (os.path.basename(cmd[0]), out.returncode,
                                                             (out.stderr or out.stdout)[-400:]))


def install_twurple(scratch, quick):
    """The directory holding node_modules/@twurple, or (None, why)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, "Node or npm is not installed"
    installed = os.path.join(scratch, "node_modules", "@twurple", "api", "package.json")
    if os.path.exists(installed):
        with open(installed) as f:
            if json.load(f).get("version") == TWURPLE_VERSION:
                return scratch, None
    if quick:
        return None, ("--quick never installs (npm needs the network); run the full form once, or point "
                      "--scratch at an installation of @twurple/api %s" % TWURPLE_VERSION)
    os.makedirs(scratch, exist_ok=True)
    with open(os.path.join(scratch, "package.json"), "w") as f:
        json.dump({"name": "tc-bench-twurple", "private": True, "type": "module",
                   "dependencies": {"@twurple/api": TWURPLE_VERSION, "@twurple/auth": TWURPLE_VERSION}}, f)
    print("installing @twurple/api and @twurple/auth %s with npm into %s ..." % (TWURPLE_VERSION, scratch),
          flush=True)
    r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=scratch,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        return None, "npm install failed: " + (r.stderr or r.stdout).strip()[-300:]
    return scratch, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"), help="the meson build directory")
    ap.add_argument("--count", type=int, help="subscriptions per run (default 2000; quick 500)")
    ap.add_argument("--rounds", type=int, help="rounds, median reported (default 3; quick 1)")
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--scratch", default=os.path.join(tempfile.gettempdir(), "tc-bench-twurple"),
                    help="where twurple is installed (never inside the repository)")
    ap.add_argument("--no-twurple", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small, offline: the form CI runs")
    a = ap.parse_args()
    count = a.count or (500 if a.quick else 2000)
    rounds = a.rounds or (1 if a.quick else 3)
    build = os.path.abspath(a.build)
    mock_exe = os.path.join(build, "tools", "mock", "tc-mock")
    tcctl = os.path.join(build, "tools", "tcctl", "tcctl")
    create = os.path.join(build, "bench", "bench_create")
    for exe in (mock_exe, tcctl, create):
        if not os.access(exe, os.X_OK):
            die("%s is missing: build first (ninja -C %s)" % (exe, build))
    scratch = os.path.abspath(a.scratch)
    repo = os.path.abspath(os.path.join(HERE, ".."))
    if scratch == repo or scratch.startswith(repo + os.sep):
        die("--scratch must be outside the repository")

    twurple_dir, why = (None, "--no-twurple") if a.no_twurple else install_twurple(scratch, a.quick)
    if twurple_dir is not None:
        shutil.copy(os.path.join(HERE, "twurple", "create_subscriptions.mjs"), twurple_dir)
    print("bench_vs_twurple%s: %d subscriptions per run, %d ms latency per answer, %d round(s), a fresh tc-mock "
          "per measurement" % (" --quick" if a.quick else "", count, a.latency_ms, rounds))
    if twurple_dir is None:
        print("  NOTE: twurple skipped (%s); comparing with the latency floor only" % why)
    else:
        print("  twurple: @twurple/api + @twurple/auth %s on Node %s (installed in %s)" % (
            TWURPLE_VERSION, subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
            twurple_dir))
    sys.stdout.flush()

    env = dict(os.environ, TWITCH_CLIENT_ID=CLIENT_ID, TWITCH_CLIENT_SECRET=CLIENT_SECRET)
    contenders = ["library", "fixed16", "tcctl"] + (["twurple"] if twurple_dir else [])
    times = {k: [] for k in contenders}
    windows = []
    failures = 0
    for rnd in range(rounds):
        order = contenders[rnd % len(contenders):] + contenders[:rnd % len(contenders)]
        line = []
        for who in order:
            mock = Mock(mock_exe, a.latency_ms)
            try:
                conduit = mock.conduit()
                first = 1000
                if who in ("library", "fixed16"):
                    cmd = [create, "--api-base", mock.helix, "--auth-base", mock.auth, "--conduit", conduit,
                           "--count", str(count), "--first-id", str(first)]
                    if who == "fixed16":
                        cmd += ["--concurrency", "16"]
                    doc, _ = run_json(cmd, env=env)
                    seconds, created = doc["seconds"], doc["created"]
                    if who == "library":
                        windows.append(doc["window"])
                elif who == "tcctl":
                    t0 = time.monotonic()
                    r = subprocess.run([tcctl, "--api-base", mock.helix, "--auth-base", mock.auth, "--json", "subs",
                                        "create", conduit, "--type", "stream.online", "--version", "1", "--count",
                                        str(count), "--broadcaster-from", str(first)],
                                       capture_output=True, text=True, env=env, timeout=900)
                    seconds = time.monotonic() - t0
                    created = sum(1 for i in json.loads(r.stdout)["items"] if i["outcome"] == "created") \
                        if r.returncode == 0 else 0
                    if r.returncode != 0:
                        print("  tcctl failed (exit %d): %s" % (r.returncode, r.stderr.strip()[-300:]))
                else:
                    doc, _ = run_json(["node", os.path.join(twurple_dir, "create_subscriptions.mjs"), mock.helix,
                                       mock.auth, CLIENT_ID, CLIENT_SECRET, conduit, str(count), str(first)])
                    seconds, created = doc["seconds"], doc["created"]
                    if doc.get("first_error"):
                        print("  twurple: %d failed, first: %s" % (doc["failed"], doc["first_error"]))
                on_mock = mock.subscriptions()
            except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
                print("  %s: FAILED: %s" % (who, e))
                seconds, created, on_mock = float("nan"), 0, -1
            finally:
                mock.stop()
            if created != count or on_mock != count:
                failures += 1
                print("  %s: %d of %d created, the mock holds %d" % (who, created, count, on_mock))
            times[who].append(seconds)
            line.append("%s %.2f s" % (who, seconds))
        print("  round %d: %s" % (rnd + 1, ", ".join(line)), flush=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    window = int(statistics.median(windows)) if windows else 0
    per_item = count * a.latency_ms / 1000.0
    floor = per_item / window if window > 0 else float("nan")
    floor_default = per_item / DEFAULT_MAX_CONCURRENCY
    print("medians: " + ", ".join("%s %.2f s" % (k, med[k]) for k in contenders))
    ratio = med["library"] / floor if window > 0 else float("nan")
    print("vs-floor: library %.2f s at a settled window of %d: floor %.2f s, ratio %.2f (target <= 1.25%s); "
          "floor at the default max_concurrency %d: %.2f s; fixed 16 in flight %.2f s (%.1fx the adaptive time)" % (
              med["library"], window, floor, ratio, "" if ratio <= 1.25 else ", NOT MET", DEFAULT_MAX_CONCURRENCY,
              floor_default, med["fixed16"], med["fixed16"] / med["library"]))
    if "twurple" in med:
        lib_x, cli_x = med["twurple"] / med["library"], med["twurple"] / med["tcctl"]
        print("vs-twurple: twurple Promise.all %.2f s; library %.1fx faster (target >= 5%s), tcctl (whole process) "
              "%.1fx faster (target >= 5%s)" % (med["twurple"], lib_x, "" if lib_x >= 5 else ", NOT MET", cli_x,
                                               "" if cli_x >= 5 else ", NOT MET"))
    else:
        print("vs-twurple: skipped (%s); tcctl (whole process) %.2f s = %.2fx the floor at the default window" % (
            why, med["tcctl"], med["tcctl"] / floor_default))
    print("bench_vs_twurple: %d failed run(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
