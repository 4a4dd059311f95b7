#!/bin/sh
# Installs a build into a staging dir and proves a plain C program builds
# against it with `pkg-config --cflags --libs twitchconduits` and runs
# against the mock server: check-install.sh BUILD_DIR STAGE_DIR
set -eu
build=$1
stage=$2
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$stage"
meson install -C "$build" --destdir "$stage" --quiet
pcdir=$(dirname "$(find "$stage" -name twitchconduits.pc | head -n 1)")
libdir=$(dirname "$(find "$stage" -name 'libtwitchconduits.so.0' | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --cflags --libs twitchconduits)
echo "pkg-config: $flags"
cc -std=c99 -Wall -Wextra -pedantic -Werror "$top/examples/pkgconfig_consumer.c" -o "$stage/consumer" $flags
# The installed header must not need anything but itself.
printf '#include <twitchconduits.h>\nint main(void){return tc_version(0,0,0)==0;}\n' > "$stage/h.c"
cc -std=c99 -Wall -Wextra -pedantic -Werror "$stage/h.c" -o "$stage/h" $flags

log=$(mktemp)
"$build/tools/mock/tc-mock" --port 0 >"$log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null; rm -f "$log"' EXIT
i=0
until grep -q "listening on" "$log" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
base=$(sed -n 's/^tc-mock listening on //p' "$log" | head -n 1)
[ -n "$base" ] || { echo "tc-mock did not start" >&2; exit 1; }
LD_LIBRARY_PATH="$libdir" TWITCH_CLIENT_ID=mockclientid0123456789abcdefghij \
    TWITCH_CLIENT_SECRET=mocksecret0123456789abcdefghijk \
    TWITCH_API_BASE="$base/helix" TWITCH_AUTH_BASE="$base/oauth2" "$stage/consumer"
# It must really be the staged copy that was loaded.
LD_LIBRARY_PATH="$libdir" ldd "$stage/consumer" | grep -q "$libdir/libtwitchconduits.so.0"
echo "installed library OK"
