#!/bin/sh
# valgrind-tests.sh PROG... - runs each test binary under valgrind memcheck;
# any error or definite leak fails. Output goes to valgrind-<name>.log.
set -u
fail=0; n=0
for p in "$@"; do
    # Peers that only run against a server their script starts (interop
    # peers, the TLS client of mock_tls.sh) need arguments: skipped here.
    case "$p" in *interop* | */mock_tls_client) continue ;; esac
    n=$((n + 1))
    log="valgrind-$(basename "$p").log"
    if CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite \
        --track-fds=no "./$p" >"$log" 2>&1; then
        echo "valgrind: ok   $p"
    else
        echo "valgrind: FAIL $p (see $log)"; fail=$((fail + 1))
    fi
done
echo "valgrind: $n binaries, $fail failed"
[ $fail -eq 0 ]
