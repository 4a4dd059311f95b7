#!/bin/sh
# Command 1 of the README: install what is needed, build, and run `tcctl demo`:
# the whole workflow (token, conduit, embedded webhook listener, shards,
# subscriptions, signed events, cleanup) against the bundled mock Twitch
# server. No credentials, no network. Extra arguments go to the demo
# (e.g. --json).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
# Only what the demo needs: tcctl and the library (not the tests or bindings).
"$top/scripts/build.sh" "$top/build" tools/tcctl/tcctl
exec "$top/build/tools/tcctl/tcctl" demo "$@"
