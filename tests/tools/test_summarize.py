#!/usr/bin/env python3
"""Self-test of scripts/summarize.py (TAP output): a skip is never a pass, a
crash after passing subtests is a failure, a missing log is a failure, and the
totals line is always printed last."""
import json
import os
import subprocess
import sys
import tempfile

SUMMARIZE = sys.argv[1]
results = []


def check(name, cond, detail=""):
    results.append((name, cond, detail))


def log(path, entries):
    with open(path, "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")


def run(*args):
    p = subprocess.run([sys.executable, SUMMARIZE, *args], capture_output=True, text=True)
    return p.returncode, p.stdout.strip().splitlines()


with tempfile.TemporaryDirectory() as d:
    tap = "1..4\nok 1 - a\nok 2 - b # SKIP no ws\nnot ok 3 - c # TODO later\nok 4 - d # skip\n"
    log(f"{d}/a.json", [{"name": "t", "result": "OK", "stdout": tap},
                        {"name": "plain", "result": "OK", "stdout": ""},
                        {"name": "skipped", "result": "SKIP", "stdout": ""}])
    rc, out = run(f"a={d}/a.json")
    check("skips are not passes", out[-1] == "2 passed, 0 failed, 4 skipped", out[-1])
    check("exit 0 with skips only", rc == 0, str(rc))

    log(f"{d}/b.json", [{"name": "crash", "result": "ERROR", "stdout": "1..3\nok 1 - a\n"}])
    rc, out = run(f"b={d}/b.json")
    check("a crash after passing subtests fails", out[-1] == "1 passed, 1 failed, 0 skipped", out[-1])
    check("the failure is named", any("FAILED crash" in l for l in out), "\n".join(out))
    check("exit 1 on failure", rc == 1, str(rc))

    rc, out = run(f"c={d}/missing.json", "--note", "bench: 1 target NOT MET", "--extra", "install=1:0")
    check("a missing log is a failure", out[-1] == "1 passed, 1 failed, 0 skipped", out[-1])
    check("notes are printed before the totals", out[-2] == "note: bench: 1 target NOT MET", out[-2])

print(f"1..{len(results)}")
for i, (name, ok, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        print(f"# got: {detail}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
