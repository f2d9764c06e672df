# tap-lib.sh - TAP helpers shared by the shell tests (sourced, not run).
# ok NAME / notok NAME / check NAME GOT WANT print numbered TAP lines;
# wait_line FILE PATTERN waits up to 10 s for a line to appear in FILE.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() {
    if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: got '$2', want '$3'"; fi
}
wait_line() {
    _i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        _i=$((_i + 1)); [ $_i -gt 100 ] && return 1; sleep 0.1
    done
    return 0
}
