#!/bin/sh
# Command 2 of the README: install what is needed, build, and run every test:
#   1. the whole meson test suite (API, ABI/exports, header self-compile, unit,
#      integration over loopback against the mock, mock, tcctl, examples, and
#      the Go (also -race), Ruby and Python bindings)
#   2. the installed library consumed through pkg-config, and each binding
#      packaged and installed as its ecosystem does it (pip, gem, a Go module)
#   3. ASan+UBSan build of the test suite
#   4. TSan build of the test suite
#   5. the webhook fuzz target (clang libFuzzer, a fixed number of runs)
#   6. valgrind memcheck on the C tests
#   7. the quick benchmarks and the bindings' request benchmarks (print their
#      ratios; fail only if requests fail)
# The last line is the overall total: "N passed, M failed, K skipped". A stage
# that cannot be set up or built counts as a failure and the others still run.
# Benchmarks that miss a target print "NOT MET"; they do not fail the run but
# are listed as notes above the totals.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${TC_TEST_BUILD_ROOT:-$top/build-tests}
"$top/scripts/install-deps.sh" || exit 1
mkdir -p "$out"
logs=""
extra=""
status=0

section() { printf '\n===== %s =====\n' "$1"; }

# run_suite LABEL DIR [meson test args...]: build DIR (configured by the caller) and test it.
run_suite() {
    label=$1
    dir=$2
    shift 2
    rm -f "$out/$label.json"  # never summarize an earlier run's log
    if [ ! -f "$dir/build.ninja" ]; then
        extra="$extra $label-setup=0:1"
        status=1
        return
    fi
    if ! ninja -C "$dir" >"$dir/build.log" 2>&1; then
        cat "$dir/build.log"
        extra="$extra $label-build=0:1"
        status=1
        return
    fi
    rm -f "$dir"/meson-logs/testlog*.json
    meson test -C "$dir" --print-errorlogs "$@" || status=1
    # meson names the log after a --wrap program (testlog-valgrind.json).
    cp "$(ls -t "$dir"/meson-logs/testlog*.json | head -n 1)" "$out/$label.json" 2>/dev/null
    logs="$logs $label=$out/$label.json"
}

# configure DIR [meson setup args...]: a failed setup leaves no build.ninja,
# which run_suite then counts as a failed stage.
configure() {
    dir=$1
    shift
    [ -f "$dir/build.ninja" ] && return 0
    if ! meson setup "$dir" "$top" "$@" >"$out/setup-$(basename "$dir").log" 2>&1; then
        cat "$out/setup-$(basename "$dir").log"
        rm -rf "$dir"
        return 1
    fi
}

section "build and test"
configure "$out/default" -Dbench=true
run_suite default "$out/default" --num-processes 2

section "installed library through pkg-config"
if [ -f "$out/default/build.ninja" ] && "$top/scripts/check-install.sh" "$out/default" "$out/stage"; then
    touch "$out/stage/.staged"  # the package stage needs a good one
    extra="$extra install=1:0"
else
    extra="$extra install=0:1"
    status=1
fi

section "packages: pip, gem and a Go module against the staged install"
# Each binding installed the way its ecosystem does it (scripts/package-*.sh),
# against the library the previous stage staged; skipped stages count failed.
for script in "$top"/scripts/package-*.sh; do
    name=$(basename "$script" .sh)
    if [ -f "$out/stage/.staged" ] && "$script" "$out/default" "$out/stage"; then
        extra="$extra $name=1:0"
    else
        echo "$name: FAILED"
        extra="$extra $name=0:1"
        status=1
    fi
done

section "ASan + UBSan"
configure "$out/asan" -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false -Dbindings=[] \
    -Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite asan "$out/asan" --num-processes 2 --suite api --suite unit --suite integration --suite mock --suite tcctl

section "TSan"
configure "$out/tsan" -Db_sanitize=thread -Db_lundef=false -Dbench=false -Dbindings=[]
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top/tests/tsan.supp" \
    run_suite tsan "$out/tsan" --num-processes 2 --suite api --suite unit --suite integration

section "fuzzing (libFuzzer, fixed number of runs)"
fuzz="$out/fuzz"
rm -f "$out/fuzz.json"
[ -f "$fuzz/build.ninja" ] || CC=clang CXX=clang++ meson setup "$fuzz" "$top" -Db_lundef=false -Dbench=false -Dbindings=[] >/dev/null
if [ ! -f "$fuzz/build.ninja" ]; then
    extra="$extra fuzz-setup=0:1"
    status=1
elif ninja -C "$fuzz" fuzzers >"$fuzz/build.log" 2>&1; then  # every target in tests/fuzz
    rm -f "$fuzz"/meson-logs/testlog*.json
    meson test -C "$fuzz" --no-rebuild --print-errorlogs --suite fuzz || status=1
    cp "$fuzz/meson-logs/testlog.json" "$out/fuzz.json" 2>/dev/null
    logs="$logs fuzz=$out/fuzz.json"
else
    cat "$fuzz/build.log"
    extra="$extra fuzz-build=0:1"
    status=1
fi

section "valgrind memcheck (C tests)"
run_suite valgrind "$out/default" --num-processes 2 --timeout-multiplier 10 \
    --wrap "valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-origins=no --quiet" \
    --suite api --suite unit --suite integration

section "benchmark (quick)"
notes=""
: >"$out/bench.log"
if [ -f "$out/default/build.ninja" ] &&
    meson test -C "$out/default" --benchmark --suite quick --suite bindings --verbose >"$out/bench.log" 2>&1; then
    extra="$extra bench=1:0"
else
    extra="$extra bench=0:1"
    status=1
fi
cat "$out/bench.log"
# A missed target is reported, not failed: name each one above the totals.
missed=$(grep -c 'NOT MET' "$out/bench.log" || true)
if [ "${missed:-0}" -gt 0 ]; then
    notes="benchmark targets not met: $missed (reported, not failed):"
    notes="$notes $(grep 'NOT MET' "$out/bench.log" | sed -e 's/^[^|]*| *//' -e 's/  */ /g' | head -n 5 | tr '\n' ';')"
fi

section "totals"
# shellcheck disable=SC2086
if [ -n "$notes" ]; then
    python3 "$top/scripts/summarize.py" $logs --note "$notes" --extra $extra || status=1
else
    python3 "$top/scripts/summarize.py" $logs --extra $extra || status=1
fi
exit $status
