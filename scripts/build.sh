#!/bin/sh
# Configures (once) and builds a build directory, showing progress:
#   build.sh DIR [TARGET...]     (no TARGET = everything)
# On a terminal ninja's own one-line progress shows; otherwise a line every
# 10% of the build. The full output is kept in DIR/build.log and printed
# when the build fails.
set -eu
dir=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$dir/build.ninja" ]; then
    echo "configuring $dir (meson)..." >&2
    if ! meson setup "$dir" "$top" >"${TMPDIR:-/tmp}/tc-setup.$$.log" 2>&1; then
        cat "${TMPDIR:-/tmp}/tc-setup.$$.log" >&2
        rm -f "${TMPDIR:-/tmp}/tc-setup.$$.log"
        exit 1
    fi
    rm -f "${TMPDIR:-/tmp}/tc-setup.$$.log"
fi
if ninja -C "$dir" -n "$@" 2>/dev/null | grep -q '^\['; then
    echo "building ${*:-everything} in $dir (the first build takes a minute or two)..." >&2
else
    exit 0  # up to date
fi
if [ -t 2 ]; then
    ninja -C "$dir" "$@" >&2
    exit
fi
# Not a terminal: "[n/m] ..." lines reduced to one per 10%.
set +e
NINJA_STATUS='[%f/%t] ' ninja -C "$dir" "$@" >"$dir/build.log" 2>&1 &
pid=$!
last=-1
while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    pct=$(sed -n 's/^\[\([0-9]*\)\/\([0-9]*\)\].*/\1 \2/p' "$dir/build.log" | tail -n 1 |
        awk '{ if ($2 > 0) printf "%d", int($1 * 10 / $2) * 10 }')
    if [ -n "$pct" ] && [ "$pct" != "$last" ]; then
        echo "  $pct%" >&2
        last=$pct
    fi
done
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] || cat "$dir/build.log" >&2
exit "$rc"
