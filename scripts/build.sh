#!/bin/sh
# Configures (once) and builds a build directory: build.sh DIR [meson options...]
set -eu
dir=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$top" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
