#!/bin/sh
# lint.sh DIR... - the checks `make lint` runs: clang-format 14 formatting
# and the banned-function list (raw allocation and unbounded string calls
# are allowed only in src/core/mem.c).
set -u
status=0
files=$(find "$@" -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "lint: no files"; exit 1; }

if command -v clang-format >/dev/null 2>&1; then
    major=$(clang-format --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
    [ "$major" = 14 ] || echo "lint: warning: clang-format $major, style is pinned to 14"
    # shellcheck disable=SC2086
    if ! clang-format --dry-run --Werror $files; then
        echo "lint: formatting differs (run clang-format -i on the files above)"
        status=1
    fi
else
    echo "lint: clang-format not found"; status=1
fi

banned='(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|free|strdup|strndup|sprintf|vsprintf|strcpy|strcat|atoi|atol|atoll|atof)[[:space:]]*\('
# A call is the name not preceded by an identifier character, '.' or '->'
# (lx__malloc, mem->free and OPENSSL_free are fine). One-line comments and
# string literals may mention them; strip both before matching.
for f in $files; do
    # mem.c is the allocator; lws_peer.c is an independent libwebsockets test
    # peer that shares nothing with the tree.
    case "$f" in src/core/mem.c | tests/interop/lws_peer.c) continue ;; esac
    hits=$(sed -e '/^[[:space:]]*\*/d' -e 's@/\*.*\*/@@g' -e 's@"[^"]*"@""@g' "$f" |
           grep -nE "$banned" || true)
    if [ -n "$hits" ]; then
        echo "lint: banned function in $f:"; echo "$hits"; status=1
    fi
done
[ $status -eq 0 ] && echo "lint: ok ($(echo "$files" | wc -l) files)"
exit $status
