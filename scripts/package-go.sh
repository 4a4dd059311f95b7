#!/bin/sh
# Uses the Go binding the way bindings/go/README.md tells a user to, against
# the library staged by scripts/check-install.sh BUILD STAGE (run it first):
# a scratch module made by the README's first shell block, its main.go
# taken from the README, built by the second shell block with cgo flags
# from the staged .pc only (no SWIG: a stub that fails stands in for it) and
# run against the staged tc-mock; the workflow example is built in the same
# module and run too; ldd proves the staged library was loaded. The README's
# last shell block (the SWIG regeneration) is run in a copy of the binding
# and must reproduce the committed files. Scratch files stay in STAGE.
#   package-go.sh BUILD_DIR STAGE_DIR
set -eu
build=$(cd "$1" && pwd)
stage=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
readme=$top/bindings/go/README.md
started=$(date +%s)

pc=$(find "$stage" -name twitchconduits.pc | head -n 1)
lib=$(find "$stage" -name 'libtwitchconduits.so.0' | head -n 1)
mockexe=$(find "$stage" -name tc-mock -type f | head -n 1)
[ -n "$pc" ] && [ -n "$lib" ] && [ -n "$mockexe" ] ||
    { echo "no staged twitchconduits.pc, libtwitchconduits.so.0 or tc-mock in $stage: run scripts/check-install.sh first" >&2; exit 1; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$lib")
command -v go >/dev/null || { echo "go is not installed" >&2; exit 1; }

# block LANG N: the README's Nth fenced block of language LANG.
block() {
    awk -v fence='```'"$1" -v n="$2" '
        !on && $0 == fence { if (++seen == n) { on = 1; next } }
        on && $0 == "```" { exit }
        on { print }' "$readme"
}
sh_blocks=$(grep -c '^```sh$' "$readme")
[ "$sh_blocks" -eq 3 ] ||
    { echo "$readme has $sh_blocks shell blocks; this script runs 3 (module, build + run, regeneration): update it" >&2; exit 1; }

scratch=$stage/go-user
rm -rf "$scratch"
mkdir -p "$scratch/noswig"
for s in swig swig4.0; do
    printf '#!/bin/sh\necho "%s was called: the Go module must build without SWIG" >&2\nexit 1\n' "$s" >"$scratch/noswig/$s"
    chmod +x "$scratch/noswig/$s"
done
# A user's Go environment, fresh and offline; cgo's flags come from the staged .pc.
export GOCACHE="$scratch/gocache" GOPATH="$scratch/gopath" GOFLAGS=-mod=mod GOPROXY=off \
    GOTOOLCHAIN=local GOENV=off GO111MODULE=on CGO_ENABLED=1 \
    PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" TWITCHCONDUITS="$top"
unset PKG_CONFIG_LIBDIR
echo "go: $(go version); pkg-config: $(pkg-config --cflags --libs twitchconduits)"

. "$top/scripts/staged-mock.sh"
start_staged_mock "$libdir" "$mockexe" "$scratch/tc-mock.log" --allow-http-callbacks
base=$mock_base

echo "== README: the scratch module (in $scratch)"
block sh 1
(cd "$scratch" && PATH="$scratch/noswig:$PATH" sh -eu -c "$(block sh 1)")
grep -q '^require twitchconduits v0.0.0$' "$scratch/myapp/go.mod" &&
    grep -q "^replace twitchconduits => $top/bindings/go\$" "$scratch/myapp/go.mod" ||
    { echo "go.mod lacks the require or the replace" >&2; exit 1; }
block go 1 >"$scratch/myapp/main.go"
grep -q '^package main$' "$scratch/myapp/main.go" || { echo "the README's first Go block is not main.go" >&2; exit 1; }
mkdir "$scratch/myapp/workflow"
cp "$top/bindings/go/examples/workflow/main.go" "$scratch/myapp/workflow/main.go"

echo "== README: build and run (against tc-mock at $base)"
block sh 2
out=$scratch/myapp.out
if ! (cd "$scratch/myapp" && PATH="$scratch/noswig:$PATH" LD_LIBRARY_PATH="$libdir" \
      TWITCH_CLIENT_ID=mockclientid0123456789abcdefghij TWITCH_CLIENT_SECRET=mocksecret0123456789abcdefghijk \
      TWITCH_API_BASE="$base/helix" TWITCH_AUTH_BASE="$base/oauth2" sh -eu -c "$(block sh 2)") >"$out" 2>&1; then
    cat "$out" >&2
    echo "the README's build-and-run block failed" >&2
    exit 1
fi
cat "$out"
grep -q '^conduits: 1 new: ' "$out" || { echo "myapp did not list the conduit it created" >&2; exit 1; }

echo "== the workflow example, built in the same module"
(cd "$scratch/myapp" && PATH="$scratch/noswig:$PATH" go build -o workflow-example ./workflow)
if ! LD_LIBRARY_PATH="$libdir" "$scratch/myapp/workflow-example" -mock "$base" >"$scratch/workflow.out" 2>&1; then
    cat "$scratch/workflow.out" >&2
    echo "the workflow example failed" >&2
    exit 1
fi
cat "$scratch/workflow.out"
grep -q '^created: 2$' "$scratch/workflow.out" || { echo "the workflow example did not create its subscriptions" >&2; exit 1; }

for program in "$scratch/myapp/myapp" "$scratch/myapp/workflow-example"; do
    LD_LIBRARY_PATH="$libdir" ldd "$program" | grep -q "$libdir/libtwitchconduits.so.0" ||
        { echo "$program did not load the staged library" >&2; exit 1; }
done
echo "both programs loaded $libdir/libtwitchconduits.so.0"

echo "== README: the SWIG regeneration, in a copy of the binding"
if command -v swig >/dev/null; then
    regen=$scratch/regen
    mkdir -p "$regen/bindings/go/internal"
    cp "$top/bindings/go/twitchconduits.i" "$regen/bindings/go/"
    cp -r "$top/bindings/go/internal/tcswig" "$regen/bindings/go/internal/"
    ln -s "$top/include" "$regen/include"
    ln -s "$build" "$regen/build"
    block sh 3
    (cd "$regen/bindings/go" && sh -eu -c "$(block sh 3)")
    diff -r "$top/bindings/go/internal/tcswig" "$regen/bindings/go/internal/tcswig" ||
        { echo "the README's regeneration does not reproduce the committed SWIG layer" >&2; exit 1; }
    echo "the regeneration reproduces the committed SWIG layer"
else
    echo "no swig: the regeneration block is not run (go-swig-regen skips too)"
fi

chmod -R u+w "$GOPATH" 2>/dev/null || true
rm -rf "$GOCACHE" "$GOPATH" # large; the module, programs and outputs stay
echo "Go package OK ($(($(date +%s) - started)) s)"
