#!/bin/sh
# Installs the Debian/Ubuntu packages the project needs to build and test.
# Runs apt-get only when something is missing; uses sudo when not root.
set -eu

packages="build-essential meson ninja-build pkg-config python3
libcurl4-openssl-dev libcjson-dev libssl-dev libmicrohttpd-dev libcmocka-dev
valgrind clang libclang-rt-14-dev
swig python3-dev python3-pytest ruby-dev"

# Go: any Go >= 1.19 on PATH will do (Debian's golang-go is 1.19).
command -v go >/dev/null 2>&1 || packages="$packages golang-go"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "need root (or sudo) to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo apt-get install -y -qq --no-install-recommends $missing
