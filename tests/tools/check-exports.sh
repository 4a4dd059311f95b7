#!/bin/sh
# Check the dynamic symbol table of the built libtwitchconduits shared library.
#
# usage: check-exports.sh LIBRARY.so [INCLUDE_DIR]
#
# Fails (exit 1, naming the offenders) unless:
#   1. every dynamic symbol the library defines starts with "tc_" (the
#      absolute symbols that name version nodes, e.g. TC_0.1, are skipped);
#   2. every one of them is bound to a TC_* version node of the library, and
#      the node TC_0.1 exists (objdump -T / objdump -p);
#   3. the SONAME is libtwitchconduits.so.0;
#   4. with INCLUDE_DIR: every function declared TC_API in the public headers
#      is exported, and nothing is exported that the headers do not declare.
# Exit 2 on a usage or tool error.
set -eu

expected_soname=libtwitchconduits.so.0
expected_node=TC_0.1

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 LIBRARY.so [INCLUDE_DIR]" >&2
    exit 2
fi
lib=$1
incdir=${2-}

if [ ! -f "$lib" ]; then
    echo "error: no such file: $lib" >&2
    exit 2
fi
for tool in nm objdump; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' not found (binutils)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

status=0
fail() {
    echo "FAIL: $*"
    status=1
}

echo "library: $lib"

# --- version nodes defined by the library (objdump -p) --------------------
# "Version definitions:" lines look like "2 0x00 0x0c5a6eb1 TC_0.1"; the
# entry with flags 0x01 is the base definition (the file's own name).
objdump -p "$lib" >"$tmp/private" || { echo "error: objdump -p failed" >&2; exit 2; }
awk '
    /^Version definitions:/ { in_defs = 1; next }
    in_defs && NF == 0 { in_defs = 0 }
    in_defs && $1 ~ /^[0-9]+$/ && $2 != "0x01" { print $4 }
' "$tmp/private" | sort -u >"$tmp/nodes"
echo "version nodes: $(tr '\n' ' ' <"$tmp/nodes")"
if ! grep -qx "$expected_node" "$tmp/nodes"; then
    fail "the library defines no version node $expected_node"
fi

# --- 3. SONAME ------------------------------------------------------------
soname=$(awk '$1 == "SONAME" { print $2 }' "$tmp/private")
echo "SONAME: ${soname:-<none>}"
if [ "$soname" != "$expected_soname" ]; then
    fail "SONAME is '${soname:-<none>}', expected '$expected_soname'"
fi

# --- 1. every defined dynamic symbol starts with tc_ ----------------------
# nm prints "ADDR TYPE NAME[@@VERSION]"; absolute (A) symbols that name a
# version node are not real exports.
nm -D --defined-only "$lib" >"$tmp/nm" || { echo "error: nm -D failed" >&2; exit 2; }
awk '
    NF >= 3 {
        name = $3
        sub(/@.*/, "", name)
        if ($2 == "A" && name ~ /^TC_[0-9]+(\.[0-9]+)*$/) next
        print name
    }
' "$tmp/nm" | sort -u >"$tmp/defined"
count=$(wc -l <"$tmp/defined" | tr -d ' ')
echo "defined dynamic symbols: $count"
if [ "$count" -eq 0 ]; then
    fail "the library exports no symbol at all"
fi
grep -v '^tc_' "$tmp/defined" >"$tmp/bad_prefix" || true
if [ -s "$tmp/bad_prefix" ]; then
    fail "symbols exported without the tc_ prefix:"
    sed 's/^/    /' "$tmp/bad_prefix"
fi

# --- 2. every one of them carries a TC_* version node ---------------------
# objdump -T lines: "ADDR FLAGS SECTION<TAB>SIZE VERSION NAME"; the version
# is in parentheses when it is hidden (not the default).
objdump -T "$lib" >"$tmp/dynsym" || { echo "error: objdump -T failed" >&2; exit 2; }
awk -F '\t' '
    NF >= 2 && $1 !~ /\*UND\*/ {
        n = split($2, f, /[ ]+/)
        # f: SIZE [VERSION] NAME (leading empty field when $2 starts with a blank)
        name = f[n]; version = ""
        for (i = 1; i < n; i++) if (f[i] != "" && f[i] !~ /^[0-9a-fA-F]+$/) version = f[i]
        gsub(/[()]/, "", version)
        print name, (version == "" ? "<none>" : version)
    }
' "$tmp/dynsym" | sort -u >"$tmp/versions"
: >"$tmp/bad_version"
while read -r name version; do
    # The version-node symbols themselves.
    if [ "$name" = "$version" ] && grep -qx "$name" "$tmp/nodes"; then
        continue
    fi
    if ! grep -qx "$version" "$tmp/nodes" || ! expr "$version" : 'TC_' >/dev/null; then
        echo "$name (version: $version)" >>"$tmp/bad_version"
    fi
done <"$tmp/versions"
versioned=$(awk '$1 != $2' "$tmp/versions" | wc -l | tr -d ' ')
echo "symbols checked for a TC_* version node: $versioned"
if [ -s "$tmp/bad_version" ]; then
    fail "symbols without a TC_* version node:"
    sed 's/^/    /' "$tmp/bad_version"
fi
# Both views of the table must agree on the set of exports.
awk '$1 != $2 { print $1 }' "$tmp/versions" | sort -u >"$tmp/objdump_names"
if ! cmp -s "$tmp/objdump_names" "$tmp/defined"; then
    fail "nm -D and objdump -T disagree on the exported symbols:"
    diff "$tmp/defined" "$tmp/objdump_names" | sed 's/^/    /' || true
fi

# --- 4. the headers and the exports match -----------------------------------
if [ -n "$incdir" ]; then
    if [ ! -d "$incdir" ]; then
        echo "error: no such directory: $incdir" >&2
        exit 2
    fi
    # The function name is the last tc_ identifier before the first "(" on a
    # line that starts a TC_API declaration.
    find "$incdir" -name '*.h' -exec cat {} + |
        grep -E '^[[:space:]]*TC_API[[:space:]]' |
        sed -n 's/^[^(]*[^A-Za-z0-9_]\(tc_[A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' |
        sort -u >"$tmp/declared"
    ndecl=$(wc -l <"$tmp/declared" | tr -d ' ')
    echo "functions declared TC_API in $incdir: $ndecl"
    if [ "$ndecl" -eq 0 ]; then
        fail "found no TC_API declaration under $incdir"
    fi
    comm -23 "$tmp/declared" "$tmp/defined" >"$tmp/missing"
    comm -13 "$tmp/declared" "$tmp/defined" >"$tmp/undeclared"
    if [ -s "$tmp/missing" ]; then
        fail "declared in the public headers but not exported:"
        sed 's/^/    /' "$tmp/missing"
    fi
    if [ -s "$tmp/undeclared" ]; then
        fail "exported but not declared in the public headers:"
        sed 's/^/    /' "$tmp/undeclared"
    fi
fi

if [ "$status" -eq 0 ]; then
    echo "OK: $count symbols, all tc_*, all versioned, SONAME $expected_soname"
fi
exit "$status"
