/*
 * cmd_capture_util.c - the pieces the `lotusx capture` subcommands share:
 * RFC 3339 / nanosecond time parsing and ISO 8601 formatting (UTC, civil
 * calendar arithmetic done here so no libc time zone state is involved),
 * UTF-8 validation, JSON string and base64 output, record selection
 * options, and reader/writer opening with one-line error messages.
 *
 * It does not read the clock and does not parse JSON.
 */
#include <string.h>

#include "cmd_capture_int.h"

#define NS_PER_S   ((int64_t)1000000000)
#define S_PER_DAY  ((int64_t)86400)
#define MAX_DIGITS 9

/* Days since 1970-01-01 of a proleptic Gregorian date (the era/day-of-era
 * decomposition: 400-year eras of 146097 days, years starting in March so
 * the leap day is last). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : dm[m - 1];
}

/* Reads exactly n digits at s[*pos]. */
static int digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
    int v = 0, i;

    if (*pos + (size_t)n > len) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        char c = s[*pos + (size_t)i];
        if (c < '0' || c > '9') {
            return -1;
        }
        v = v * 10 + (c - '0');
    }
    *pos += (size_t)n;
    *out = v;
    return 0;
}

static int expect(const char *s, size_t len, size_t *pos, const char *set)
{
    if (*pos >= len || strchr(set, s[*pos]) == NULL || s[*pos] == '\0') {
        return -1;
    }
    (*pos)++;
    return 0;
}

/* The fraction after the seconds, as nanoseconds. */
static int fraction(const char *s, size_t len, size_t *pos, int64_t *ns)
{
    int n = 0;

    *ns = 0;
    if (*pos >= len || s[*pos] != '.') {
        return 0;
    }
    (*pos)++;
    while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
        if (++n > MAX_DIGITS) {
            return -1;
        }
        *ns = *ns * 10 + (s[*pos] - '0');
        (*pos)++;
    }
    if (n == 0) {
        return -1;
    }
    for (; n < MAX_DIGITS; n++) {
        *ns *= 10;
    }
    return 0;
}

/* "Z" or "+HH:MM"/"-HH:MM" as seconds east of UTC. */
static int zone(const char *s, size_t len, size_t *pos, int64_t *off)
{
    int hh, mm, sign;

    if (*pos < len && (s[*pos] == 'Z' || s[*pos] == 'z')) {
        (*pos)++;
        *off = 0;
        return 0;
    }
    if (*pos >= len || (s[*pos] != '+' && s[*pos] != '-')) {
        return -1;
    }
    sign = s[(*pos)++] == '-' ? -1 : 1;
    if (digits(s, len, pos, 2, &hh) != 0 || expect(s, len, pos, ":") != 0 ||
        digits(s, len, pos, 2, &mm) != 0 || hh > 23 || mm > 59) {
        return -1;
    }
    *off = sign * (hh * 3600 + mm * 60);
    return 0;
}

int lxc_parse_rfc3339(const char *s, size_t len, int64_t *ns, size_t *used)
{
    size_t pos = 0;
    int y, mo, d, h, mi, sec;
    int64_t frac, off, days, secs;

    if (digits(s, len, &pos, 4, &y) != 0 || expect(s, len, &pos, "-") ||
        digits(s, len, &pos, 2, &mo) != 0 || expect(s, len, &pos, "-") ||
        digits(s, len, &pos, 2, &d) != 0 || expect(s, len, &pos, "Tt ") ||
        digits(s, len, &pos, 2, &h) != 0 || expect(s, len, &pos, ":") ||
        digits(s, len, &pos, 2, &mi) != 0 || expect(s, len, &pos, ":") ||
        digits(s, len, &pos, 2, &sec) != 0 ||
        fraction(s, len, &pos, &frac) != 0 || zone(s, len, &pos, &off) != 0) {
        return LX_ERR_PARSE;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 60) {
        return LX_ERR_PARSE;
    }
    days = days_from_civil(y, mo, d);
    secs = days * S_PER_DAY + h * 3600 + mi * 60 + sec - off;
    /* int64 ns spans 1677-09-21 .. 2262-04-11. */
    if (secs > INT64_MAX / NS_PER_S - 1 || secs < INT64_MIN / NS_PER_S + 1) {
        return LX_ERR_RANGE;
    }
    *ns = secs * NS_PER_S + frac;
    *used = pos;
    return LX_OK;
}

int lxc_parse_time(const char *s, int64_t *ns)
{
    size_t len = strlen(s), used = 0;
    int rc;

    if (len > 0 && strchr("-0123456789", s[0]) != NULL &&
        strspn(s + 1, "0123456789") == len - 1) {
        return lx__parse_i64(s, len, ns);
    }
    rc = lxc_parse_rfc3339(s, len, ns, &used);
    if (rc == LX_OK && used != len) {
        return LX_ERR_PARSE;
    }
    return rc;
}

void lxc_format_iso_us(int64_t ns, char *buf, size_t cap)
{
    int64_t secs = ns / NS_PER_S, sub = ns % NS_PER_S, days, sod, y;
    int m, d;

    if (sub < 0) { /* floor, so times before 1970 print correctly */
        sub += NS_PER_S;
        secs--;
    }
    days = secs / S_PER_DAY;
    sod = secs % S_PER_DAY;
    if (sod < 0) {
        sod += S_PER_DAY;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02d-%02dT%02d:%02d:%02d.%06lldZ", (long long)y,
             m, d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
             (long long)(sub / 1000));
}

/* Length of the UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t k, i;

    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        k = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        k = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        k = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < k) {
        return 0;
    }
    for (i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return k;
}

int lxc_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0, k;

    while (i < n) {
        if (p[i] < 0x80) { /* the common case, without a call */
            i++;
            continue;
        }
        k = utf8_seq(p + i, n - i);
        if (k == 0) {
            return 0;
        }
        i += k;
    }
    return 1;
}

void lxc_json_str(FILE *f, const uint8_t *p, size_t n)
{
    size_t i = 0, k;

    putc('"', f);
    while (i < n) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else if (c < 0x80) {
            putc(c, f);
        } else if ((k = utf8_seq(p + i, n - i)) != 0) {
            fwrite(p + i, 1, k, f);
            i += k;
            continue;
        } else {
            fprintf(f, "\\u%04x", c);
        }
        i++;
    }
    putc('"', f);
}

void lxc_json_b64(FILE *f, const uint8_t *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    putc('"', f);
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        putc(tab[v >> 18], f);
        putc(tab[(v >> 12) & 63], f);
        putc(tab[(v >> 6) & 63], f);
        putc(tab[v & 63], f);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        fprintf(f, "%c%c==", tab[v >> 18], tab[(v >> 12) & 63]);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        fprintf(f, "%c%c%c=", tab[v >> 18], tab[(v >> 12) & 63],
                tab[(v >> 6) & 63]);
    }
    putc('"', f);
}

static const char *const kind_names[] = {"?",        "open", "close", "request",
                                         "response", "ws",   "note"};

const char *lxc_kind_name(int kind)
{
    return kind_names[kind >= 1 && kind <= 6 ? kind : 0];
}

unsigned lxc_parse_kinds(const char *s)
{
    unsigned mask = 0;
    const char *p = s;

    while (*p != '\0') {
        size_t n = strcspn(p, ","), k;
        int found = 0;
        for (k = 1; k <= 6; k++) {
            char num[2] = {(char)('0' + k), '\0'};
            if ((strlen(kind_names[k]) == n &&
                 strncmp(p, kind_names[k], n) == 0) ||
                (n == 1 && p[0] == num[0])) {
                mask |= LX_CAPTURE_KIND_BIT(k);
                found = 1;
            }
        }
        if (!found) {
            return 0;
        }
        p += n;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                return 0;
            }
        }
    }
    return mask;
}
