# Sourced by check-install.sh and package-*.sh: starts the staged tc-mock.
#
# start_staged_mock LIBDIR TC_MOCK LOG [tc-mock options...]
#   runs TC_MOCK on a free port in the background with the staged library,
#   waits (up to 10 s, or until it exits) for its "listening on" line, and sets $mock (its pid,
#   killed on exit) and $mock_base (http://127.0.0.1:PORT). Fails with the
#   log shown when it does not start.
start_staged_mock() {
    _sm_libdir=$1
    _sm_exe=$2
    _sm_log=$3
    shift 3
    LD_LIBRARY_PATH="$_sm_libdir" "$_sm_exe" --port 0 "$@" >"$_sm_log" 2>&1 &
    mock=$!
    trap 'kill $mock 2>/dev/null || true' EXIT
    trap 'exit 1' INT TERM
    _sm_i=0
    until grep -q "listening on" "$_sm_log" || [ $_sm_i -ge 100 ] || ! kill -0 $mock 2>/dev/null; do
        sleep 0.1
        _sm_i=$((_sm_i + 1))
    done
    mock_base=$(sed -n 's/^tc-mock listening on //p' "$_sm_log" | head -n 1)
    [ -n "$mock_base" ] || { cat "$_sm_log" >&2; echo "tc-mock did not start" >&2; return 1; }
}
