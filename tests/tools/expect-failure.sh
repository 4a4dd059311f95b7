#!/bin/sh
# Runs a checker that is expected to FAIL for one precise reason, and passes
# only when it does: exit status exactly EXIT and a line of its output
# containing PATTERN (a fixed string). Any other exit (a tool or usage error,
# a crash, a pass) or a failure for another reason fails the self-test.
#
# usage: expect-failure.sh EXIT PATTERN COMMAND [ARGS...]
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 EXIT PATTERN COMMAND [ARGS...]" >&2
    exit 2
fi
want_exit=$1
pattern=$2
shift 2
out=$("$@" 2>&1)
got_exit=$?
# Shown as comments: the checker's own "ok"/"not ok" lines are what this
# self-test expects, not results (scripts/summarize.py would count them).
printf '%s\n' "$out" | sed 's/^/# /'
if [ "$got_exit" -ne "$want_exit" ]; then
    echo "self-test: expected exit $want_exit, got $got_exit" >&2
    exit 1
fi
if ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
    echo "self-test: exit $got_exit as expected, but no line contains: $pattern" >&2
    exit 1
fi
echo "self-test: failed as expected (exit $got_exit, \"$pattern\")"
exit 0
