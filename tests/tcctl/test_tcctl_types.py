#!/usr/bin/env python3
"""tcctl types and subs create --types / --all-for-user against `tcctl mock`
(reuses test_tcctl.py's driver: same arguments, TAP output)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tcctl as t  # noqa: E402


def main():
    rc, out, err = t.run("types", creds=False)
    t.check(rc == 0 and "channel.follow" in out and "84 of 84 type versions" in out,
            "types lists the catalogue without credentials", t.diag(rc, out, err))
    rc, out, err = t.run("--json", "types", "user.whisper", creds=False)
    doc = t.parse_json(out)
    t.check(rc == 0 and isinstance(doc, list) and len(doc) == 1 and doc[0]["condition_required"]
            == ["user_id"], "types --json FILTER: one JSON array", t.diag(rc, out, err))
    rc, out, err = t.run("types", "no-such-thing", creds=False)
    t.check(rc == 1 and "no subscription type matches" in err, "types with a filter matching nothing exits 1",
            t.diag(rc, out, err))
    rc, out, err = t.run("types", "--withdrawn", "channel.follow", creds=False)
    t.check(rc == 0 and "1 (use 2)" in out, "types --withdrawn names the replacement", t.diag(rc, out, err))

    t.mock = t.Mock()
    if not t.check(t.mock.url is not None, "tcctl mock starts", t.mock.first_line):
        return t.finish()
    rc, out, err = t.run("--json", "conduits", "create", "1")
    doc = t.parse_json(out)
    conduit = doc["conduit"]["id"] if doc and "conduit" in doc else "x"
    t.check(rc == 0, "a conduit to subscribe", t.diag(rc, out, err))

    cond = '{"broadcaster_user_id":"4242","moderator_user_id":"4343","other":"x"}'
    rc, out, err = t.run("--json", "subs", "create", conduit, "--types",
                         "channel.follow,stream.online,channel.chat.message,made.up,channel.follow@1",
                         "--condition", cond)
    doc = t.parse_json(out)
    items = doc["items"] if doc else []
    outcomes = [i["outcome"] for i in items]
    t.check(rc == 3 and outcomes == ["created", "created", "failed", "failed", "failed"],
            "subs create --types: per-item results, exit 3 when some failed", t.diag(rc, out, err))
    if len(items) == 5:
        t.check(items[0]["subscription"]["version"] == "2"
                and items[0]["subscription"]["condition"] == {"broadcaster_user_id": "4242", "moderator_user_id": "4343"},
                "the newest version, and only the fields the type uses", items[0])
        t.check("user_id" in items[2]["message"] and "made.up" in items[3]["message"]
                and "use version 2" in items[4]["message"], "each failure says why", items[2:])
    rc, out, err = t.run("subs", "create", conduit, "--types", "stream.online", "--condition", cond)
    t.check(rc == 0 and "1 existed" in out, "subs create --types again: adopted, not duplicated", t.diag(rc, out, err))

    rc, out, err = t.run("--json", "subs", "create", conduit, "--all-for-user", "777")
    doc = t.parse_json(out)
    items = doc["items"] if doc else []
    t.check(rc == 0 and len(items) > 60 and all(i["outcome"] == "created" for i in items)
            and all(set(i["subscription"]["condition"].values()) == {"777"} for i in items),
            "subs create --all-for-user: every type that user id fills", t.diag(rc, out, err)[:2000])

    for args, why in ((["--types", "stream.online"], "--types without --condition"),
                      (["--types", "stream.online", "--condition", "[1]"], "--condition not an object"),
                      (["--types", ",", "--condition", "{}"], "--types with no name"),
                      (["--all-for-user", "12a"], "--all-for-user not numeric"),
                      (["--all-for-user", "1", "--types", "stream.online"], "--all-for-user with --types"),
                      (["--types", "stream.online", "--version", "1", "--condition", "{}"], "--types with --version")):
        rc, out, err = t.run("subs", "create", conduit, *args)
        t.check(rc == 2 and err.strip() != "", "usage error: " + why, t.diag(rc, out, err))
    t.run("conduits", "delete", conduit)
    code = t.mock.stop()
    t.check(code == 0, "the mock exits 0", code)
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
