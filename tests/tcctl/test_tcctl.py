#!/usr/bin/env python3
"""End-to-end tests of tcctl against its own embedded mock (`tcctl mock`).

usage: test_tcctl.py PATH/TO/tcctl PATH/TO/tc-mock
(tc-mock makes a test CA, and serves EventSub WebSocket with short timers for
the `shards run` tests)

Prints a TAP stream and a final "# N passed, M failed" line; exits 1 on any
failure. python3 standard library only; no sleeps used for synchronisation
(everything polls with a deadline).
"""
import hashlib
import hmac
import json
import os
import re
import select
import signal
import socket
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
    def __init__(self, argv=None):
        """argv: the server to start (default `tcctl mock --port 0 --page-size 3`); its first stdout
        line must be "tc-mock listening on URL"."""
        argv = argv or [TCCTL, "mock", "--port", "0", "--page-size", "3"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
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


def run(*args, creds=True, env_creds=False, env=None, stdin=None, server=None):
    """Runs tcctl; returns (rc, stdout, stderr). creds: pass the mock's
    credentials as flags; env_creds: through the environment instead.
    server: the Mock to talk to (default: the global one)."""
    argv = [TCCTL]
    e = clean_env()
    server = server or mock
    if server is not None and server.url:
        argv += ["--api-base", server.url + "/helix", "--auth-base", server.url + "/oauth2"]
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
    rc, out, err = run("shards", "--help", creds=False)
    check(rc == 0 and "shards run CONDUIT_ID [SHARD...]" in out and "--count" in out and "--keepalive-s" in out
          and '"kind":"shard"' in out and "--mock http://127.0.0.1:8080 --json shards run" in out,
          "shards --help documents run, its JSON lines and an example against the mock", diag(rc, out, err))
    rc, out, err = run("--help", creds=False)
    check(rc == 0 and "--ws-url URL" in out and "TWITCH_EVENTSUB_WS_URL" in out, "--help documents --ws-url",
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
        (["shards", "run"], "shards run without a conduit"),
        (["shards", "run", "c", "x1"], "shards run with a shard id that is not a number"),
        (["shards", "run", "c", "-1"], "shards run with a negative shard id"),
        (["shards", "run", "c", "0", "1", "0"], "shards run with a shard given twice"),
        (["shards", "run", "c", "--count", "0"], "shards run --count 0"),
        (["shards", "run", "c", "--timeout-s", "soon"], "shards run --timeout-s soon"),
        (["shards", "run", "c", "--keepalive-s", "5"], "shards run --keepalive-s below Twitch's 10"),
        (["shards", "run", "c", "--webhook", "https://example.com/cb"], "shards run with a flag of assign"),
        (["--ws-url", "https://example.com/ws", "shards", "run", "c"], "shards run with a --ws-url not ws(s)://"),
        (["shards", "run", "c"], "shards run with TWITCH_EVENTSUB_WS_URL not ws(s)://"),
        (["demo", "--nope"], "demo with an unknown flag"),
        (["demo", "--subs", "3"], "demo with too few subscriptions"),
    ]
    for args, desc in usage_cases:
        rc, out, err = run(*args, env={"TWITCH_EVENTSUB_WS_URL": "tcp://127.0.0.1:1/ws"} if "TWITCH_EVENTSUB" in desc
                           else None)
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
    shards_run_tests()
    hostile_server_tests()
    newcomer_tests()

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
              "subscriptions", "signed events", "tampered", "resend", "flaky", "revoked",
              "tc_runner runs a mixed conduit", "both transports", "dropped WebSocket is re-associated",
              "hand-over (session_reconnect)", "stop the runner", "delete the conduit", "summary"]
    missing = [w for w in wanted if not any(w in s for s in steps)]
    check(rc == 0 and not missing and "FAIL" not in out and "every step passed" in out,
          "tcctl demo exits 0 with every step (%d step lines)" % len(steps), diag(rc, out, err) + "\nmissing %r" % missing)
    # step 4 reads in order: the challenges (verification lines) before the verdicts
    lines = out.splitlines()
    first_verification = next((i for i, x in enumerate(lines) if "<- verification" in x), -1)
    assigned = next((i for i, x in enumerate(lines) if "both shards assigned" in x), -1)
    check(0 <= first_verification < assigned, "demo step 4: the verification lines come before 'both shards assigned'",
          "\n".join(lines[:30]))
    # the summary says what the mock's count is made of
    counters = dict((m.group(1).strip(), int(m.group(2))) for m in
                    (re.match(r"^(.*?)\s{2,}(\d+)$", x) for x in lines) if m)
    check(counters.get("messages the mock sent to the listener (2xx)") == 8 and counters.get("= new events") == 6
          and counters.get("+ resends of an event already sent") == 1 and counters.get("+ revocations") == 1
          and counters.get("events dispatched by the listener (verified, each once)") == 6,
          "demo summary: the mock's 8 messages = 6 events + 1 resend + 1 revocation; 6 dispatched", counters)
    ws_lines = [x for x in lines if "over WebSocket, shard" in x]
    check(any("shard 2 lost" in x for x in lines) and len(ws_lines) >= 5 and
          counters.get("runner: demo events over webhook") == 2 and counters.get("runner: demo events over WebSocket") == 5
          and counters.get("runner: session_reconnect hand-overs", 0) >= 1,
          "demo: the runner's events over both transports, the drop and the hand-over are shown", counters)
    rc, out, err = run("--json", "demo", "--subs", "20", creds=False)
    doc = parse_json(out)
    # subscriptions: 20 asked for, 4 on the runner's conduit, and the runner's conduit.shard.disabled one
    ok = rc == 0 and doc is not None and doc.get("ok") is True and len(doc["steps"]) >= 10 and \
        all(s["ok"] and s["checks"] for s in doc["steps"]) and doc["summary"]["events_received"] == 6 and \
        doc["summary"]["events_rejected"] == 1 and doc["summary"]["duplicates"] == 1 and \
        doc["summary"]["subscriptions_created"] == 20 + 4 + 1 and doc["summary"]["retries"] == 2 and \
        doc["summary"]["events_sent"] == 8 and \
        doc["summary"]["events_sent_breakdown"] == {"new_events": 6, "resends": 1, "revocations": 1} and \
        doc["summary"]["runner"]["events_webhook"] == 2 and doc["summary"]["runner"]["events_websocket"] == 5 and \
        doc["summary"]["runner"]["reconnects"] >= 1 and doc["summary"]["runner"]["handovers"] >= 1
    check(ok, "tcctl --json demo: one document, every step ok, the counts right", diag(rc, out, err))
    titles = [s["title"] for s in doc["steps"]] if ok else []
    check(ok and any("mixed conduit" in t for t in titles) and any("re-associated" in t for t in titles)
          and any("hand-over" in t for t in titles), "tcctl --json demo: the runner's steps are in the document", titles)


# ---- tcctl shards run: WebSocket shards against tc-mock's EventSub WebSocket server ----

def fnv1a64(text):
    """The mock's shard hashing (tools/mock/README.md, Routing)."""
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def broadcaster_for_shard(shard, shard_count, start=7000):
    """A broadcaster_user_id whose events the mock routes to `shard`."""
    n = start
    while fnv1a64(str(n)) % shard_count != shard:
        n += 1
    return str(n)


class FrameSpy:
    """A TCP relay in front of the mock that reads the WebSocket frames the
    client sends (after the HTTP upgrade), so a test can see the client's
    close frame and its code the way the server receives them."""

    def __init__(self, target_port):
        import socket
        import threading
        self.socket_mod = socket
        self.target_port = target_port
        self.frames = []  # (opcode, unmasked payload) in order
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            s = self.socket_mod.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(s, c), daemon=True).start()
            threading.Thread(target=self._client_to_server, args=(c, s), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(self.socket_mod.SHUT_WR)
        except OSError:
            pass

    def _client_to_server(self, c, s):
        buf, upgraded = b"", False
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                s.sendall(data)
                buf += data
                if not upgraded:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    buf, upgraded = buf[end + 4:], True
                buf = self._frames(buf)
        except OSError:
            pass
        try:
            s.shutdown(self.socket_mod.SHUT_WR)
        except OSError:
            pass

    def _frames(self, buf):
        while len(buf) >= 2:
            opcode, masked, n, off = buf[0] & 0x0F, buf[1] & 0x80, buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, off = int.from_bytes(buf[2:10], "big"), 10
            key = buf[off:off + 4] if masked else b"\0\0\0\0"
            off += 4 if masked else 0
            if len(buf) < off + n:
                break
            payload = bytes(x ^ key[i % 4] for i, x in enumerate(buf[off:off + n]))
            with self.lock:
                self.frames.append((opcode, payload))
            buf = buf[off + n:]
        return buf

    def close_codes(self):
        with self.lock:
            return [int.from_bytes(p[:2], "big") for op, p in self.frames if op == 8 and len(p) >= 2]

    def stop(self):
        self.srv.close()


class RunLines:
    """`tcctl --json shards run` in the background, its JSON lines parsed as they come."""

    def __init__(self, server, args, ws_url=None):
        argv = ["--api-base", server.url + "/helix", "--auth-base", server.url + "/oauth2",
                "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                "--ws-url", ws_url or server.url.replace("http://", "ws://") + "/ws"]
        self.p = Proc(argv + list(args))
        self.docs = []

    def until(self, pred, timeout=10):
        """Reads lines until pred(docs) holds; False at the deadline or EOF."""
        deadline = time.monotonic() + timeout
        while not pred(self.docs):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            line = self.p.out_line(timeout=left)
            if line is None:
                return pred(self.docs)
            doc = parse_json(line)
            self.docs.append(doc if isinstance(doc, dict) else {"kind": "NOT JSON", "line": line})
        return True

    def events(self, include_disabled=False):
        return [d for d in self.docs if d.get("kind") in ("notification", "revocation")
                and (include_disabled or d.get("type") != "conduit.shard.disabled")]

    def printed_ids(self):
        return [d.get("message_id") for d in self.events()]

    def shard_lines(self, shard, since=0):
        return [d for d in self.docs[since:] if d.get("kind") == "shard" and d.get("shard_id") == shard]

    def enabled(self, shards):
        """Every shard in `shards` has printed an enabled line."""
        return lambda docs: all(self.shard_lines(s) and self.shard_lines(s)[-1]["status"] == "enabled"
                                for s in shards)

    def reassigned(self, shard, since):
        """A non-enabled line for shard after docs[since], then an enabled one."""
        def pred(docs):
            lost = False
            for d in self.shard_lines(shard, since):
                if d.get("status") != "enabled":
                    lost = True
                elif lost:
                    return True
            return False
        return pred


def wait_until(fn, timeout=10, step=0.05):
    """Polls fn() until it returns something true; returns it (or the last value)."""
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = fn()
    return value


def shards_run_tests():
    if TC_MOCK is None:
        check(False, "shards run: tc-mock path given to the test")
        return
    # Short WebSocket timers: keepalive 1 s (a stall is seen within 1 s + the
    # runner's 3 s margin), an unassigned socket is closed with 4003 after 1.5 s.
    ws = Mock([TC_MOCK, "--port", "0", "--ws-keepalive-s", "1", "--ws-keepalive-min-s", "1",
               "--ws-assign-timeout-ms", "1500", "--ws-ping-interval-ms", "700", "--ws-pong-timeout-ms", "3000",
               "--ws-reconnect-grace-ms", "5000"])
    if not check(ws.url is not None, "tc-mock with short WebSocket knobs started", ws.first_line):
        ws.stop()
        return
    try:
        shards_run_fault_tests(ws)
        shards_run_option_tests(ws)
    finally:
        ws.stop()


def create_conduit_and_subs(ws, shard_count, broadcasters):
    rc, out, err = run("--json", "conduits", "create", str(shard_count), server=ws)
    doc = parse_json(out)
    conduit = doc["conduit"]["id"] if rc == 0 and doc else None
    subs = []
    for b in broadcasters:
        rc, out, err = run("--json", "subs", "create", conduit or "x", "--type", "stream.online", "--version", "1",
                           "--condition", json.dumps({"broadcaster_user_id": b}), server=ws)
        doc = parse_json(out)
        subs.append(doc["items"][0]["subscription"]["id"] if rc == 0 and doc else None)
    return conduit, subs


def shards_run_fault_tests(ws):
    """Every delivered event printed exactly once across a drop, a stall, two
    reconnect hand-overs, close codes 4000/4005 and a 4003 for a socket that
    could not be assigned; a lost shard's line comes before its re-assignment."""
    b0, b1 = broadcaster_for_shard(0, 2), broadcaster_for_shard(1, 2)
    conduit, (sub_a, sub_b, sub_r) = create_conduit_and_subs(ws, 2, [b0, b1, "424242"])
    if not check(conduit and sub_a and sub_b and sub_r, "a 2-shard conduit with subscriptions routed to each shard"):
        return
    r = RunLines(ws, ["--json", "shards", "run", conduit])
    ok = r.until(r.enabled(["0", "1"]))
    if not check(ok, "shards run --json: both shards print an enabled line with their session",
                 "%r\nstderr %r" % (r.docs, r.p.err_all)):
        r.p.stop()
        return
    first = {s: r.shard_lines(s)[-1] for s in ("0", "1")}
    check(all(set(d) == {"kind", "shard_id", "session_id", "status"} and d["session_id"] for d in first.values())
          and first["0"]["session_id"] != first["1"]["session_id"],
          "a shard line has exactly kind, shard_id, session_id, status", first)

    expected = set()
    answers = {}

    def deliver(sub, mid, **extra):
        body = {"subscription_id": sub, "message_id": mid, "wait": True}
        body.update(extra)
        ans = ws.control("deliver", body)
        answers[mid] = ans
        if ans.get("delivered"):
            expected.add(mid)
        return ans

    def printed(ids, timeout=10):
        return r.until(lambda docs: set(ids) <= set(r.printed_ids()), timeout)

    # a notification line carries exactly the message's fields; the event verbatim
    sent_event = {"broadcaster_user_id": b0, "broadcaster_user_login": "caf\u00e9", "type": "live",
                  "started_at": "2026-01-01T00:00:00Z", "nested": {"a": [1, 2.5, None, True]}}
    deliver(sub_a, "exact-1", event=sent_event)
    ok = printed(["exact-1"])
    line = next((d for d in r.events() if d.get("message_id") == "exact-1"), {})
    check(ok and set(line) == {"kind", "shard_id", "message_id", "type", "version", "subscription_id", "event"}
          and line["kind"] == "notification" and line["shard_id"] == "0" and line["type"] == "stream.online"
          and line["version"] == "1" and line["subscription_id"] == sub_a and line["event"] == sent_event,
          "a notification line: the message's id, type, version, subscription id and its event as sent", line)

    def fault(name, shard, action, lost_status=None, during=(True, True), recovered=None, timeout=12):
        """before -> fault -> during -> recovered -> after, every event printed once."""
        ids = []
        for tag, sub in (("A", sub_a), ("B", sub_b)):
            ids.append("%s-before-%s" % (name, tag))
            deliver(sub, ids[-1])
        printed(ids)
        since = len(r.docs)
        action()
        for tag, sub, on in (("A", sub_a, during[0]), ("B", sub_b, during[1])):
            if on:
                deliver(sub, "%s-during-%s" % (name, tag))
        if recovered is None:
            ok = r.until(r.reassigned(shard, since), timeout)
            lost = [d for d in r.shard_lines(shard, since) if d.get("status") != "enabled"]
            check(ok and lost and (lost_status is None or lost[0]["status"] == lost_status)
                  and lost[0].get("reason"),
                  "%s: shard %s prints its lost status (%s) before its re-assignment line" %
                  (name, shard, lost_status or "not enabled"), r.shard_lines(shard, since))
        else:
            recovered(since)
        after = []
        for tag, sub in (("A", sub_a), ("B", sub_b)):
            after.append("%s-after-%s" % (name, tag))
            deliver(sub, after[-1])
        ok = printed([i for i in expected if i.startswith(name + "-")])
        missing = sorted(i for i in expected if i.startswith(name + "-") and i not in r.printed_ids())
        check(ok, "%s: the events delivered before, during and after it are printed" % name,
              "missing, with the mock's delivery answers:\n" +
              "\n".join("%s %r" % (i, answers.get(i)) for i in missing) +
              "\nshard lines since the fault: %r" % [d for d in r.docs[since:] if d.get("kind") == "shard"])

    def target(shard):
        return {"conduit_id": conduit, "shard_id": shard}

    fault("drop", "0", lambda: ws.control("ws/drop", target("0")))

    # A stalled socket swallows what is sent to it (Twitch's events to a dead
    # connection are lost too): during the stall only shard 0 gets events.
    fault("stall", "1", lambda: ws.control("ws/stall", target("1")), during=(True, False))

    def same_session_done(since):
        session = r.shard_lines("0")[-1]["session_id"]

        def settled():
            conns = [c for c in ws.control("ws/sessions", method="GET")["sessions"] if c["session_id"] == session]
            return len(conns) == 1 and conns[0]["state"] == "assigned"
        ok = wait_until(settled)
        check(ok and not r.shard_lines("0", since) and r.shard_lines("0")[-1]["session_id"] == session,
              "reconnect hand-over keeping the session: the new socket takes over, no shard line",
              r.shard_lines("0", since))
    fault("handover-same", "0", lambda: ws.control("ws/reconnect", dict(target("0"), same_session=True)),
          recovered=same_session_done)

    def new_session_done(since):
        ok = r.until(lambda docs: any(d["status"] == "enabled" and d["session_id"] != before_session["1"]
                                      for d in r.shard_lines("1", since)))
        lines = r.shard_lines("1", since)
        check(ok and all(d["status"] == "enabled" for d in lines),
              "reconnect hand-over to a new session: shard 1 is re-assigned (enabled, new session), never lost",
              (before_session, lines))
    before_session = {}

    def reconnect_new():
        before_session["1"] = r.shard_lines("1")[-1]["session_id"]
        ws.control("ws/reconnect", dict(target("1"), same_session=False))
    fault("handover-new", "1", reconnect_new, recovered=new_session_done)

    fault("close4000", "0", lambda: ws.control("ws/close", dict(target("0"), code=4000)),
          lost_status="websocket_internal_error")
    fault("close4005", "1", lambda: ws.control("ws/close", dict(target("1"), code=4005)),
          lost_status="websocket_network_timeout")

    # 4003: Helix answers slower than the mock's assign timeout (1.5 s), so the
    # new socket is still unassigned when the mock closes it with 4003 (a
    # refused assignment would not do: the runner replaces a socket after a
    # few refusals, sometimes before the timeout); once Helix is quick again
    # the runner's next socket is assigned.
    closes_4003 = ws.control("stats", method="GET")["ws_closes_4003"]

    def unassigned():
        ws.control("config", {"latency_ms": 2500})
        ws.control("ws/drop", target("0"))
        seen = wait_until(lambda: ws.control("stats", method="GET")["ws_closes_4003"] > closes_4003, timeout=15)
        ws.control("config", {"latency_ms": 0})
        check(seen, "an unassigned socket is closed by the mock with 4003")
    fault("close4003", "0", unassigned)

    # a resend of a message already printed is not printed again
    ans = ws.control("deliver", {"resend_of": "drop-before-A", "wait": True})
    deliver(sub_a, "after-resend")
    check(ans.get("delivered") and ans.get("retry") == 1 and printed(["after-resend"])
          and r.printed_ids().count("drop-before-A") == 1, "a resend (same message id) is not printed twice", ans)
    # a revocation
    deliver(sub_r, "revoke-1", kind="revocation", reason="user_removed")
    ok = printed(["revoke-1"])
    line = next((d for d in r.events() if d.get("message_id") == "revoke-1"), {})
    check(ok and line.get("kind") == "revocation" and line.get("subscription_id") == sub_r
          and line.get("reason") == "user_removed" and line.get("type") == "stream.online",
          "a revocation line: subscription id and reason", line)

    code = r.p.stop()
    for line in r.p.bufs[r.p.proc.stdout.fileno()].decode("utf-8", "replace").splitlines():
        doc = parse_json(line)
        r.docs.append(doc if isinstance(doc, dict) else {"kind": "NOT JSON", "line": line})
    ids = r.printed_ids()
    all_ids = [d.get("message_id") for d in r.events(include_disabled=True)]
    dupes = sorted(i for i in set(all_ids) if all_ids.count(i) > 1)
    check(code == 0, "shards run exits 0 on SIGTERM", "exit %r stderr %r" % (code, r.p.err_all[-2000:]))
    check(set(ids) == expected and not dupes and len(expected) >= 30,
          "every delivered event printed exactly once across the faults (%d events, %d shard lines)" %
          (len(expected), sum(1 for d in r.docs if d.get("kind") == "shard")),
          "missing %r\nextra %r\nduplicated %r" % (sorted(expected - set(ids)), sorted(set(ids) - expected), dupes))
    check(all(d.get("kind") in ("shard", "notification", "revocation") for d in r.docs),
          "every stdout line is a JSON object with a known kind",
          [d for d in r.docs if d.get("kind") not in ("shard", "notification", "revocation")][:5])
    check(any(d.get("type") == "conduit.shard.disabled" for d in r.events(include_disabled=True)),
          "the runner's conduit.shard.disabled subscription delivers its events too")
    run("conduits", "delete", conduit, server=ws)


def shards_run_option_tests(ws):
    conduit, (sub,) = create_conduit_and_subs(ws, 1, ["31337"])
    if not check(conduit and sub, "a 1-shard conduit for the option tests"):
        return

    # --count: shard lines do not count; exit 0 after N events
    r = RunLines(ws, ["--json", "shards", "run", conduit, "0", "--count", "2"])
    ok = r.until(r.enabled(["0"]))
    for k in range(3):
        if ok:
            ws.control("deliver", {"subscription_id": sub, "message_id": "count-%d" % k, "wait": True})
    code = r.p.wait()
    lines = [parse_json(x) for x in r.p.out_all.decode().splitlines()]
    events = [d for d in lines if d and d.get("kind") == "notification"]
    check(ok and code == 0 and [d["message_id"] for d in events] == ["count-0", "count-1"],
          "shards run --count 2 exits 0 after two events (the shard line does not count)",
          "exit %r lines %r" % (code, lines))

    # --timeout-s: exit 5 when --count is not reached
    r = RunLines(ws, ["shards", "run", conduit, "--count", "3", "--timeout-s", "1"])
    code = r.p.wait()
    check(code == 5 and "timed out" in r.p.err_all.decode(), "shards run --timeout-s 1 --count 3 exits 5",
          "exit %r stderr %r" % (code, r.p.err_all))

    # human lines; SIGINT exits 0
    r = RunLines(ws, ["shards", "run", conduit])
    shard_line = r.p.out_line() or ""
    ws.control("deliver", {"subscription_id": sub, "message_id": "human-ws-1", "wait": True})
    event_line = r.p.out_line() or ""
    code = r.p.stop(signal.SIGINT)
    check("shard 0" in shard_line and "enabled" in shard_line and "session" in shard_line,
          "shards run: a readable line when a shard is enabled", shard_line)
    check("notification" in event_line and "stream.online" in event_line and "human-ws-1" in event_line
          and "shard 0" in event_line, "shards run: a readable line per event", event_line)
    check(code == 0, "shards run exits 0 on SIGINT", "exit %r" % code)

    # SIGTERM: the server receives a close frame (1000) before the socket ends
    port = int(ws.url.rsplit(":", 1)[1])
    spy = FrameSpy(port)
    r = RunLines(ws, ["--json", "shards", "run", conduit], ws_url="ws://127.0.0.1:%d/ws" % spy.port)
    ok = r.until(r.enabled(["0"]))
    code = r.p.stop()
    got = wait_until(spy.close_codes, timeout=5)
    spy.stop()
    check(ok and code == 0 and got == [1000],
          "SIGTERM: exit 0, the socket is closed with a close frame (1000)", "exit %r close codes %r" % (code, got))

    rc, out, err = run("shards", "run", "no-such-conduit", "--timeout-s", "10", server=ws,
                       env={"TWITCH_EVENTSUB_WS_URL": ws.url.replace("http://", "ws://") + "/ws"})
    check(rc == 1 and "not found" in err, "shards run on an unknown conduit exits 1", diag(rc, out, err))
    run("conduits", "delete", conduit, server=ws)


class HostileServer:
    """A tiny local HTTP responder: every request gets `status` and `body`
    (a Helix-style error document), whatever it asked for."""

    NONE = type("NoServer", (), {"url": None})()  # run(server=NONE): no --api-base of the mock

    def __init__(self, status, body):
        """body: a document to send as JSON, or bytes to send as they are."""
        import http.server
        import threading
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def hostile_server_tests():
    """Findings 6 and 7 of issue 15: what a hostile server says must neither
    drive the terminal nor unmask a credential."""
    evil = "evil\u001b[2J\r\nfake line\u0007\u009b2J\u007f"
    srv = HostileServer(400, {"error": "Bad Request", "status": 400, "message": evil})
    try:
        base = ["--api-base", srv.url + "/helix", "--auth-base", srv.url + "/oauth2", "--client-id", CLIENT_ID,
                "--app-token", "plain-token-0123456789"]
        rc, out, err = run(*base, "conduits", "list", creds=False, server=HostileServer.NONE)
        raw = [c for c in "\x1b\x07\r\x7f\u009b" if c in out + err]
        check(rc != 0 and not raw and not any(line.startswith("fake line") for line in err.splitlines())
              and "evil\\x1b[2J" in err and "fake line\\x07\\u009b2J\\x7f" in err,
              "text mode: control characters of a server's error message are printed as visible escapes",
              repr(diag(rc, out, err)) + " raw=%r" % raw)
        rc, out, err = run("--json", *base, "conduits", "list", creds=False, server=HostileServer.NONE)
        doc = parse_json(out)
        message = (doc or {}).get("error", {}).get("message", "")
        # (the library itself turns CR/LF of a server message into spaces; the rest must stay exact)
        check(rc != 0 and message.startswith("evil\x1b[2J") and "fake line\x07\u009b2J\x7f" in message,
              "--json: the server's error message is kept exact", repr(diag(rc, out, err)))
    finally:
        srv.stop()

    # A token with every JSON-special character, echoed back by the server (no CR/LF: the library
    # turns those into spaces in error messages, and no HTTP header could carry them anyway).
    token = 'tok"en\\/sl\b\f\t\x01\x1b\x7f\u0085-end'
    srv = HostileServer(401, {"error": "Unauthorized", "status": 401, "message": "invalid token " + token})
    try:
        for how in ("flag", "env"):
            base = ["--api-base", srv.url + "/helix", "--auth-base", srv.url + "/oauth2", "--client-id", CLIENT_ID]
            env = {}
            if how == "flag":
                base += ["--app-token", token]
            else:
                env["TWITCH_APP_TOKEN"] = token
            for mode in ([], ["--json"]):
                rc, out, err = run(*mode, *base, "conduits", "list", creds=False, env=env,
                                   server=HostileServer.NONE)
                both = out + err
                forms = {"raw": token, "json": json.dumps(token)[1:-1],
                         "json-ascii-slash": json.dumps(token)[1:-1].replace("/", "\\/"),
                         "middle": "en\\\\/sl"}
                seen = [name for name, f in forms.items() if f in both]
                doc = parse_json(out) if mode else None
                check(rc != 0 and not seen and "***" in both and (not mode or doc is not None),
                      "a token with JSON-special characters (%s, %s) is never printed, even escaped"
                      % (how, "--json" if mode else "text"), repr(diag(rc, out, err)) + " seen=%r" % seen)
    finally:
        srv.stop()


def newcomer_tests():
    """Issue 12, items 3 and 9: pointing tcctl at the mock works as the help
    and `tcctl mock` say, and error hints fit the command."""
    # `tcctl mock` prints the lines to paste; pasted, they are all tcctl needs.
    p = Proc(["mock", "--port", "0"])
    lines = []
    while not any(line.startswith("export TWITCH_CLIENT_SECRET=") for line in lines):
        line = p.out_line()
        if line is None:
            break
        lines.append(line)
    exports = dict(line[len("export "):].split("=", 1) for line in lines if line.startswith("export "))
    url = lines[0][len("tc-mock listening on "):] if lines else ""
    check(set(exports) == {"TWITCH_API_BASE", "TWITCH_AUTH_BASE", "TWITCH_EVENTSUB_WS_URL", "TWITCH_CLIENT_ID",
                           "TWITCH_CLIENT_SECRET"} and exports.get("TWITCH_CLIENT_SECRET") == CLIENT_SECRET
          and exports.get("TWITCH_API_BASE") == url + "/helix" and any("--mock " + url in l for l in lines),
          "tcctl mock prints the export lines to paste (URLs, client id and secret) and the --mock form",
          "\n".join(lines))
    rc, out, err = run("conduits", "create", "1", creds=False, server=HostileServer.NONE, env=exports)
    check(rc == 0 and "created" in out, "with the pasted lines, conduits create works as written",
          diag(rc, out, err))
    # --mock URL implies the bases and the mock's credentials, over real ones in the environment.
    real = {"TWITCH_CLIENT_ID": "realclientid", "TWITCH_CLIENT_SECRET": "realsecret-0123456789",
            "TWITCH_APP_TOKEN": "realtoken-0123456789", "TWITCH_API_BASE": "https://127.0.0.1:1/helix"}
    rc, out, err = run("--mock", url, "--json", "conduits", "list", creds=False, server=HostileServer.NONE, env=real)
    doc = parse_json(out)
    check(rc == 0 and doc is not None and len(doc["conduits"]) == 1,
          "--mock URL: bases and the mock's credentials, whatever the environment says", diag(rc, out, err))
    rc, out, err = run("--mock", url + "/", "--client-id", "someone-else", "conduits", "list", creds=False,
                       server=HostileServer.NONE)
    check(rc == 1 and "hint:" in err, "--mock URL/: flags still win (another client id is refused)",
          diag(rc, out, err))
    rc, out, err = run("--mock", "127.0.0.1:8080", "conduits", "list", creds=False, server=HostileServer.NONE)
    check(rc == 2 and "--mock needs" in err, "--mock without http(s):// is a usage error", diag(rc, out, err))
    # The example of `tcctl --help`, run as written (on this mock's port instead of 8080).
    rc, out, err = run("--help", creds=False)
    example = [l.strip() for l in out.splitlines() if l.strip().startswith("tcctl --mock http://127.0.0.1:8080 ")]
    argv = example[0].split()[1:] if example else []
    argv = [a.replace("http://127.0.0.1:8080", url) for a in argv]
    rc, out, err = run(*argv, creds=False, server=HostileServer.NONE)
    check(example and rc == 0 and "ID" in out, "--help's example against the mock works as written: %s"
          % (example[0] if example else "(none)"), diag(rc, out, err))
    # The README's mock block, run as written by bash (on a free port instead of 8080).
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    start = text.find("```sh\n", text.find("To try it without a Twitch account"))
    block = text[start + 6:text.find("```", start + 6)] if start >= 0 else ""
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    free_port = free.getsockname()[1]
    free.close()
    e = clean_env()
    e["PATH"] = os.path.dirname(TCCTL) + os.pathsep + e.get("PATH", "")
    pr = subprocess.run(["bash", "-e", "-c", block.replace("8080", str(free_port))], capture_output=True, text=True,
                        env=e, timeout=60)
    check(block.count("tcctl --mock") == 2 and pr.returncode == 0 and "created" in pr.stdout
          and "export TWITCH_CLIENT_ID=" in pr.stdout,
          "the README's tcctl mock block works as written", diag(pr.returncode, pr.stdout, pr.stderr))
    rc, out, err = run("--help", creds=False)
    check("--timeout-s S" in out and "--mock URL" in out and "5  timed out" in out,
          "--help documents --timeout-s, --mock and exit 5", diag(rc, out, err))

    # A server without the conduit endpoints: the 404 said once, a hint about the URL, not about an id.
    rc, out, err = run("--mock", url, "--api-base", url + "/not-helix", "conduits", "list", creds=False,
                       server=HostileServer.NONE)
    check(rc == 1 and "--api-base" in err and "check the" not in err and err.count("404") == 1,
          "conduits list without conduit endpoints: a hint about --api-base, none about an id", diag(rc, out, err))
    srv = HostileServer(404, b"")
    try:
        rc, out, err = run("--api-base", srv.url + "/helix", "--auth-base", srv.url + "/oauth2", "--client-id",
                           CLIENT_ID, "--app-token", "plain-token-0123456789", "conduits", "list", creds=False,
                           server=HostileServer.NONE)
        check(rc == 1 and "HTTP 404 (HTTP 404)" not in err and err.count("404") == 1 and "--api-base" in err
              and "id" not in err.split("hint:", 1)[-1],
              "an empty 404 body: 'HTTP 404' said once, no id hint", diag(rc, out, err))
    finally:
        srv.stop()
    rc, out, err = run("--mock", url, "conduits", "delete", "no-such-conduit", creds=False,
                       server=HostileServer.NONE)
    check(rc == 1 and "check the conduit id" in err, "conduits delete ID: a 404 hints at the conduit id",
          diag(rc, out, err))
    rc, out, err = run("--mock", url, "subs", "delete", "no-such-sub", creds=False, server=HostileServer.NONE)
    check(rc == 1 and "check the subscription id" in err and "subs list" in err,
          "subs delete ID: a 404 hints at the subscription id", diag(rc, out, err))
    pj = Proc(["--json", "mock", "--port", "0"])
    doc = parse_json(pj.out_line() or "")
    env = (doc or {}).get("env", {})
    check(doc is not None and env.get("TWITCH_API_BASE") == doc["helix_base"]
          and env.get("TWITCH_CLIENT_SECRET") == CLIENT_SECRET and len(env) == 5,
          "tcctl --json mock: one JSON line with the same environment", repr(doc))
    check(pj.stop() == 0, "tcctl --json mock exits 0 on SIGTERM")
    all_outputs.pop()  # the JSON mock's own output (its test secret, see below)
    code = p.stop()
    mock_run = all_outputs.pop()  # the mock's own output: its published test secret is the one allowed
    check(code == 0 and mock_run[1].count(CLIENT_SECRET) == 1 and CLIENT_SECRET not in mock_run[2],
          "the second tcctl mock exits 0 on SIGTERM, its test secret printed once (the export line)",
          "exit %r" % code)


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
