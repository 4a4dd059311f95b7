#!/bin/sh
# The ABI gate: compares a built library's ABI with a committed baseline
# (libabigail's abidw/abidiff) and fails on any change but additions.
#
# usage: check-abi.sh LIBRARY.so HEADERS_DIR BASELINE.abi APPENDABLE.supp [--update]
#
# What is compared: every exported function and the public types it reaches,
# as the headers in HEADERS_DIR declare them. Handles whose definitions live
# in the library's sources (tc_conduits, tc_runner, ...) are opaque: a
# suppression drops every struct not defined in those headers.
# What is allowed: new functions (a new symbol in a new version node), new
# enumerators, and fields appended to the structs APPENDABLE.supp names (the
# versioned options structs; never an array element). Anything else a
# changed, removed or re-versioned function, a changed parameter or return
# type, a struct grown in the middle or reordered fails (exit 1) with
# abidiff's report.
# --update writes the current ABI to BASELINE instead (what a release does).
# Exit 2 on a usage or tool error. Needs a library built with debug info.
set -u

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
    echo "usage: $0 LIBRARY.so HEADERS_DIR BASELINE.abi APPENDABLE.supp [--update]" >&2
    exit 2
fi
lib=$1
headers=$(cd "$2" 2>/dev/null && pwd) || { echo "error: no headers directory $2" >&2; exit 2; }
baseline=$3
appendable=$4
update=${5-}
for tool in abidw abidiff; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool not found (Debian: abigail-tools)" >&2; exit 2; }
done
[ -f "$lib" ] || { echo "error: no such file: $lib" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tc-abi.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# Public headers by base name: a struct defined anywhere else is opaque.
public=$(cd "$headers" && ls ./*.h | sed 's|^\./||' | tr '\n' ',' | sed 's/,$//')
[ -n "$public" ] || { echo "error: no headers in $headers" >&2; exit 2; }
cat >"$work/opaque.supp" <<SUPP
[suppress_type]
  type_kind = struct
  source_location_not_in = $public,version.h
  drop = yes
SUPP

if ! abidw --suppressions "$work/opaque.supp" --headers-dir "$headers" --drop-private-types \
        --no-corpus-path --out-file "$work/current.abi" "$lib" 2>"$work/abidw.err"; then
    cat "$work/abidw.err" >&2
    echo "error: abidw failed on $lib" >&2
    exit 2
fi

if [ "$update" = "--update" ]; then
    cp "$work/current.abi" "$baseline" || exit 2
    echo "wrote the ABI of $lib to $baseline"
    exit 0
elif [ -n "$update" ]; then
    echo "usage: the fifth argument can only be --update" >&2
    exit 2
fi
[ -f "$baseline" ] || { echo "error: no baseline $baseline (create it with --update)" >&2; exit 2; }

abidiff --no-added-syms --suppressions "$appendable" "$baseline" "$work/current.abi" >"$work/report" 2>&1
rc=$?
# abidiff's exit status is a bit mask: 1 tool error, 2 usage error, 4 an ABI
# change, 8 an incompatible one. A changed parameter type is only 4, so any
# reported change fails.
if [ $((rc & 3)) -ne 0 ]; then
    cat "$work/report" >&2
    echo "error: abidiff failed (exit $rc)" >&2
    exit 2
fi
if [ "$rc" -ne 0 ]; then
    cat "$work/report"
    echo "FAIL: the ABI of $lib differs from $baseline beyond additions (abidiff exit $rc)"
    exit 1
fi
echo "ABI of $lib matches $baseline (additions allowed)"
exit 0
