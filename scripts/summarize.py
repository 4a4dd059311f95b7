#!/usr/bin/env python3
"""Counts test results from meson test logs and prints the totals.

usage: summarize.py LABEL=BUILD_DIR/meson-logs/testlog.json ... [--note TEXT]
                    [--extra LABEL=PASSED:FAILED ...]

TAP tests count each subtest ("ok"/"not ok" lines); a subtest marked
"# SKIP" (or "# TODO") counts as skipped, never as passed; other tests count
once. Prints one line per log, the name of each failure under it (so a CI
log's tail says what failed), any --note lines, and, last, the overall
"N passed, M failed, K skipped" line. Exits 1 when anything failed.
"""
import json
import re
import sys

# "ok 3 - name # SKIP reason", "not ok 4 # TODO later" (TAP directives are case-insensitive)
DIRECTIVE = re.compile(r"#\s*(skip|todo)\b", re.IGNORECASE)


def tap_counts(lines):
    """(passed, failed, skipped, failing lines) of a TAP stream."""
    ok = bad = skipped = 0
    failing = []
    for l in lines:
        if l.startswith("ok ") or l.startswith("not ok "):
            if DIRECTIVE.search(l):
                skipped += 1
            elif l.startswith("ok "):
                ok += 1
            else:
                bad += 1
                failing.append(l)
    return ok, bad, skipped, failing


def count_log(path):
    passed = failed = skipped = 0
    failures = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            result = entry.get("result", "")
            out = entry.get("stdout", "") or ""
            lines = out.splitlines()
            is_tap = any(l.startswith("1..") for l in lines[:1]) or any(
                l.startswith("1..") for l in lines[-1:])
            name = entry.get("name", "?")
            if is_tap:
                sub_ok, sub_bad, sub_skip, failing = tap_counts(lines)
                passed += sub_ok
                failed += sub_bad
                skipped += sub_skip
                failures += [f"{name}: {l}" for l in failing]
                if result not in ("OK", "EXPECTEDFAIL", "SKIP") and sub_bad == 0:
                    failed += 1  # crashed, timed out or leaked before reporting a failure
                    failures.append(f"{name}: {result} after {sub_ok} passing subtest(s)")
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                failures.append(f"{name}: {result}")
    return passed, failed, skipped, failures


def main(argv):
    total_p = total_f = total_s = 0
    extra = False
    notes = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--extra":
            extra = True
            continue
        if arg == "--note":
            if args:
                notes.append(args.pop(0))
            continue
        label, _, value = arg.partition("=")
        failures = []
        if extra:
            p, _, f = value.partition(":")
            p, f, s = int(p), int(f), 0
        else:
            try:
                p, f, s, failures = count_log(value)
            except OSError as e:
                print(f"{label}: no test log ({e.strerror})")
                p, f, s = 0, 1, 0
        total_p, total_f, total_s = total_p + p, total_f + f, total_s + s
        print(f"{label}: {p} passed, {f} failed, {s} skipped")
        for line in failures[:20]:
            print(f"  FAILED {line}")
    for note in notes:
        print(f"note: {note}")
    print(f"{total_p} passed, {total_f} failed, {total_s} skipped")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
