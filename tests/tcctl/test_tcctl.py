#!/usr/bin/env python3
"""End-to-end tests of tcctl against its own embedded mock (`tcctl mock`).

usage: test_tcctl.py PATH/TO/tcctl

Prints a TAP stream and a final "# N passed, M failed" line; exits 1 on any
failure. python3 standard library only; no sleeps used for synchronisation
(everything polls with a deadline).
"""
import hashlib
import hmac
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

CLIENT_ID = "mockclientid0123456789abcdefghij"
CLIENT_SECRET = "mocksecret0123456789abcdefghijk"
WEBHOOK_SECRET = "whsecret-do-not-print-4242"
WRONG_SECRET = "wrongsecret0123456789abcdefghij"

TCCTL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
TC_MOCK = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
results = []  # (ok, description)
secrets = [CLIENT_SECRET, WEBHOOK_SECRET, WRONG_SECRET]
all_outputs = []  # every (args, stdout, stderr) seen, checked for secrets at the end


def check(ok, desc, diag=None):
    ok = bool(ok)
    n = len(results) + 1
    results.append((ok, desc))
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, desc))
    if not ok and diag:
        for line in str(diag).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return ok


def clean_env():
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("TWITCH_") or k == "NO_COLOR":
            del env[k]
    return env


class Mock:
    def __init__(self):
        self.proc = subprocess.Popen([TCCTL, "mock", "--port", "0", "--page-size", "3"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
        self.first_line = self._read_line(deadline=time.monotonic() + 20)
        self.url = None
        prefix = "tc-mock listening on "
        if self.first_line.startswith(prefix):
            self.url = self.first_line[len(prefix):].strip()

    def _read_line(self, deadline):
        buf = b""
        fd = self.proc.stdout.fileno()
        while not buf.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 1)
            if not chunk:
                break
            buf += chunk
        return buf.decode("utf-8", "replace")

    def control(self, path, body=None, method="POST"):
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(self.url + "/_mock/" + path, data=data if method == "POST" else None,
                                     method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode() or "null")

    def stop(self):
        """SIGTERM, then wait with a deadline. Returns the exit status (None if it hung)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


mock = None


def run(*args, creds=True, env_creds=False, env=None, stdin=None):
    """Runs tcctl; returns (rc, stdout, stderr). creds: pass the mock's
    credentials as flags; env_creds: through the environment instead."""
    argv = [TCCTL]
    e = clean_env()
    if mock is not None and mock.url:
        argv += ["--api-base", mock.url + "/helix", "--auth-base", mock.url + "/oauth2"]
    if creds and not env_creds:
        argv += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    if env_creds:
        e["TWITCH_CLIENT_ID"] = CLIENT_ID
        e["TWITCH_CLIENT_SECRET"] = CLIENT_SECRET
    if env:
        e.update(env)
    argv += list(args)
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=e, timeout=60)
    all_outputs.append((args, p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr


def parse_json(out):
    """Exactly one JSON document on stdout, or None."""
    try:
        return json.loads(out)
    except ValueError:
        return None


def diag(rc, out, err):
    return "rc=%s\nstdout:\n%s\nstderr:\n%s" % (rc, out, err)


def main():
    global mock
    if TCCTL is None or not os.access(TCCTL, os.X_OK):
        print("1..1\nnot ok 1 - usage: test_tcctl.py PATH/TO/tcctl")
        return 1

    # ---- help and usage errors need no server ----
    rc, out, err = run("--help", creds=False)
    check(rc == 0 and "exit codes" in out and "missing credentials" in out, "--help exits 0 and documents exit codes",
          diag(rc, out, err))
    for cmd in ["token", "conduits", "shards", "subs", "mock", "listen", "demo"]:
        rc, out, err = run(cmd, "--help", creds=False)
        check(rc == 0 and ("usage: tcctl " + cmd) in out and "examples:" in out, "%s --help with examples" % cmd,
              diag(rc, out, err))
    rc, out, err = run("--help", "subs", creds=False)
    check(rc == 0 and "usage: tcctl subs" in out, "--help before the command shows that command's help")

    usage_cases = [
        (["--bogus"], "unknown global option"),
        (["frobnicate"], "unknown command"),
        ([], "no command"),
        (["conduits"], "missing subcommand"),
        (["conduits", "create", "abc"], "non-numeric shard count"),
        (["conduits", "create", "0"], "shard count out of range"),
        (["conduits", "list", "--nope"], "unknown command flag"),
        (["conduits", "delete"], "missing argument"),
        (["subs", "list", "--status", "enabled", "--type", "x.y"], "two list filters"),
        (["subs", "create", "c", "--type", "stream.online", "--version", "1", "--condition", "not json"],
         "condition that is not JSON"),
        (["subs", "create", "c", "--type", "stream.online"], "create without --version"),
        (["subs", "cleanup", "c", "--dry-run"], "flag of another subcommand"),
        (["subs", "reconcile", "c", "/nonexistent/file.json"], "unreadable reconcile file"),
        (["shards", "assign", "c", "0"], "assign without a transport"),
        (["shards", "assign", "c", "0", "--webhook", "https://example.com/cb"], "webhook without a secret"),
        (["shards", "assign", "c", "0", "--session", "s", "--webhook", "https://example.com/cb"],
         "both --session and --webhook"),
        (["shards", "assign", "c", "0", "--webhook", "ftp://example.com/cb", "--secret", WEBHOOK_SECRET],
         "invalid webhook URL"),
        (["mock", "--port", "99999"], "mock port out of range"),
        (["token", "--api-base"], "global flag without its value"),
        (["subs", "list", "--concurrency"], "--concurrency without its value"),
        (["--concurrency", "0", "subs", "list"], "--concurrency 0"),
        (["--concurrency=1001", "subs", "list"], "--concurrency above 1000"),
        (["--concurrency", "many", "subs", "list"], "non-numeric --concurrency"),
        (["token", "frobnicate"], "unknown token subcommand"),
        (["token", "revoke", "--validate"], "token revoke --validate"),
        (["listen"], "listen without a secret"),
        (["listen", "--secret", WEBHOOK_SECRET, "--port", "abc"], "listen with a non-numeric port"),
        (["listen", "--secret", WEBHOOK_SECRET, "--port", "70000"], "listen port out of range"),
        (["listen", "--secret", WEBHOOK_SECRET, "--count", "0"], "listen --count 0"),
        (["listen", "--secret", WEBHOOK_SECRET, "--timeout-s", "x"], "listen --timeout-s x"),
        (["listen", "--secret", WEBHOOK_SECRET, "--route", "bad/key"], "listen with an invalid route key"),
        (["listen", "--secret", WEBHOOK_SECRET, "--prefix", "noslash"], "listen with an invalid prefix"),
        (["listen", "--secret", "short"], "listen with a too short secret"),
        (["listen", "--secret", WEBHOOK_SECRET, "extra"], "listen with a positional argument"),
        (["listen", "--nope"], "listen with an unknown flag"),
        (["demo", "--nope"], "demo with an unknown flag"),
        (["demo", "--subs", "3"], "demo with too few subscriptions"),
    ]
    for args, desc in usage_cases:
        rc, out, err = run(*args)
        check(rc == 2 and "tcctl" in err, "usage error exits 2: " + desc, diag(rc, out, err))

    rc, out, err = run("subs", "list", "--secret=" + WEBHOOK_SECRET)
    check(rc == 2 and WEBHOOK_SECRET not in err, "an unknown flag's value is not echoed", diag(rc, out, err))

    # ---- the mock ----
    mock = Mock()
    if not check(mock.url is not None and mock.url.startswith("http://127.0.0.1:"),
                 "tcctl mock prints 'tc-mock listening on http://127.0.0.1:PORT' first", mock.first_line):
        mock.stop()
        return finish()
    port = int(mock.url.rsplit(":", 1)[1])
    check(port > 0, "--port 0 picked a free port (%d)" % port)

    # ---- credentials ----
    rc, out, err = run("conduits", "list", creds=False)
    check(rc == 4 and "TWITCH_CLIENT_ID" in err and "--client-id" in err,
          "missing credentials exit 4 and say what to set", diag(rc, out, err))
    rc, out, err = run("--json", "conduits", "list", creds=False, env={"TWITCH_CLIENT_ID": CLIENT_ID})
    doc = parse_json(out)
    check(rc == 4 and doc is not None and doc["error"]["name"] == "missing_credentials",
          "missing secret exits 4 with a JSON error document", diag(rc, out, err))
    rc, out, err = run("--client-id", CLIENT_ID, "--client-secret", WRONG_SECRET, "token", creds=False)
    check(rc == 1 and "hint:" in err, "wrong client secret exits 1 with a hint", diag(rc, out, err))

    # ---- token ----
    rc, out, err = run("token", env_creds=True)
    check(rc == 0 and CLIENT_ID in out and "expires_at" in out, "token (credentials from the environment)",
          diag(rc, out, err))
    rc, out, err = run("--json", "token", "--validate")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and doc.get("validated") is True and doc.get("client_id") == CLIENT_ID
          and "access_token" not in doc, "--json token --validate: validated, no access_token", diag(rc, out, err))
    # an app token given explicitly (and never printed)
    form = ("grant_type=client_credentials&client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET)).encode()
    with urllib.request.urlopen(urllib.request.Request(mock.url + "/oauth2/token", data=form), timeout=10) as r:
        app_token = json.loads(r.read().decode())["access_token"]
    secrets.append(app_token)
    rc, out, err = run("token", "--validate", creds=False, env={"TWITCH_CLIENT_ID": CLIENT_ID,
                                                                 "TWITCH_APP_TOKEN": app_token})
    check(rc == 0 and "yes" in out, "token --validate with TWITCH_APP_TOKEN and no secret", diag(rc, out, err))

    # ---- conduits ----
    rc, out, err = run("conduits", "list")
    check(rc == 0 and "no conduits" in out, "conduits list on an empty account", diag(rc, out, err))
    rc, out, err = run("conduits", "create", "2")
    check(rc == 0 and "created" in out and "SHARDS" in out, "conduits create 2 (table)", diag(rc, out, err))
    rc, out, err = run("conduits", "create", "1", "--json")  # global flag after the command
    doc = parse_json(out)
    ok = rc == 0 and doc is not None and doc["conduit"]["shard_count"] == 1
    check(ok, "conduits create 1 --json", diag(rc, out, err))
    second = doc["conduit"]["id"] if ok else "x"
    rc, out, err = run("--json", "conduits", "list")
    doc = parse_json(out)
    ok = rc == 0 and doc is not None and len(doc["conduits"]) == 2
    check(ok, "--json conduits list has both conduits", diag(rc, out, err))
    conduit = [c["id"] for c in doc["conduits"] if c["id"] != second][0] if ok else "x"
    rc, out, err = run("conduits", "list")
    lines = out.strip().splitlines()
    col = lines[0].find("SHARDS") if lines else -1
    check(rc == 0 and len(lines) == 3 and lines[0].split() == ["ID", "SHARDS"]
          and all(len(row) > col > 0 and row[col - 1] == " " and row[col] != " " and
                  row[col:].strip() == row.split()[1] for row in lines[1:]),
          "conduits list table: header plus two aligned rows", diag(rc, out, err))
    rc, out, err = run("--json", "conduits", "resize", conduit, "4")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and doc["conduit"]["shard_count"] == 4, "conduits resize to 4",
          diag(rc, out, err))
    rc, out, err = run("--json", "conduits", "delete", "no-such-conduit")
    doc = parse_json(out)
    check(rc == 1 and doc is not None and doc["error"]["http_status"] == 404 and "hint:" in err,
          "deleting an unknown conduit: 404, exit 1, JSON error", diag(rc, out, err))

    # ---- a server that answers errors ----
    mock.control("fail_next", {"count": 1, "status": 403})
    rc, out, err = run("conduits", "list")
    check(rc == 1 and "403" in err, "scripted 403 exits 1", diag(rc, out, err))
    mock.control("fail_next", {"count": 2, "status": 503})
    rc, out, err = run("--json", "conduits", "list")
    check(rc == 0 and parse_json(out) is not None, "two scripted 503s are retried away", diag(rc, out, err))
    mock.control("fail_next", {"count": 1, "status": 400})
    rc, out, err = run("--json", "subs", "list")
    doc = parse_json(out)
    check(rc == 1 and doc is not None and doc["error"]["http_status"] == 400, "scripted 400 on subs list exits 1",
          diag(rc, out, err))

    # ---- shards ----
    mock.control("sessions", {"session_id": "sess-1"})
    rc, out, err = run("shards", "assign", conduit, "0", "--session", "sess-1")
    check(rc == 0 and "assigned" in out, "assign a websocket session to shard 0", diag(rc, out, err))
    rc, out, err = run("--json", "shards", "assign", conduit, "1", "9", "--webhook", "https://127.0.0.1/eventsub",
                       "--secret", WEBHOOK_SECRET)
    doc = parse_json(out)
    check(rc == 3 and doc is not None and doc["failed"] == 1 and doc["conduit_id"] == conduit
          and [i["shard_id"] for i in doc["items"]] == ["1", "9"] and "shard" in doc["items"][0],
          "partial shard assignment exits 3 with per-shard results", diag(rc, out, err))
    rc, out, err = run("shards", "assign", conduit, "2", "--webhook", "https://127.0.0.1/eventsub",
                       env={"TWITCH_WEBHOOK_SECRET": WEBHOOK_SECRET})
    check(rc == 0, "webhook secret from TWITCH_WEBHOOK_SECRET", diag(rc, out, err))
    rc, out, err = run("shards", "list", conduit)
    rows = [line.split() for line in out.strip().splitlines()]
    check(rc == 0 and rows[0][:2] == ["ID", "STATUS"] and [r[0] for r in rows[1:]] == ["0", "1", "2"]
          and rows[1][1] == "enabled", "shards list table (across pages)", diag(rc, out, err))
    rc, out, err = run("--json", "shards", "list", conduit, "--status", "enabled")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and [s["id"] for s in doc["shards"]] == ["0"],
          "shards list --status enabled --json", diag(rc, out, err))
    rc, out, err = run("shards", "list", "no-such-conduit")
    check(rc == 1, "shards of an unknown conduit exit 1", diag(rc, out, err))

    # create_shard and safe scale-down, on a conduit of their own
    rc, out, err = run("--json", "conduits", "create", "2")
    doc = parse_json(out)
    small = doc["conduit"]["id"] if rc == 0 and doc is not None and "conduit" in doc else "x"
    check(small != "x", "a second conduit for shard create/remove", diag(rc, out, err))
    mock.control("sessions", {"session_id": "sess-a"})
    mock.control("sessions", {"session_id": "sess-b"})
    run("shards", "assign", small, "0", "--session", "sess-a")
    run("shards", "assign", small, "1", "--session", "sess-b")
    rc, out, err = run("--json", "shards", "remove", small, "0")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and doc["shard_count"] == 1 and doc["removed"] == "0",
          "shards remove moves the last shard in and shrinks", diag(rc, out, err))
    rc, out, err = run("--json", "shards", "create", small, "--webhook", "https://127.0.0.1/eventsub", "--route", "bot-7")
    doc = parse_json(out)
    shard = doc.get("shard", {}) if doc is not None else {}
    secret = shard.get("transport", {}).get("secret", "")
    callback = shard.get("transport", {}).get("callback", "")
    check(rc == 0 and shard.get("id") == "1" and len(secret) == 64 and callback.endswith("/eventsub/bot-7")
          and secret not in callback, "shards create grows the conduit; the new secret is shown once, not in the URL",
          diag(rc, out, err))
    rc, out, err = run("shards", "remove", small, "0")
    check(rc == 2 and "secret" in err, "removing with a webhook last shard asks for its secret", diag(rc, out, err))
    rc, out, err = run("--json", "shards", "remove", small, "0", "--webhook", callback, "--secret", secret)
    doc = parse_json(out)
    check(rc == 0 and doc is not None and doc["shard_count"] == 1 and secret not in out + err,
          "shards remove with the last webhook's secret", diag(rc, out, err))
    run("conduits", "delete", small)

    # ---- subscriptions ----
    cond = '{"broadcaster_user_id":"1337"}'
    rc, out, err = run("subs", "create", conduit, "--type", "stream.online", "--version", "1", "--condition", cond)
    check(rc == 0 and "created" in out, "subs create one (table)", diag(rc, out, err))
    rc, out, err = run("--json", "subs", "create", conduit, "--type", "stream.online", "--version", "1",
                       "--count", "7", "--broadcaster-from", "500")
    doc = parse_json(out)
    ok = rc == 0 and doc is not None and len(doc["items"]) == 7 and \
        all(i["outcome"] == "created" for i in doc["items"]) and \
        sorted(i["subscription"]["condition"]["broadcaster_user_id"] for i in doc["items"]) == \
        [str(n) for n in range(500, 507)]
    check(ok, "subs create --count 7 --broadcaster-from 500", diag(rc, out, err))
    rc, out, err = run("--json", "--concurrency", "2", "subs", "create", conduit, "--type", "stream.online",
                       "--version", "1", "--count", "7", "--broadcaster-from", "500")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and all(i["outcome"] == "existed" for i in doc["items"]),
          "re-running the bulk create (--concurrency 2) adopts, never duplicates", diag(rc, out, err))
    rc, out, err = run("--json", "subs", "list", "--conduit", conduit)
    doc = parse_json(out)
    ok = rc == 0 and doc is not None and len(doc["subscriptions"]) == 8 and doc["total"] == 8
    check(ok, "subs list --conduit --json: 8 over 3 pages", diag(rc, out, err))
    subs = doc["subscriptions"] if ok else []
    rc, out, err = run("--json", "subs", "list", "--user", "503")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and len(doc["subscriptions"]) == 1, "subs list --user", diag(rc, out, err))
    rc, out, err = run("subs", "list")
    check(rc == 0 and out.splitlines()[0].split()[:4] == ["ID", "TYPE", "VERSION", "STATUS"]
          and len(out.strip().splitlines()) == 10, "subs list table", diag(rc, out, err))

    # over the cost budget: a partial batch
    mock.control("config", {"max_total_cost": 10})
    rc, out, err = run("--json", "subs", "create", conduit, "--type", "stream.online", "--version", "1",
                       "--count", "4", "--broadcaster-from", "900")
    doc = parse_json(out)
    check(rc == 3 and doc is not None and sum(1 for i in doc["items"] if i["outcome"] == "created") == 2,
          "bulk create over the cost limit exits 3", diag(rc, out, err))
    mock.control("config", {"max_total_cost": 10000})

    if subs:
        mock.control("subscriptions/status", {"id": subs[0]["id"], "status": "authorization_revoked"})
    rc, out, err = run("--json", "subs", "cleanup", conduit)
    doc = parse_json(out)
    check(rc == 0 and doc is not None and [i["outcome"] for i in doc["items"]] == ["deleted"]
          and subs and doc["items"][0]["subscription"]["id"] == subs[0]["id"],
          "subs cleanup deletes the broken subscription", diag(rc, out, err))
    rc, out, err = run("subs", "cleanup", conduit, "--include-pending")
    check(rc == 0 and "nothing to do" in out, "a second cleanup has nothing to do", diag(rc, out, err))

    wanted = [{"type": "stream.online", "version": "1", "condition": {"broadcaster_user_id": "500"}},
              {"type": "stream.offline", "version": "1", "condition": {"broadcaster_user_id": "500"}}]
    wanted_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tcctl-test-wanted-%d.json" % os.getpid())
    with open(wanted_path, "w") as f:
        json.dump(wanted, f)
    try:
        rc, out, err = run("--json", "subs", "reconcile", conduit, wanted_path, "--dry-run")
        doc = parse_json(out)
        outcomes = [i["outcome"] for i in doc["items"]] if doc else []
        check(rc == 0 and outcomes[:2] == ["existed", "to_create"] and outcomes.count("to_delete") == 8,
              "subs reconcile --dry-run shows the plan", diag(rc, out, err))
        rc, out, err = run("subs", "reconcile", conduit, wanted_path)
        check(rc == 0 and "1 created" in out and "8 deleted" in out, "subs reconcile applies it (table)",
              diag(rc, out, err))
        rc, out, err = run("--json", "subs", "reconcile", conduit, "-", stdin=json.dumps(wanted))
        doc = parse_json(out)
        check(rc == 0 and doc is not None and [i["outcome"] for i in doc["items"]] == ["existed", "existed"],
              "a second reconcile (from stdin) changes nothing", diag(rc, out, err))
        with open(wanted_path, "w") as f:
            f.write('[{"type":"stream.online"}]')
        rc, out, err = run("subs", "reconcile", conduit, wanted_path)
        check(rc == 2, "reconcile file with a bad item exits 2", diag(rc, out, err))
    finally:
        os.unlink(wanted_path)

    rc, out, err = run("--json", "subs", "list", "--type", "stream.offline")
    doc = parse_json(out)
    sub_id = doc["subscriptions"][0]["id"] if doc and doc["subscriptions"] else "x"
    rc, out, err = run("subs", "delete", sub_id)
    check(rc == 0 and "deleted" in out, "subs delete", diag(rc, out, err))
    rc, out, err = run("--json", "subs", "delete", sub_id)
    doc = parse_json(out)
    check(rc == 1 and doc is not None and doc["error"]["name"] == "not_found", "deleting it again exits 1",
          diag(rc, out, err))

    rc, out, err = run("--json", "conduits", "delete", conduit)
    doc = parse_json(out)
    check(rc == 0 and doc == {"deleted": conduit}, "conduits delete --json", diag(rc, out, err))
    rc, out, err = run("--json", "subs", "list", "--status", "conduit_deleted")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and len(doc["subscriptions"]) == 1,
          "its subscriptions became conduit_deleted", diag(rc, out, err))

    token_revoke_tests()
    listen_tests()
    listen_tls_tests()
    tty_tests()
    demo_tests()

    # ---- no colours or progress escapes when not on a terminal ----
    check(all("\033[" not in o and "\033[" not in e for _, o, e in all_outputs),
          "no ANSI escapes in piped output")
    # ---- no secret ever printed ----
    leaks = [(a, s) for a, o, e in all_outputs for s in secrets if s in o or s in e]
    check(not leaks, "no secret in any stdout/stderr (%d runs)" % len(all_outputs), leaks)

    code = mock.stop()
    check(code == 0, "tcctl mock exits 0 on SIGTERM", "exit status %r" % code)
    return finish()


class Proc:
    """A running tcctl with line-oriented, deadline-bounded reads of stdout and stderr."""

    def __init__(self, args, env=None):
        e = clean_env()
        if env:
            e.update(env)
        self.args = args
        self.proc = subprocess.Popen([TCCTL] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
        self.bufs = {self.proc.stdout.fileno(): b"", self.proc.stderr.fileno(): b""}
        self.open = set(self.bufs)
        self.out_all = b""
        self.err_all = b""

    def _pump(self, timeout):
        """Reads what is ready within timeout; returns True if anything was read."""
        if not self.open:
            return False
        ready, _, _ = select.select(list(self.open), [], [], max(0.0, timeout))
        got = False
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                self.open.discard(fd)
                continue
            got = True
            self.bufs[fd] += chunk
            if fd == self.proc.stdout.fileno():
                self.out_all += chunk
            else:
                self.err_all += chunk
        return got

    def _line(self, fd, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.bufs[fd]:
            left = deadline - time.monotonic()
            if left <= 0 or fd not in self.open:
                return None
            self._pump(left)
        line, rest = self.bufs[fd].split(b"\n", 1)
        self.bufs[fd] = rest
        return line.decode("utf-8", "replace")

    def out_line(self, timeout=10):
        return self._line(self.proc.stdout.fileno(), timeout)

    def err_line(self, timeout=10):
        return self._line(self.proc.stderr.fileno(), timeout)

    def wait(self, timeout=15):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if self.open:
                self._pump(min(0.2, deadline - time.monotonic()))
            else:
                try:
                    self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            code = None
        else:
            code = self.proc.returncode
        end = time.monotonic() + 5
        while self.open and time.monotonic() < end:
            self._pump(end - time.monotonic())
        all_outputs.append((self.args, self.out_all.decode("utf-8", "replace"), self.err_all.decode("utf-8", "replace")))
        return code

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait()


def now_rfc3339(offset_s=0):
    t = time.time() + offset_s
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def post_signed(url, secret, msg_id, msg_type, body, timestamp=None, tamper=False, context=None):
    """POSTs a Twitch-signed webhook request; returns (status, body).
    context: the ssl.SSLContext for an https URL."""
    ts = timestamp or now_rfc3339()
    data = json.dumps(body).encode()
    sig = "sha256=" + hmac.new(secret.encode(), (msg_id + ts).encode() + data, hashlib.sha256).hexdigest()
    if tamper:
        data = data.replace(b"1337", b"1338")
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json",
        "Twitch-Eventsub-Message-Id": msg_id,
        "Twitch-Eventsub-Message-Retry": "0",
        "Twitch-Eventsub-Message-Type": msg_type,
        "Twitch-Eventsub-Message-Signature": sig,
        "Twitch-Eventsub-Message-Timestamp": ts,
    })
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def notification(msg_type="stream.online", sub_id="sub-1"):
    return {"subscription": {"id": sub_id, "status": "enabled", "type": msg_type, "version": "1", "cost": 1,
                             "condition": {"broadcaster_user_id": "1337"},
                             "transport": {"method": "conduit", "conduit_id": "c-1"},
                             "created_at": now_rfc3339()},
            "event": {"broadcaster_user_id": "1337", "broadcaster_user_login": "cool", "type": "live"}}


def token_revoke_tests():
    # a token fetched outside tcctl, then revoked by tcctl
    data = ("client_id=%s&client_secret=%s&grant_type=client_credentials" % (CLIENT_ID, CLIENT_SECRET)).encode()
    with urllib.request.urlopen(urllib.request.Request(mock.url + "/oauth2/token", data=data), timeout=10) as r:
        token = json.loads(r.read().decode())["access_token"]
    secrets.append(token)
    before = mock.control("stats", method="GET")["revoke_requests"]
    rc, out, err = run("token", "revoke", creds=False, env={"TWITCH_CLIENT_ID": CLIENT_ID})
    check(rc == 2 and "TWITCH_APP_TOKEN" in err, "token revoke without a token exits 2 and says what to set",
          diag(rc, out, err))
    rc, out, err = run("--json", "token", "validate", creds=False,
                       env={"TWITCH_CLIENT_ID": CLIENT_ID, "TWITCH_APP_TOKEN": token})
    doc = parse_json(out)
    check(rc == 0 and doc is not None and doc.get("validated") is True, "token validate (subcommand form)",
          diag(rc, out, err))
    rc, out, err = run("--json", "token", "revoke", creds=False,
                       env={"TWITCH_CLIENT_ID": CLIENT_ID, "TWITCH_APP_TOKEN": token,
                            "TWITCH_CLIENT_SECRET": CLIENT_SECRET})
    doc = parse_json(out)
    after = mock.control("stats", method="GET")["revoke_requests"]
    check(rc == 0 and doc is not None and doc.get("revoked") is True and after == before + 1,
          "token revoke --json revokes the given token at the server", diag(rc, out, err))
    rc, out, err = run("token", "--validate", creds=False, env={"TWITCH_CLIENT_ID": CLIENT_ID, "TWITCH_APP_TOKEN": token})
    check(rc == 1 and "hint:" in err, "the revoked token no longer validates (exit 1)", diag(rc, out, err))


def listen_tests():
    env = {"TWITCH_WEBHOOK_SECRET": WEBHOOK_SECRET}

    # ---- signed requests made here, JSON lines ----
    p = Proc(["--json", "listen", "--port", "0", "--route", "py-1"], env=env)
    first = p.out_line()
    doc = parse_json(first or "")
    url = doc.get("callback_url") if isinstance(doc, dict) else None
    if not check(url is not None and url.startswith("http://127.0.0.1:") and url.endswith("/eventsub/py-1")
                 and doc.get("port", 0) > 0, "listen --json: the first line is the callback URL", first):
        p.stop()
        return
    status, body = post_signed(url, WEBHOOK_SECRET, "py-msg-1", "notification", notification())
    line = p.out_line()
    ev = parse_json(line or "")
    check(status == 204 and ev is not None and ev.get("kind") == "notification" and ev.get("message_id") == "py-msg-1"
          and ev.get("subscription_type") == "stream.online" and ev.get("event", {}).get("broadcaster_user_id") == "1337",
          "a signed notification is acknowledged 204 and printed as one JSON line", "status %s line %r" % (status, line))
    status2, _ = post_signed(url, WEBHOOK_SECRET, "py-msg-1", "notification", notification())
    status3, _ = post_signed(url, WEBHOOK_SECRET, "py-msg-2", "notification", notification("stream.offline"))
    line = p.out_line()
    ev = parse_json(line or "")
    check(status2 == 204 and status3 == 204 and ev is not None and ev.get("message_id") == "py-msg-2",
          "a duplicate is acknowledged 204 but not printed again", "statuses %s %s line %r" % (status2, status3, line))
    status, body = post_signed(url, WEBHOOK_SECRET, "py-msg-3", "notification", notification(), tamper=True)
    eline = p.err_line()
    check(status == 403 and eline is not None and "rejected" in eline and "403" in eline
          and "signature" in eline,
          "a tampered request is answered 403 and reported on stderr", "status %s stderr %r" % (status, eline))
    status, body = post_signed(url, WRONG_SECRET, "py-msg-4", "notification", notification())
    eline = p.err_line()
    check(status == 403 and eline is not None and "rejected" in eline, "a wrong secret is answered 403 and reported",
          "status %s stderr %r" % (status, eline))
    status, body = post_signed(url, WEBHOOK_SECRET, "py-msg-5", "notification", notification(),
                               timestamp=now_rfc3339(-3600))
    eline = p.err_line()
    check(status == 403 and eline is not None and "rejected" in eline, "a stale timestamp is answered 403 and reported",
          "status %s stderr %r" % (status, eline))
    chal = {"challenge": "pogchamp-kappa-360noscope", "subscription": notification()["subscription"]}
    chal["subscription"]["status"] = "webhook_callback_verification_pending"
    status, body = post_signed(url, WEBHOOK_SECRET, "py-msg-6", "webhook_callback_verification", chal)
    ev = parse_json(p.out_line() or "")
    check(status == 200 and body == "pogchamp-kappa-360noscope" and ev is not None
          and ev.get("kind") == "webhook_callback_verification" and ev.get("message_id") == "py-msg-6",
          "a challenge is answered with the challenge and reported as a verification line", "%s %r %r" % (status, body, ev))
    code = p.stop()
    check(code == 0, "listen exits 0 on SIGTERM", "exit status %r" % code)
    check(WEBHOOK_SECRET not in p.out_all.decode() + p.err_all.decode(), "listen never prints the secret")

    # ---- human output, --count, SIGINT ----
    p = Proc(["listen", "--port", "0", "--count", "2"], env=env)
    url = p.out_line()
    check(url is not None and url.startswith("http://127.0.0.1:") and url.endswith("/eventsub/tcctl"),
          "listen: the first line is the callback URL (default route)", url)
    if url:
        post_signed(url, WEBHOOK_SECRET, "human-1", "notification", notification())
        line = p.out_line() or ""
        check("notification" in line and "stream.online" in line and "human-1" in line,
              "a human line: time, kind, subscription type, message id", line)
        post_signed(url, WEBHOOK_SECRET, "human-2", "notification", notification())
    code = p.wait()
    check(code == 0, "listen --count 2 exits 0 after two events", "exit status %r" % code)
    p = Proc(["listen", "--port", "0"], env=env)
    p.out_line()
    code = p.stop(signal.SIGINT)
    check(code == 0, "listen exits 0 on SIGINT", "exit status %r" % code)
    p = Proc(["listen", "--port", "0", "--count", "5", "--timeout-s", "1"], env=env)
    code = p.wait()
    check(code == 5 and "timed out" in p.err_all.decode(), "listen --timeout-s without --count reached exits 5",
          "exit status %r" % code)

    # ---- delivered by the mock: challenge, events, tamper, resend ----
    mock.control("config", {"allow_http_callbacks": True})
    p = Proc(["--json", "listen", "--port", "0", "--route", "mock-shard"], env=env)
    doc = parse_json(p.out_line() or "")
    url = doc.get("callback_url") if isinstance(doc, dict) else None
    rc, out, err = run("--json", "conduits", "create", "1")
    cdoc = parse_json(out)
    conduit = cdoc["conduit"]["id"] if cdoc else "x"
    rc, out, err = run("shards", "assign", conduit, "0", "--webhook", url or "http://127.0.0.1:1/x",
                       "--allow-http-callbacks", env=env)
    ev = parse_json(p.out_line() or "")
    check(rc == 0 and ev is not None and ev.get("kind") == "webhook_callback_verification"
          and ev.get("conduit_id") == conduit and ev.get("shard_id") == "0",
          "the mock's shard challenge arrives as a verification line", diag(rc, out, err) + "\nline %r" % (ev,))
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        rc, out, err = run("--json", "shards", "list", conduit)
        sdoc = parse_json(out)
        status = sdoc["shards"][0]["status"] if sdoc and sdoc["shards"] else None
        if status == "enabled":
            break
    check(status == "enabled", "the shard behind the listener becomes enabled", status)
    rc, out, err = run("--json", "subs", "create", conduit, "--type", "channel.follow", "--version", "2",
                       "--condition", '{"broadcaster_user_id":"4242","moderator_user_id":"4242"}')
    sdoc = parse_json(out)
    sub_id = sdoc["items"][0]["subscription"]["id"] if sdoc else "x"
    ans = mock.control("deliver", {"subscription_id": sub_id, "message_id": "mock-msg-1", "wait": True})
    ev = parse_json(p.out_line() or "")
    check(ans.get("delivered") is True and ev is not None and ev.get("message_id") == "mock-msg-1"
          and ev.get("subscription_type") == "channel.follow", "an event delivered by the mock arrives as a JSON line",
          "%r %r" % (ans, ev))
    ans = mock.control("deliver", {"subscription_id": sub_id, "message_id": "mock-msg-2", "tamper": True,
                                   "wait": True})
    eline = p.err_line()
    check(ans.get("http_status") == 403 and eline is not None and "rejected" in eline,
          "a tampered delivery from the mock: 403 and a stderr line", "%r %r" % (ans, eline))
    ans = mock.control("deliver", {"resend_of": "mock-msg-1", "wait": True})
    ans2 = mock.control("deliver", {"subscription_id": sub_id, "message_id": "mock-msg-3", "wait": True})
    ev = parse_json(p.out_line() or "")
    check(ans.get("http_status") == 204 and ans.get("retry") == 1 and ev is not None
          and ev.get("message_id") == "mock-msg-3", "the mock's resend is acknowledged once and not printed again",
          "%r %r %r" % (ans, ans2, ev))
    code = p.stop()
    check(code == 0, "listen (mock deliveries) exits 0 on SIGTERM", "exit status %r" % code)
    run("conduits", "delete", conduit)


def run_on_tty(args, timeout=60):
    """Runs tcctl with stdout and stderr on a pseudo-terminal; returns (rc, output)."""
    import pty
    master, slave = pty.openpty()
    p = subprocess.Popen([TCCTL] + list(args), stdout=slave, stderr=slave, env=clean_env())
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return rc, out.decode("utf-8", "replace")


def tty_tests():
    """Colours and the progress bar only on a terminal."""
    rc, out = run_on_tty(["demo"])
    check(rc == 0 and "\x1b[" in out and "\r" in out.replace("\r\n", ""),
          "on a TTY the demo uses colours and redraws its progress bar in place", repr(out[-400:]))
    rc2, out2, err2 = run("demo", creds=False)
    check(rc2 == 0 and "\x1b[" not in out2 + err2, "piped, the demo prints no escape sequences",
          diag(rc2, out2, err2))


def listen_tls_tests():
    """listen --tls-cert/--tls-key serves https; a client trusting the test CA gets 204."""
    if TC_MOCK is None:
        check(False, "listen --tls-cert: tc-mock path given to the test (to make a test CA)")
        return
    import ssl
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        made = subprocess.run([TC_MOCK, "--make-test-ca", d], capture_output=True, timeout=30)
        if not check(made.returncode == 0, "tc-mock --make-test-ca writes a test CA", made.stderr):
            return
        p = Proc(["--json", "listen", "--port", "0", "--route", "tls-1", "--tls-cert", os.path.join(d, "server.pem"),
                  "--tls-key", os.path.join(d, "server.key"), "--count", "1"],
                 env={"TWITCH_WEBHOOK_SECRET": WEBHOOK_SECRET})
        first = parse_json(p.out_line() or "")
        url = first.get("callback_url", "") if isinstance(first, dict) else ""
        if not check(url.startswith("https://127.0.0.1:"), "listen --tls-cert: the callback URL is https", first):
            p.stop()
            return
        ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
        status, _ = post_signed(url, WEBHOOK_SECRET, "tls-msg-1", "notification", notification(), context=ctx)
        ev = parse_json(p.out_line() or "")
        code = p.wait()
        check(status == 204 and isinstance(ev, dict) and ev.get("message_id") == "tls-msg-1" and code == 0,
              "an event over https is acknowledged and printed; --count 1 then exits 0",
              "status %s event %r exit %s" % (status, ev, code))
    rc, out, err = run("listen", "--tls-cert", "/nonexistent.pem", "--secret", WEBHOOK_SECRET, creds=False)
    check(rc == 2 and "tls_key_file" in err, "listen --tls-cert without --tls-key is a usage error (exit 2)",
          diag(rc, out, err))


def demo_tests():
    rc, out, err = run("demo", creds=False)
    steps = [line for line in out.splitlines() if line.startswith("== ")]
    wanted = ["app access token", "create a conduit", "start the embedded webhook listener", "assign webhook shards",
              "subscriptions", "signed events", "tampered", "resend", "flaky", "revoked", "delete the conduit", "summary"]
    missing = [w for w in wanted if not any(w in s for s in steps)]
    check(rc == 0 and not missing and "FAIL" not in out and "every step passed" in out,
          "tcctl demo exits 0 with every step (%d step lines)" % len(steps), diag(rc, out, err) + "\nmissing %r" % missing)
    rc, out, err = run("--json", "demo", "--subs", "20", creds=False)
    doc = parse_json(out)
    ok = rc == 0 and doc is not None and doc.get("ok") is True and len(doc["steps"]) >= 10 and \
        all(s["ok"] and s["checks"] for s in doc["steps"]) and doc["summary"]["events_received"] == 6 and \
        doc["summary"]["events_rejected"] == 1 and doc["summary"]["duplicates"] == 1 and \
        doc["summary"]["subscriptions_created"] == 20 and doc["summary"]["retries"] == 2
    check(ok, "tcctl --json demo: one document, every step ok, the counts right", diag(rc, out, err))


def finish():
    passed = sum(1 for ok, _ in results if ok)
    failed = len(results) - passed
    print("1..%d" % len(results))
    print("# %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # a crash in the driver is a failure, not a pass
        check(False, "test driver crashed: %r" % (exc,))
        if mock is not None:
            mock.stop()
        finish()
        sys.exit(1)
