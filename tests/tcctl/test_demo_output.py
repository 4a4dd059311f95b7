#!/usr/bin/env python3
"""What `tcctl demo` prints reads in the order things happened and adds up
(issue #12, item 10): in step 4 every shard's assignment is shown before the
verification the mock sent for it, and the summary splits the messages the
mock sent into new events, resends and revocations that sum to the total.

usage: test_demo_output.py TCCTL        Prints TAP."""
import re
import subprocess
import sys


def main():
    env = {"PATH": "/usr/bin:/bin"}  # no TWITCH_* credentials: the demo ignores them anyway
    p = subprocess.run([sys.argv[1], "demo"], capture_output=True, text=True, timeout=60, env=env)
    out = p.stdout
    results = [(p.returncode == 0, "tcctl demo exits 0")]
    step4 = out.split("== 4.", 1)[-1].split("== 5.", 1)[0]
    lines = [l.strip() for l in step4.splitlines()]
    shards = [i for i, l in enumerate(lines) if l.startswith("shard ") and " -> " in l]
    verifications = [i for i, l in enumerate(lines) if l.startswith("<- verification")]
    results.append((len(shards) == 2 and len(verifications) == 2 and max(shards) < min(verifications),
                    "step 4 shows both assignments before their verifications"))
    counters = dict((m.group(1).strip(), int(m.group(2)))
                    for m in re.finditer(r"^(.*?)\s{2,}(\d+)$", out.split("COUNTER", 1)[-1], re.M))
    sent = counters.get("messages the mock sent to the listener (2xx)")
    parts = [counters.get("= new events"), counters.get("+ resends of an event already sent"),
             counters.get("+ revocations")]
    results.append((sent is not None and None not in parts and sum(parts) == sent,
                    "the messages the mock sent (%s) = new events + resends + revocations (%s)" % (sent, parts)))
    print("1..%d" % len(results))
    for i, (ok, what) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    if not all(ok for ok, _ in results):
        print("\n".join("# " + l for l in (out + p.stderr).splitlines()))
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
