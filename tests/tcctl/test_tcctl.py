#!/usr/bin/env python3
"""End-to-end tests of tcctl against its own embedded mock (`tcctl mock`).

usage: test_tcctl.py PATH/TO/tcctl

Prints a TAP stream and a final "# N passed, M failed" line; exits 1 on any
failure. python3 standard library only; no sleeps used for synchronisation
(everything polls with a deadline).
"""
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
    for cmd in ["token", "conduits", "shards", "subs", "mock"]:
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
    rc, out, err = run("--json", "subs", "create", conduit, "--type", "stream.online", "--version", "1",
                       "--count", "7", "--broadcaster-from", "500")
    doc = parse_json(out)
    check(rc == 0 and doc is not None and all(i["outcome"] == "existed" for i in doc["items"]),
          "re-running the bulk create adopts, never duplicates", diag(rc, out, err))
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

    # ---- no colours or progress escapes when not on a terminal ----
    check(all("\033[" not in o and "\033[" not in e for _, o, e in all_outputs),
          "no ANSI escapes in piped output")
    # ---- no secret ever printed ----
    leaks = [(a, s) for a, o, e in all_outputs for s in secrets if s in o or s in e]
    check(not leaks, "no secret in any stdout/stderr (%d runs)" % len(all_outputs), leaks)

    code = mock.stop()
    check(code == 0, "tcctl mock exits 0 on SIGTERM", "exit status %r" % code)
    return finish()


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
