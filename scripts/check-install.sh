#!/bin/sh
# Installs a build into a staging dir (meson install --destdir) and proves,
# with nothing but the staged tree: the C examples that use only the
# installed API (tour, pkgconfig_consumer, dlopen_consumer) build with
# `pkg-config --cflags --libs twitchconduits` and run against the staged
# tc-mock, the examples that embed the mock build against the staged tree
# too, and the staged tcctl talks to it: check-install.sh BUILD_DIR STAGE_DIR
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
# The README's command, with pkg-config looking in the stage (only here).
(
    export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage"
    cc -std=c99 -Wall -Wextra -pedantic -Werror "$top/examples/tour.c" -o "$stage/tour" $(pkg-config --cflags --libs twitchconduits)
)
cflags=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --cflags twitchconduits)
cc -std=c99 -Wall -Wextra -pedantic -Werror "$top/examples/dlopen_consumer.c" -o "$stage/dlopen_consumer" $cflags -ldl
bindir=$(dirname "$(find "$stage" -name tc-mock -type f | head -n 1)")
[ -x "$bindir/tcctl" ] || { echo "tcctl is not installed beside tc-mock in $bindir" >&2; exit 1; }
# The installed header must not need anything but itself.
printf '#include <twitchconduits.h>\nint main(void){return tc_version(0,0,0)==0;}\n' > "$stage/h.c"
cc -std=c99 -Wall -Wextra -pedantic -Werror "$stage/h.c" -o "$stage/h" $flags
# One version everywhere: tc_version() at run time, the header's
# TC_VERSION_STRING, pkg-config's Version, the file name and the SONAME major.
printf '#include <stdio.h>\n#include <string.h>\n#include <twitchconduits.h>\nint main(void){int ma,mi,pa;const char*v=tc_version(&ma,&mi,&pa);printf("%%s %%d\\n",v,ma);return strcmp(v,TC_VERSION_STRING)!=0;}\n' > "$stage/v.c"
cc -std=c99 -Wall -Wextra -pedantic -Werror "$stage/v.c" -o "$stage/v" $flags
set -- $(LD_LIBRARY_PATH="$libdir" "$stage/v")
run_version=$1 run_major=$2
pc_version=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --modversion twitchconduits)
soname=$(objdump -p "$libdir/libtwitchconduits.so.0" | awk '$1 == "SONAME" { print $2 }')
[ -f "$libdir/libtwitchconduits.so.$run_version" ] || { echo "no libtwitchconduits.so.$run_version in $libdir" >&2; exit 1; }
[ "$pc_version" = "$run_version" ] || { echo "pkg-config says $pc_version, tc_version() says $run_version" >&2; exit 1; }
[ "$soname" = "libtwitchconduits.so.$run_major" ] || { echo "SONAME $soname does not match major $run_major" >&2; exit 1; }
echo "version $run_version: tc_version(), pkg-config, file name and SONAME $soname agree"

. "$top/scripts/staged-mock.sh"
start_staged_mock "$libdir" "$bindir/tc-mock" "$stage/tc-mock.log"
base=$mock_base
export LD_LIBRARY_PATH="$libdir" TWITCH_CLIENT_ID=mockclientid0123456789abcdefghij \
    TWITCH_CLIENT_SECRET=mocksecret0123456789abcdefghijk \
    TWITCH_API_BASE="$base/helix" TWITCH_AUTH_BASE="$base/oauth2"
"$stage/consumer"
"$stage/tour"
"$stage/dlopen_consumer" "$libdir/libtwitchconduits.so.0"
"$bindir/tcctl" --json conduits list | grep -q '"conduits":\['
# The examples that start the mock in-process (the demo workflow, the runner,
# subscribe-by-types, the pull loop): compiled against the staged headers and
# library, with only the mock's archive taken from the build tree (the mock
# server is not a public library), and run.
mock_libs="$build/tools/mock/libtcmock.a $build/data/libtc_catalogue.a $(pkg-config --libs libmicrohttpd libcjson openssl libcurl) -lpthread"
staged_examples=""
for example in conduit_workflow run_conduit subscribe_user pull_loop; do
    cc -std=c99 -Wall -Wextra -pedantic -Werror -c "$top/examples/$example.c" -o "$stage/$example.o" \
        -I"$top/tools/mock" $cflags
    # C++ objects inside the mock's archive: link with the C++ driver.
    c++ "$stage/$example.o" -o "$stage/$example" $flags $mock_libs
    (cd "$stage" && TWITCH_CLIENT_ID= TWITCH_CLIENT_SECRET= "./$example" >"$stage/$example.log" 2>&1) ||
        { cat "$stage/$example.log"; echo "staged example $example failed" >&2; exit 1; }
    echo "example $example: built against the staged tree, ran OK"
    staged_examples="$staged_examples $stage/$example"
done
# The group worker needs a Redis: built against the staged tree, its usage checked.
cc -std=c99 -Wall -Wextra -pedantic -Werror "$top/examples/group_worker.c" -o "$stage/group_worker" $flags
set +e
"$stage/group_worker" >/dev/null 2>"$stage/group_worker.log"
worker_exit=$?
set -e
[ "$worker_exit" -eq 2 ] && grep -q "usage: " "$stage/group_worker.log" ||
    { cat "$stage/group_worker.log"; echo "staged group_worker: exit $worker_exit, no usage" >&2; exit 1; }
echo "example group_worker: built against the staged tree, usage OK"
# It must really be the staged copy that was loaded.
for program in "$stage/consumer" "$stage/tour" "$bindir/tcctl" $staged_examples; do
    ldd "$program" | grep -q "$libdir/libtwitchconduits.so.0" || { echo "$program did not load the staged library" >&2; exit 1; }
done
# The Python package, when the binding was built: importable from the staged
# site directory alone, and working against the mock.
pkg=$(find "$stage" -path '*/twitchconduits/__init__.py' | head -n 1)
if [ -n "$pkg" ]; then
    site=$(dirname "$(dirname "$pkg")")
    (cd "$stage" && PYTHONPATH="$site" /usr/bin/python3 -c '
import os, twitchconduits as tc
assert os.path.dirname(tc.__file__).startswith(os.environ["PYTHONPATH"]), tc.__file__
with tc.Client(client_id=os.environ["TWITCH_CLIENT_ID"], client_secret=os.environ["TWITCH_CLIENT_SECRET"],
               api_base_url=os.environ["TWITCH_API_BASE"], auth_base_url=os.environ["TWITCH_AUTH_BASE"]) as c:
    print("python package from", os.path.dirname(tc.__file__), "lists", len(c.list_conduits()), "conduit(s)")
')
fi
echo "installed library OK"
