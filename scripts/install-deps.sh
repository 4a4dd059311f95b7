#!/bin/sh
# Installs the Debian/Ubuntu packages the project needs to build and test.
# Runs apt-get only when something is missing; uses sudo when not root.
#
# WebSocket shards need a libcurl built with ws/wss (8.11 or newer). Debian 12
# ships 7.88 without them; its bookworm-backports has 8.14, so on bookworm this
# script enables backports (copying the Debian entry already configured, so no
# mirror is named here) and takes libcurl from there. Elsewhere the
# distribution's libcurl is used; without ws/wss the library still builds and
# its WebSocket calls fail with TC_EUNSUPPORTED naming this fix.
set -eu

packages="build-essential meson ninja-build pkg-config python3
libcurl4-openssl-dev libcjson-dev libssl-dev libmicrohttpd-dev libcmocka-dev
valgrind clang libclang-rt-14-dev abigail-tools
swig python3-dev python3-pytest ruby-dev
python3-websockets python3-prometheus-client libhiredis-dev redis-server
python3-venv python3-pip python3-mesonpy python3-mypy curl"

# Go: any Go >= 1.19 on PATH will do (Debian's golang-go is 1.19).
command -v go >/dev/null 2>&1 || packages="$packages golang-go"

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    sudo="need-root"
fi
as_root() {
    if [ "$sudo" = need-root ]; then
        echo "need root (or sudo) to run: $*" >&2
        exit 1
    fi
    $sudo "$@"
}

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

curl_has_ws() { command -v curl-config >/dev/null 2>&1 && curl-config --protocols | grep -qx WSS; }
is_bookworm() { grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release; }

updated=""
apt_update() {
    [ -n "$updated" ] && return 0
    as_root apt-get update -qq
    updated=1
}

export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
    echo "installing:$missing"
    apt_update
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    as_root apt-get install -y -qq --no-install-recommends $missing
fi

if ! curl_has_ws && is_bookworm; then
    src=/etc/apt/sources.list.d/debian.sources
    bp=/etc/apt/sources.list.d/twitchconduits-backports.sources
    if [ -f "$src" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        echo "enabling bookworm-backports (libcurl with WebSockets)"
        # The first stanza of the Debian entry, with its suite switched to backports.
        awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1' "$src" |
            sed -e 's/^Suites:.*/Suites: bookworm-backports/' >/tmp/tc-backports.$$
        as_root cp /tmp/tc-backports.$$ "$bp"
        rm -f /tmp/tc-backports.$$
        updated=""
    fi
    apt_update
    echo "installing libcurl with WebSockets from bookworm-backports"
    as_root apt-get install -y -qq --no-install-recommends -t bookworm-backports libcurl4-openssl-dev libcurl4 curl
fi
curl_has_ws || echo "note: this libcurl has no WebSocket support; WebSocket shards will be unavailable" >&2
exit 0
