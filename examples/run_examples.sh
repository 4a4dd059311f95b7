#!/bin/sh
# Run the example programs against a freshly started tc-mock and check what
# they print. Exit status 0 only when every check passed.
#
# usage: run_examples.sh TC_MOCK PKGCONFIG_CONSUMER DLOPEN_CONSUMER LIBTWITCHCONDUITS_SO TOUR
set -u

if [ $# -ne 5 ]; then
    echo "usage: $0 TC_MOCK PKGCONFIG_CONSUMER DLOPEN_CONSUMER LIBTWITCHCONDUITS_SO TOUR" >&2
    exit 2
fi
mock_exe=$1
pkgconfig_consumer=$2
dlopen_consumer=$3
tc_lib=$4
tour=$5

work=$(mktemp -d "${TMPDIR:-/tmp}/tc-examples.XXXXXX") || exit 1
mock_pid=
cleanup() {
    if [ -n "$mock_pid" ]; then
        kill "$mock_pid" 2>/dev/null
        wait "$mock_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM  # run cleanup on these too

# Start the mock on a free port; its first stdout line names the port.
"$mock_exe" --port 0 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
base=
tries=0
while [ $tries -lt 100 ]; do
    line=$(head -n 1 "$work/mock.out" 2>/dev/null)
    case $line in
        "tc-mock listening on "*) base=${line#tc-mock listening on }; break ;;
    esac
    if ! kill -0 "$mock_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
    tries=$((tries + 1))
done
if [ -z "$base" ]; then
    echo "FAIL: tc-mock did not start" >&2
    cat "$work/mock.out" "$work/mock.err" >&2
    exit 1
fi
echo "tc-mock at $base (pid $mock_pid)"

client_id=mockclientid0123456789abcdefghij
client_secret=mocksecret0123456789abcdefghijk
export TWITCH_API_BASE="$base/helix"
export TWITCH_AUTH_BASE="$base/oauth2"

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run NAME EXPECTED_STATUS COMMAND...: runs it with stdout/stderr in $work/NAME.*
# (per-run environment goes through env(1): assignments before a shell
# function call may outlive it in some shells)
run() {
    name=$1
    want=$2
    shift 2
    "$@" >"$work/$name.out" 2>"$work/$name.err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit status $got, expected $want"
        sed "s/^/  $name stdout: /" "$work/$name.out" >&2
        sed "s/^/  $name stderr: /" "$work/$name.err" >&2
        return 1
    fi
    return 0
}

# expect NAME STREAM TEXT: the stream (out or err) of NAME contains TEXT
expect() {
    if ! grep -F -q -- "$3" "$work/$1.$2"; then
        fail "$1: std$2 lacks '$3'"
        sed "s/^/  $1 std$2: /" "$work/$1.$2" >&2
    fi
}

# refuse NAME TEXT: neither stream of NAME contains TEXT
refuse() {
    if grep -F -q -- "$2" "$work/$1.out" "$work/$1.err"; then
        fail "$1: output contains '$2'"
    fi
}

export TWITCH_CLIENT_ID="$client_id"
export TWITCH_CLIENT_SECRET="$client_secret"

# 1. The pkg-config consumer: token expiry (never the token), then the list.
if run pkgconfig 0 "$pkgconfig_consumer"; then
    expect pkgconfig out "twitchconduits "
    expect pkgconfig out "app token expires at "
    expect pkgconfig out "GET /eventsub/conduits: HTTP 200"
    expect pkgconfig out '{"data":[]}'
    refuse pkgconfig "access_token"
    refuse pkgconfig "$client_secret"
fi

# 2. The dlopen consumer, given the library's path.
if run dlopen_path 0 "$dlopen_consumer" "$tc_lib"; then
    expect dlopen_path out "loaded $tc_lib: twitchconduits "
    expect dlopen_path out "GET /eventsub/conduits: HTTP 200"
    expect dlopen_path out '{"data":[]}'
fi

# 3. The dlopen consumer by its default name (libtwitchconduits.so.0), found
#    through the library search path.
lib_dir=$(dirname "$tc_lib")
if run dlopen_default 0 env LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$dlopen_consumer"; then
    expect dlopen_default out "loaded libtwitchconduits.so.0: twitchconduits "
    expect dlopen_default out '{"data":[]}'
fi

# 4. Error handling: a wrong secret fails with the status text and the
#    library's message, and the secret is not echoed back.
bad_secret=wrongsecret0123456789abcdefghij
if run pkgconfig_badsecret 1 env TWITCH_CLIENT_SECRET=$bad_secret "$pkgconfig_consumer"; then
    expect pkgconfig_badsecret err "tc_token_get_sync failed: authentication failed: "
    refuse pkgconfig_badsecret "$bad_secret"
fi
if run dlopen_badsecret 1 env TWITCH_CLIENT_SECRET=$bad_secret "$dlopen_consumer" "$tc_lib"; then
    expect dlopen_badsecret err "GET /eventsub/conduits failed: authentication failed: "
    refuse dlopen_badsecret "$bad_secret"
fi

# 5. Usage errors.
if run pkgconfig_noenv 2 env TWITCH_CLIENT_ID= "$pkgconfig_consumer"; then
    expect pkgconfig_noenv err "set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET"
fi
if run dlopen_nolib 1 "$dlopen_consumer" "$work/no-such-library.so"; then
    expect dlopen_nolib err "dlopen($work/no-such-library.so)"
fi

# 6. README's tour: a conduit created in the blocking form, listed in the
#    asynchronous one.
if run tour 0 "$tour"; then
    expect tour out 'success: HTTP 200 after 1 attempt(s): {"data":[{"id":"'
    expect tour out '"shard_count":4'
    expect tour out "async: success, HTTP 200: "
    refuse tour "$client_secret"
fi
if run tour_badsecret 1 env TWITCH_CLIENT_SECRET=wrongsecret0123456789abcdefghij "$tour"; then
    expect tour_badsecret out "authentication failed: HTTP 0 after 0 attempt(s)" # never sent to Helix
    expect tour_badsecret err "app token request failed"
    refuse tour_badsecret wrongsecret0123456789abcdefghij
fi

# The mock must still be up (nothing above crashed it).
if ! kill -0 "$mock_pid" 2>/dev/null; then
    fail "tc-mock exited during the run"
    cat "$work/mock.err" >&2
fi

if [ "$failures" -ne 0 ]; then
    echo "examples: $failures check(s) failed" >&2
    exit 1
fi
echo "examples: all checks passed"
exit 0
