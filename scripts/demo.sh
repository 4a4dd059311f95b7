#!/bin/sh
# Command 1 of the README: install what is needed, build, and run the demo
# workflow against the bundled mock Twitch server (no credentials needed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" "$top/build"
exec "$top/build/examples/conduit_workflow"
