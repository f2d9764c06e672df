/*
 * fuzz_http_response.c - fuzzes the HTTP/1.1 response parser and
 * serializer: the same harness as fuzz_http_request.c (see there for the
 * input format and the checks), with the parser in the client's role, so
 * 1xx/204/304, HEAD answers, 101 upgrades and bodies that run to the end
 * of the connection are exercised.
 */
#define FUZZ_HTTP_ROLE LX__HTTP_RESPONSE
#include "fuzz_http_request.c"
