/*
 * dotenv.h - the sans-I/O parser of .env files (private to the core).
 *
 * The parser walks a buffer line by line and hands each KEY=VALUE pair to a
 * callback; it never allocates, never reads files and never logs, so it can
 * be unit-tested and fuzzed on plain bytes. Reading the file, capping its
 * size and wiping the buffer are the caller's job (see secret.c).
 *
 * Grammar, one logical line per physical line ('\n', with an optional '\r'
 * before it):
 *   - blank lines and lines whose first non-blank character is '#' are
 *     skipped;
 *   - an optional "export" followed by spaces or tabs;
 *   - a key [A-Za-z_][A-Za-z0-9_]*, optional blanks, '=', optional blanks;
 *   - a value: unquoted (runs to the end of the line or to a '#' that
 *     follows a blank; surrounding blanks are trimmed), 'single-quoted'
 *     (literal, no escapes), or "double-quoted" (escapes \n \t \" \\ only);
 *   - after a closing quote only blanks and an optional '#' comment.
 * A UTF-8 byte-order mark at the very start is skipped. Anything else is an
 * error naming the 1-based line and a static reason; no line is ever
 * skipped silently. Reasons never quote the input, since a malformed line
 * may well be a pasted secret.
 */
#ifndef LOTUSX_CORE_DOTENV_H
#define LOTUSX_CORE_DOTENV_H

#include <stddef.h>

/*
 * The longest double-quoted value containing escapes, after decoding. Such
 * values are decoded into a wiped stack buffer because the input is const;
 * values without escapes (and unquoted or single-quoted ones) are passed as
 * pointers into the input and have no limit of their own.
 */
#define LX__DOTENV_ESCAPED_MAX 8192

/*
 * Called once per KEY=VALUE line, in file order. key/val are borrowed and
 * valid only during the call; val may point into a scratch buffer that is
 * wiped when the call returns, and is not NUL-terminated. line is 1-based.
 * Return 0 to continue; any other value stops the parse and is returned by
 * lx__dotenv_parse.
 */
typedef int (*lx__dotenv_cb)(unsigned line, const char *key, size_t keylen,
                             const char *val, size_t vallen, void *ud);

/*
 * Parses buf[0..len). Returns LX_OK; LX_ERR_PARSE with *err_line (1-based)
 * and *err_reason (a static string) set for a malformed line; LX_ERR_INVAL
 * for a NULL cb or a NULL buf with len > 0; or the callback's non-zero
 * return, with *err_line set to the line and *err_reason NULL. err_line and
 * err_reason may be NULL; on success they are set to 0 and NULL.
 */
int lx__dotenv_parse(const char *buf, size_t len, lx__dotenv_cb cb, void *ud,
                     unsigned *err_line, const char **err_reason);

#endif
