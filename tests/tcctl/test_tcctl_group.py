#!/usr/bin/env python3
"""`tcctl shards run --group`: worker processes sharing one conduit through
shard leases in a real redis-server, against the bundled mock.

usage: test_tcctl_group.py PATH/TO/tcctl PATH/TO/tc-mock PATH/TO/redis-server

Starts its own redis-server (unix socket in a temp dir, no persistence) and its
own tc-mock with short WebSocket timers; three workers run a 9-shard conduit
with a 1.5 s lease. Checks, each waiting on conditions with deadlines:
  - every shard owned exactly once (Redis owner == the worker whose session
    the mock has the shard assigned to), each worker owning some;
  - kill -9 of a worker while events flow: its shards are taken over within
    lease TTL + one round (+ slack for a loaded machine); events lost in the
    gap are counted, none is printed twice (by one worker or by two);
  - SIGSTOP past the lease, then SIGCONT: the paused worker never re-enables
    a shard it lost before giving it up (the fencing check refuses its update);
  - Redis killed (its data lost) and restarted mid-run: sockets keep running,
    events keep flowing, no shard changes owner;
  - SIGTERM: the leases are released and taken over well within the TTL;
  - a soak with random kills and restarts asserting the invariants after each
    (TC_GROUP_SOAK_S seconds, default 8; e.g. 600 for a long soak).
Prints TAP and a final "# N passed, M failed" line; exit 1 on any failure.
"""
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CLIENT_ID = "mockclientid0123456789abcdefghij"
CLIENT_SECRET = "mocksecret0123456789abcdefghijk"
TCCTL, TC_MOCK, REDIS = (os.path.abspath(a) if a else None for a in (sys.argv[1:4] + [None] * 3)[:3])
SHARDS = 9
LEASE_MS = 1500
ROUND_MS = LEASE_MS // 3
GROUP = "bots"
# Takeover bound asserted: lease TTL + one round, plus slack for a loaded 2-core
# machine (reconnect, welcome, fencing check, PATCH). The measured value is printed.
TAKEOVER_BOUND_S = (LEASE_MS + ROUND_MS) / 1000.0 + 6.0
results = []


def check(ok, desc, diag=None):
    ok = bool(ok)
    results.append(ok)
    print(("ok %d - %s" if ok else "not ok %d - %s") % (len(results), desc))
    if not ok and diag:
        for line in str(diag).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return ok


def note(text):
    print("# " + text)
    sys.stdout.flush()


def wait_until(fn, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = fn()
    return value


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("TWITCH_")}


class Redis:
    def __init__(self, tmp):
        self.dir = tmp
        self.sock = os.path.join(tmp, "redis.sock")
        self.url = "unix://" + self.sock
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([REDIS, "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "700",
                                      "--save", "", "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return wait_until(self._accepts, 10)

    def _accepts(self):
        import socket
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(self.sock)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.unlink(self.sock)
        except OSError:
            pass


class Mock:
    def __init__(self):
        self.proc = subprocess.Popen(
            [TC_MOCK, "--port", "0", "--ws-keepalive-s", "1", "--ws-keepalive-min-s", "1",
             "--ws-assign-timeout-ms", "3000"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=clean_env())
        line = b""
        deadline = time.monotonic() + 20
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 1)
            if r:
                ch = os.read(self.proc.stdout.fileno(), 1)
                if not ch:
                    break
                line += ch
        text = line.decode()
        self.url = text.split("listening on ", 1)[1].strip() if "listening on " in text else None

    def control(self, path, body=None, method="POST"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/_mock/" + path, data=data if method == "POST" else None,
                                     method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode() or "null")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def tcctl(mock, *args):
    argv = [TCCTL, "--api-base", mock.url + "/helix", "--auth-base", mock.url + "/oauth2",
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET] + list(args)
    p = subprocess.run(argv, capture_output=True, text=True, env=clean_env(), timeout=60)
    return p.returncode, p.stdout, p.stderr


class Worker:
    """One `tcctl --json shards run --group` process; its lines parsed by a thread."""

    def __init__(self, mock, redis, conduit, wid):
        self.id = wid
        argv = [TCCTL, "--json", "--api-base", mock.url + "/helix", "--auth-base", mock.url + "/oauth2",
                "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                "--ws-url", mock.url.replace("http://", "ws://") + "/ws",
                "shards", "run", conduit, "--group", GROUP, "--redis", redis.url, "--worker-id", wid,
                "--lease-ttl-ms", str(LEASE_MS)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
        self.lock = threading.Lock()
        self.docs = []  # (monotonic time, doc)
        self.err = []
        threading.Thread(target=self._read, args=(self.proc.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, False), daemon=True).start()

    def _read(self, f, out):
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lock:
                if not out:
                    self.err.append(line)
                    continue
                try:
                    doc = json.loads(line)
                except ValueError:
                    doc = {"kind": "NOT JSON", "line": line}
                self.docs.append((time.monotonic(), doc))

    def lines(self):
        with self.lock:
            return list(self.docs)

    def sessions(self):
        """session id -> shard, from this worker's enabled lines."""
        return {d["session_id"]: d["shard_id"] for _, d in self.lines()
                if d.get("kind") == "shard" and d.get("status") == "enabled"}

    def message_ids(self):
        return [d.get("message_id") for _, d in self.lines()
                if d.get("kind") in ("notification", "revocation") and d.get("type") != "conduit.shard.disabled"]

    def alive(self):
        return self.proc.poll() is None


class Group:
    def __init__(self, mock, redis, conduit):
        self.mock, self.redis, self.conduit = mock, redis, conduit
        self.workers = {}  # id -> Worker (every one ever started, for output)
        self.live = set()

    def start(self, wid):
        self.workers[wid] = Worker(self.mock, self.redis, self.conduit, wid)
        self.live.add(wid)

    def owners(self):
        """shard -> (owner or None, token); None when Redis cannot be asked."""
        rc, out, err = tcctl(self.mock, "--json", "shards", "owners", self.conduit, "--group", GROUP,
                             "--redis", self.redis.url)
        if rc != 0:
            return None
        doc = json.loads(out)
        return {s["shard_id"]: (s["owner"], s["fencing_token"]) for s in doc["shards"]}

    def assigned(self):
        """shard -> the sessions the mock has it assigned to (open sockets)."""
        out = {}
        for s in self.mock.control("ws/sessions", method="GET")["sessions"]:
            for sh in s.get("shards", []):
                if sh.get("conduit_id") == self.conduit:
                    out.setdefault(sh["shard_id"], []).append(s["session_id"])
        return out

    def session_worker(self):
        m = {}
        for wid, w in self.workers.items():
            for sess in w.sessions():
                m[sess] = wid
        return m

    def consistent(self):
        """(ok, detail): every shard owned in Redis by a live worker, assigned at
        the mock to exactly one session, printed enabled by that same worker."""
        owners = self.owners()
        if owners is None or len(owners) != SHARDS:
            return False, "owners: %r" % (owners,)
        assigned = self.assigned()
        who = self.session_worker()
        for shard in map(str, range(SHARDS)):
            owner, _ = owners[shard]
            if owner not in self.live:
                return False, "shard %s owned by %r (live %r)" % (shard, owner, sorted(self.live))
            sess = assigned.get(shard, [])
            if len(sess) != 1 or who.get(sess[0]) != owner:
                return False, "shard %s: Redis owner %r, mock sessions %r (of %r); owners %r\n%s" % (
                    shard, owner, sess, [who.get(x) for x in sess], owners, self.story(shard))
        return True, ""

    def story(self, shard):
        """Each worker's last lines about a shard (for a failure's diagnosis)."""
        out = []
        for wid, w in sorted(self.workers.items()):
            mine = [d for _, d in w.lines() if d.get("kind") == "shard" and d.get("shard_id") == shard]
            out.append("  %s (%s): %r" % (wid, "live" if wid in self.live else "gone", mine[-3:]))
        return "\n".join(out)

    def wait_consistent(self, timeout):
        last = [None]

        def probe():
            ok, detail = self.consistent()
            last[0] = detail
            return ok
        return wait_until(probe, timeout, step=0.1), last[0]

    def stop_all(self):
        """SIGTERM every live worker; returns {id: exit code} (None: had to be killed)."""
        codes = {}
        for wid, w in self.workers.items():
            if w.alive():
                try:
                    w.proc.send_signal(signal.SIGCONT)
                    w.proc.terminate()
                    codes[wid] = w.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
                    w.proc.wait()
                    codes[wid] = None
        return codes


class Deliverer:
    """Delivers notifications round-robin over every shard's subscription from a thread."""

    batches = 0

    def __init__(self, mock, subs):
        Deliverer.batches += 1
        self.prefix = "b%d-" % Deliverer.batches  # message ids unique across batches
        self.mock, self.subs = mock, subs
        self.sent = []  # (monotonic time, message id, answer)
        self.lock = threading.Lock()
        self.running = True
        self.n = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            sub = self.subs[self.n % len(self.subs)]
            mid = "%s%d" % (self.prefix, self.n)
            self.n += 1
            try:
                ans = self.mock.control("deliver", {"subscription_id": sub, "message_id": mid, "wait": True})
            except Exception as exc:  # noqa: BLE001 - recorded, not raised
                ans = {"delivered": False, "error": repr(exc)}
            with self.lock:
                self.sent.append((time.monotonic(), mid, ans))
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join(timeout=15)

    def delivered(self):
        with self.lock:
            return [(t, mid, a) for t, mid, a in self.sent if a.get("delivered")]


def printed_counts(group):
    counts = {}
    for w in group.workers.values():
        for mid in w.message_ids():
            counts[mid] = counts.get(mid, 0) + 1
    return counts


M64 = 0xFFFFFFFFFFFFFFFF


def weight(worker, shard):
    """coord/balance.cpp's rendezvous_weight (the test checks the placement)."""
    h = 14695981039346656037
    for b in worker.encode():
        h = ((h ^ b) * 1099511628211) & M64
    h ^= 0xff
    for b in shard.encode():
        h = ((h ^ b) * 1099511628211) & M64
    h = ((h ^ (h >> 30)) * 0xbf58476d1ce4e5b9) & M64
    h = ((h ^ (h >> 27)) * 0x94d049bb133111eb) & M64
    return h ^ (h >> 31)


def target(shard, live):
    return max(sorted(live), key=lambda w: weight(w, shard))


def balanced(group):
    """Settled: every shard with its rendezvous owner among the live workers, and consistent."""
    owners = group.owners() or {}
    if len(owners) != SHARDS or any(o != target(s, group.live) for s, (o, _) in owners.items()):
        return False
    return group.consistent()[0]


def fnv1a64(text):
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def broadcaster_for_shard(shard, count, start=7000):
    n = start
    while fnv1a64(str(n)) % count != shard:
        n += 1
    return str(n)


def main():
    if not (TCCTL and TC_MOCK and REDIS and os.access(REDIS, os.X_OK)):
        print("1..0 # SKIP needs tcctl, tc-mock and redis-server")
        return 0
    tmp = tempfile.mkdtemp(prefix="tc-group-")
    redis = Redis(tmp)
    mock = Mock()
    group = None
    try:
        check(redis.start(), "a private redis-server on a unix socket")
        if not check(mock.url, "tc-mock with short WebSocket timers"):
            return finish()
        group = setup(mock, redis)
        if group is not None:
            scenarios(group, mock, redis, group.subs)
    finally:
        if group is not None:
            codes = group.stop_all()
            check(all(c == 0 for c in codes.values()), "every worker still running exits 0 on SIGTERM", codes)
            secrets_checked(group)
        mock.stop()
        redis.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def setup(mock, redis):
    rc, out, err = tcctl(mock, "--json", "conduits", "create", str(SHARDS))
    conduit = json.loads(out)["conduit"]["id"] if rc == 0 else None
    subs = []
    for s in range(SHARDS):
        rc, out, err = tcctl(mock, "--json", "subs", "create", conduit or "x", "--type", "stream.online",
                             "--version", "1", "--condition",
                             json.dumps({"broadcaster_user_id": broadcaster_for_shard(s, SHARDS)}))
        subs.append(json.loads(out)["items"][0]["subscription"]["id"] if rc == 0 else None)
    if not check(conduit and all(subs), "a %d-shard conduit with a subscription routed to each shard" % SHARDS):
        return None
    group = Group(mock, redis, conduit)
    group.subs = subs
    return group


def secrets_checked(group):
    # Built with sanitizers, a worker reports on stderr (and exits non-zero).
    reports = [(w.id, line) for w in group.workers.values() for line in w.err
               if "Sanitizer" in line or "runtime error:" in line]
    check(not reports, "no sanitizer report from any worker", reports[:10])
    leaked = [w.id for w in group.workers.values()
              if any(CLIENT_SECRET in line for line in w.err) or any(CLIENT_SECRET in json.dumps(d) for _, d in w.lines())]
    check(not leaked, "no worker printed the client secret", leaked)


def usage_checks(group, mock, redis):
    """Bad flags: exit 2 naming the problem; Redis not there: exit 1, no password shown."""
    c = group.conduit
    bad = [
        (["shards", "owners", c], "owners without --group/--redis"),
        (["shards", "owners", c, "--group", GROUP], "owners without --redis"),
        (["shards", "owners", "--group", GROUP, "--redis", redis.url], "owners without a conduit"),
        (["shards", "owners", c, "--group", "a b", "--redis", redis.url], "owners with a group name with a space"),
        (["shards", "owners", c, "--group", GROUP, "--redis", "http://x"], "owners with a URL that is not redis://"),
        (["shards", "run", c, "--group", GROUP], "run --group without --redis"),
        (["shards", "run", c, "--redis", redis.url], "run --redis without --group"),
        (["shards", "run", c, "--worker-id", "w"], "run --worker-id without a group"),
        (["shards", "run", c, "0", "--group", GROUP, "--redis", redis.url], "run --group with a SHARD"),
        (["shards", "run", c, "--group", GROUP, "--redis", redis.url, "--lease-ttl-ms", "10"],
         "run --lease-ttl-ms below 300"),
        (["shards", "run", c, "--group", GROUP, "--redis", "redis://h:0"], "run with a redis URL with port 0"),
        (["shards", "run", c, "--group", "{x}", "--redis", redis.url], "run with a group name with braces"),
    ]
    for args, what in bad:
        rc, out, err = tcctl(mock, *args)
        check(rc == 2 and err.strip(), "usage error (exit 2): " + what, "rc=%r out=%r err=%r" % (rc, out, err))
    rc, out, err = tcctl(mock, "shards", "owners", c, "--group", GROUP, "--redis",
                         "redis://:pw-s3cret-42@127.0.0.1:9")
    check(rc == 1 and "127.0.0.1:9" in err and "pw-s3cret-42" not in out + err,
          "owners with Redis not there: exit 1 naming where, never the password", "rc=%r err=%r" % (rc, err))
    rc, out, err = tcctl(mock, "shards", "owners", c, "--group", "unused-group", "--redis", redis.url)
    check(rc == 0 and "no worker of group unused-group" in out, "owners of a group nobody ran: says so", out + err)


def scenarios(group, mock, redis, subs):
    usage_checks(group, mock, redis)
    # ---- three workers: every shard owned exactly once ----
    t0 = time.monotonic()
    for wid in ("w1", "w2", "w3"):
        group.start(wid)
    ok, detail = group.wait_consistent(30)
    check(ok, "3 workers: every shard owned exactly once (Redis owner == the worker whose session the mock "
              "has assigned)", detail)
    owners = group.owners() or {}
    per = {w: sorted(s for s, (o, _) in owners.items() if o == w) for w in ("w1", "w2", "w3")}
    note("start-up: all %d shards enabled in %.2f s; %r" % (SHARDS, time.monotonic() - t0, per))
    check(all(per.values()), "each of the 3 workers owns some shards", per)
    rc, out, err = tcctl(mock, "shards", "owners", group.conduit, "--group", GROUP, "--redis", redis.url)
    check(rc == 0 and out.splitlines()[0].split() == ["SHARD", "OWNER", "LEASE_MS_LEFT", "FENCING_TOKEN"]
          and len(out.splitlines()) == SHARDS + 1, "owners without --json: a table, one row per shard", out + err)
    check(all(o == target(s, group.live) for s, (o, _) in owners.items()),
          "each shard is owned by its rendezvous owner (the balancing policy)", owners)

    # ---- kill -9 while events flow ----
    feed = Deliverer(mock, subs)
    check(wait_until(lambda: len(feed.delivered()) >= 20, 20), "events flow to every shard")
    victim = "w1"
    victim_shards = per[victim]
    w = group.workers[victim]
    w.proc.kill()
    killed_at = time.monotonic()
    w.proc.wait()
    group.live.discard(victim)
    ok, detail = group.wait_consistent(TAKEOVER_BOUND_S + 10)
    took = time.monotonic() - killed_at
    check(ok and took <= TAKEOVER_BOUND_S,
          "kill -9: the dead worker's shards %r taken over in %.2f s (bound: lease %d ms + round %d ms + %.0f s slack)"
          % (victim_shards, took, LEASE_MS, ROUND_MS, TAKEOVER_BOUND_S - (LEASE_MS + ROUND_MS) / 1000.0), detail)
    note("BENCH takeover_after_kill9_s=%.3f lease_ttl_ms=%d moved_shards=%d" % (took, LEASE_MS, len(victim_shards)))
    after = time.monotonic()
    check(wait_until(lambda: len([1 for t, _, _ in feed.delivered() if t > after]) >= 20, 20),
          "events flow again after the takeover")
    feed.stop()
    delivered = feed.delivered()
    ids_after = [mid for t, mid, _ in delivered if t > after + 0.5]
    check(wait_until(lambda: set(ids_after) <= set(printed_counts(group)), 15),
          "every event delivered after the takeover is printed", sorted(set(ids_after) - set(printed_counts(group)))[:10])
    counts = printed_counts(group)
    dups = {m: n for m, n in counts.items() if n > 1}
    check(not dups, "no event printed twice (by one worker or by two)", dups)
    lost = [mid for t, mid, _ in delivered if mid not in counts]
    gap = [mid for t, mid, _ in delivered if killed_at - 1.0 <= t <= killed_at + took]
    note("kill -9: %d events delivered by the mock, %d printed, %d lost (in flight to the killed socket); "
         "%d delivered during the gap" % (len(delivered), len(counts), len(lost), len(gap)))
    check(set(lost) <= set(mid for t, mid, _ in delivered if t <= killed_at + took),
          "events lost only around the kill, none after the takeover", lost[:10])

    # ---- SIGSTOP past the lease, then SIGCONT: fencing ----
    group.start("w4")
    ok, detail = group.wait_consistent(30)
    check(ok, "a new worker joins: every shard owned exactly once again", detail)
    owners = group.owners() or {}
    paused = "w2"
    paused_shards = sorted(s for s, (o, _) in owners.items() if o == paused)
    pw = group.workers[paused]
    pw.proc.send_signal(signal.SIGSTOP)
    group.live.discard(paused)
    ok, detail = group.wait_consistent(TAKEOVER_BOUND_S + 10)
    check(ok, "SIGSTOP: the paused worker's shards %r are taken over" % (paused_shards,), detail)
    interim = group.owners() or {}
    resumed_at_line = len(pw.lines())
    pw.proc.send_signal(signal.SIGCONT)
    resumed = time.monotonic()
    group.live.add(paused)
    # It sees it lost them: a not_owned line for each, within a few rounds.

    def gave_up():
        seen = {d["shard_id"] for _, d in pw.lines()[resumed_at_line:]
                if d.get("kind") == "shard" and d.get("status") == "not_owned"}
        return set(paused_shards) <= seen
    check(wait_until(gave_up, 15), "SIGCONT: the paused worker gives up each shard it lost (not_owned)",
          [d for _, d in pw.lines()[resumed_at_line:]][:20])
    # Fencing: before giving a shard up it never enabled it again (no update sent).
    bad = []
    for shard in paused_shards:
        for _, d in pw.lines()[resumed_at_line:]:
            if d.get("kind") != "shard" or d.get("shard_id") != shard:
                continue
            if d.get("status") == "not_owned":
                break
            if d.get("status") == "enabled":
                bad.append(d)
    check(not bad, "SIGCONT: no shard re-enabled by the paused worker before it gave it up", bad)
    ok = wait_until(lambda: balanced(group), 30, step=0.1)
    check(ok, "after SIGCONT: the resumed worker rejoins by the rules: every shard with its rendezvous owner, "
              "owned exactly once", group.consistent()[1])
    final = group.owners() or {}
    regained = [s for s in paused_shards if final.get(s, (None, 0))[0] == paused]
    check(all(final[s][1] > interim[s][1] for s in regained),
          "shards the resumed worker got back carry a newer fencing token than the interim owner's",
          {s: (interim.get(s), final.get(s)) for s in regained})
    note("SIGSTOP/SIGCONT: %d shards lost, %d regained through rebalancing %.2f s after SIGCONT"
         % (len(paused_shards), len(regained), time.monotonic() - resumed))

    # ---- Redis restart (its data lost) mid-run ----
    check(wait_until(lambda: balanced(group), 30, step=0.1), "settled before the Redis restart", group.consistent()[1])
    before = {s: o for s, (o, _) in (group.owners() or {}).items()}
    assigned_before = group.assigned()
    feed = Deliverer(mock, subs)
    redis.kill()
    outage = time.monotonic()
    check(wait_until(lambda: len([1 for t, _, _ in feed.delivered() if t > outage]) >= 15, 20),
          "Redis down: events keep flowing")
    down_for = time.monotonic() - outage
    check(group.assigned() == assigned_before, "Redis down for %.1f s: every socket kept its shard" % down_for)
    check(redis.start(), "Redis restarted (empty)")
    ok, detail = group.wait_consistent(20)
    after_owners = {s: o for s, (o, _) in (group.owners() or {}).items()}
    check(ok and after_owners == before, "Redis back: the holders re-took their leases, no shard moved",
          "%s\nbefore %r\nafter  %r" % (detail, before, after_owners))
    feed.stop()
    counts = printed_counts(group)
    outage_ids = [mid for t, mid, _ in feed.delivered()]
    check(wait_until(lambda: set(outage_ids) <= set(printed_counts(group)), 15),
          "every event delivered around the Redis restart is printed once",
          sorted(set(outage_ids) - set(printed_counts(group)))[:10])
    dups = {m: n for m, n in printed_counts(group).items() if n > 1}
    check(not dups, "still no event printed twice", dups)

    # ---- SIGTERM: graceful release ----
    owners = group.owners() or {}
    leaving = "w3"
    leaving_shards = sorted(s for s, (o, _) in owners.items() if o == leaving)
    lw = group.workers[leaving]
    t0 = time.monotonic()
    lw.proc.terminate()
    code = lw.proc.wait(timeout=20)
    group.live.discard(leaving)
    ok, detail = group.wait_consistent(20)
    took = time.monotonic() - t0
    check(code == 0 and ok, "SIGTERM: exit 0, leases released, shards %r taken over in %.2f s" % (leaving_shards, took),
          detail)
    note("BENCH takeover_after_sigterm_s=%.3f lease_ttl_ms=%d moved_shards=%d" % (took, LEASE_MS, len(leaving_shards)))

    # ---- soak: random kills and restarts, invariants after each ----
    soak_s = float(os.environ.get("TC_GROUP_SOAK_S", "8"))
    rng = random.Random(int(os.environ.get("TC_GROUP_SOAK_SEED", "13")))
    end = time.monotonic() + soak_s
    steps = 0
    failures = []
    feed = Deliverer(mock, subs)
    next_id = 5
    while time.monotonic() < end:
        live = sorted(group.live)
        action = rng.choice(["kill", "term", "start"] if len(live) > 1 else ["start"])
        if action == "start" or len(live) < 2:
            wid = "w%d" % next_id
            next_id += 1
            group.start(wid)
        else:
            wid = rng.choice(live)
            wk = group.workers[wid]
            if action == "kill":
                wk.proc.kill()
            else:
                wk.proc.terminate()
            wk.proc.wait()
            group.live.discard(wid)
        steps += 1
        ok, detail = group.wait_consistent(TAKEOVER_BOUND_S + 10)
        if not ok:
            failures.append("%s %s: %s" % (action, wid, detail))
            break
    feed.stop()
    check(not failures and steps > 0,
          "soak %.0f s: %d random kills/stops/starts, every shard owned exactly once after each" % (soak_s, steps),
          failures)
    dups = {m: n for m, n in printed_counts(group).items() if n > 1}
    check(not dups, "soak: no event printed twice", dups)


def finish():
    passed = sum(1 for r in results if r)
    print("1..%d" % len(results))
    print("# %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) and results else 1


if __name__ == "__main__":
    sys.exit(main())
