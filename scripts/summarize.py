#!/usr/bin/env python3
"""Counts test results from meson test logs and prints the totals.

usage: summarize.py LABEL=BUILD_DIR/meson-logs/testlog.json ... [--extra LABEL=PASSED:FAILED ...]

TAP tests count each subtest ("ok"/"not ok" lines); other tests count once.
Prints one line per log, the name of each failure under it (so a CI log's
tail says what failed), and, last, the overall "N passed, M failed" line.
Exits 1 when anything failed.
"""
import json
import sys


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
            sub_ok = sum(1 for l in lines if l.startswith("ok "))
            sub_bad = sum(1 for l in lines if l.startswith("not ok "))
            is_tap = bool(lines) and lines[0].startswith("1..")
            name = entry.get("name", "?")
            if is_tap:
                passed += sub_ok
                failed += sub_bad
                failures += [f"{name}: {l}" for l in lines if l.startswith("not ok ")]
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
    for arg in argv:
        if arg == "--extra":
            extra = True
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
        print(f"{label}: {p} passed, {f} failed" + (f", {s} skipped" if s else ""))
        for line in failures[:20]:
            print(f"  FAILED {line}")
    print(f"{total_p} passed, {total_f} failed" + (f", {total_s} skipped" if total_s else ""))
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
