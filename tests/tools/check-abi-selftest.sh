#!/bin/sh
# Self-test of check-abi.sh: writes a baseline from the BASE build of the
# fixture library, then checks a VARIANT build against it. EXPECT is "pass",
# or "fail" (exit 1 with the gate's FAIL line, not a tool error).
#
# usage: check-abi-selftest.sh CHECK_ABI BASE.so VARIANT.so HEADERS_DIR APPENDABLE.supp EXPECT
set -u
[ $# -eq 6 ] || { echo "usage: $0 CHECK_ABI BASE.so VARIANT.so HEADERS_DIR APPENDABLE.supp pass|fail" >&2; exit 2; }
check=$1 base=$2 variant=$3 headers=$4 supp=$5 expect=$6
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-abi-selftest.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
"$check" "$base" "$headers" "$work/base.abi" "$supp" --update || exit 2
"$check" "$variant" "$headers" "$work/base.abi" "$supp" >"$work/out" 2>&1
rc=$?
cat "$work/out"
case $expect in
pass) [ "$rc" -eq 0 ] && { echo "self-test: accepted as expected"; exit 0; } ;;
fail) [ "$rc" -eq 1 ] && grep -q '^FAIL: the ABI of' "$work/out" && { echo "self-test: rejected as expected"; exit 0; } ;;
esac
echo "self-test: expected $expect, got exit $rc" >&2
exit 1
