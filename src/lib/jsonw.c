/* jsonw.c - a streaming JSON writer into a buf_t: commas, nesting and escaping. */
#include "lib/jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ptime.h"

void jsonw_init(jsonw_t *w, buf_t *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

/* Writes the separator a value needs: nothing after a key or at the top
 * level, ',' between container members. Marks the container non-empty. */
static void jsonw_sep(jsonw_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth <= 0 || w->depth > JSONW_MAX_DEPTH)
        return;
    unsigned char *nc = &w->need_comma[w->depth - 1];
    if (*nc)
        buf_putc(w->b, ',');
    *nc = 1;
}

/* Opens a container; past JSONW_MAX_DEPTH sets err (output is then invalid). */
static void jsonw_open(jsonw_t *w, char c)
{
    jsonw_sep(w);
    buf_putc(w->b, c);
    w->depth++;
    if (w->depth > JSONW_MAX_DEPTH)
        w->err = 1;
    else
        w->need_comma[w->depth - 1] = 0;
}

/* Closes a container; closing more than was opened sets err. */
static void jsonw_close(jsonw_t *w, char c)
{
    w->after_key = false;
    if (w->depth <= 0) {
        w->err = 1;
        return;
    }
    w->depth--;
    buf_putc(w->b, c);
}

void jsonw_obj_begin(jsonw_t *w) { jsonw_open(w, '{'); }
void jsonw_obj_end(jsonw_t *w) { jsonw_close(w, '}'); }
void jsonw_arr_begin(jsonw_t *w) { jsonw_open(w, '['); }
void jsonw_arr_end(jsonw_t *w) { jsonw_close(w, ']'); }

/* Escape class per byte: 0 = copy, otherwise the letter after '\' or 'u'. */
static const char jsonw_esc[256] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* The number of leading bytes of p[0..n) that need no escaping. Eight bytes
 * at a time: a word passes when none of its bytes is below 0x20, '"' or '\\'
 * (the exact "has a zero byte" and "has a byte below k" tests, k <= 0x80;
 * bytes >= 0x80 never match), then the flagged word is looked at bytewise.
 * Lists spend ~10% of their CPU here (transcript text is ~80 KB a page). */
static size_t jsonw_plain_len(const unsigned char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, sizeof x);
        uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
        uint64_t hit = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
        if (hit & highs)
            break;
    }
    while (i < n && !jsonw_esc[p[i]])
        i++;
    return i;
}

/* Appends runs of plain bytes in one copy; escapes the rest. */
void jsonw_escape(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        i += jsonw_plain_len(p + i, n - i);
        if (i == n)
            break;
        char e = jsonw_esc[p[i]];
        if (i > run)
            buf_append(b, s + run, i - run);
        run = i + 1;
        if (e == 'u') {
            char u[6] = {'\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
            buf_append(b, u, sizeof(u));
        } else {
            char u[2] = {'\\', e};
            buf_append(b, u, sizeof(u));
        }
    }
    if (n > run)
        buf_append(b, s + run, n - run);
}

/* Writes "s" (escaped) and then tail (0 = none) to b. The plain prefix of s
 * - all of it, for almost every key and value - is copied straight into one
 * reservation; only from the first byte that needs escaping on does it go
 * through jsonw_escape. */
static void jsonw_quoted(buf_t *b, const char *s, size_t n, char tail)
{
    size_t plain = jsonw_plain_len((const unsigned char *)s, n);
    if (buf_reserve(b, plain + 3) != 0)
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    memcpy(o, s, plain);
    b->len += plain + 1;
    if (plain < n)
        jsonw_escape(b, s + plain, n - plain);
    buf_putc(b, '"');
    if (tail)
        buf_putc(b, tail);
}

void jsonw_key(jsonw_t *w, const char *k)
{
    jsonw_sep(w);
    if (!k)
        k = "";
    jsonw_quoted(w->b, k, strlen(k), ':');
    w->after_key = true;
}

void jsonw_string(jsonw_t *w, const char *s)
{
    jsonw_stringn(w, s ? s : "", s ? strlen(s) : 0);
}

void jsonw_stringn(jsonw_t *w, const char *s, size_t n)
{
    jsonw_sep(w);
    jsonw_quoted(w->b, s ? s : "", s ? n : 0, 0);
}

/* Writes the decimal digits of u into out (no sign, no NUL); returns the count. */
static size_t jsonw_u64(uint64_t u, char *out)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t jsonw_format_int(int64_t v, char *out)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + jsonw_u64((uint64_t)0 - (uint64_t)v, out + 1);
    }
    return jsonw_u64((uint64_t)v, out);
}

void jsonw_int(jsonw_t *w, int64_t v)
{
    char tmp[24];
    size_t n = jsonw_format_int(v, tmp);
    jsonw_sep(w);
    buf_append(w->b, tmp, n);
}

/* 10^0 .. 10^18, exact both as doubles and as integers. */
static const double jsonw_p10d[19] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                      1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
static const uint64_t jsonw_p10u[19] = {1ull,
                                        10ull,
                                        100ull,
                                        1000ull,
                                        10000ull,
                                        100000ull,
                                        1000000ull,
                                        10000000ull,
                                        100000000ull,
                                        1000000000ull,
                                        10000000000ull,
                                        100000000000ull,
                                        1000000000000ull,
                                        10000000000000ull,
                                        100000000000000ull,
                                        1000000000000000ull,
                                        10000000000000000ull,
                                        100000000000000000ull,
                                        1000000000000000000ull};

/* The exact path for a finite, non-integral v whose magnitude is the double
 * nearest to D = m / 10^d with m < 10^15, d >= 1 and D >= 1e-4. Such a D has
 * at most 15 significant digits, so %.15g of v prints D (DBL_DIG = 15) in
 * fixed notation (its exponent is within [-4, 14]) with trailing zeros
 * removed, and strtod reads that back as v: exactly what the general path
 * prints. Candidates m come from v * 10^d and are checked exactly: m and 10^d
 * are exact doubles and IEEE division is correctly rounded, so m / 10^d == |v|
 * holds only when |v| is the double nearest to m / 10^d. Writes the text into
 * out and returns its length, or returns 0 when v is not such a value. */
static size_t jsonw_number_decimal(double v, char *out)
{
    double av = fabs(v);
    if (!(av >= 1e-4))
        return 0;
    for (int d = 1; d < 19; d++) {
        double x = av * jsonw_p10d[d];
        if (!(x < 1e15))
            return 0;
        double m = (double)(uint64_t)(x + 0.5);
        if (m / jsonw_p10d[d] != av)
            continue;
        uint64_t mi = (uint64_t)m, frac = mi % jsonw_p10u[d];
        char fd[19];
        size_t n = 0, fl = 0;
        if (v < 0)
            out[n++] = '-';
        n += jsonw_u64(mi / jsonw_p10u[d], out + n);
        out[n++] = '.';
        for (int i = d - 1; i >= 0; i--) {
            fd[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        for (int i = 0; i < d; i++)
            if (fd[i] != '0')
                fl = (size_t)i + 1;
        memcpy(out + n, fd, fl); /* fl >= 1: v is not integral */
        return n + fl;
    }
    return 0;
}

size_t jsonw_format_number(double v, char *out)
{
    if (!isfinite(v)) {
        out[0] = '0';
        return 1;
    }
    if (v == trunc(v) && fabs(v) <= 9007199254740992.0)
        return jsonw_format_int((int64_t)v, out);
    size_t n = jsonw_number_decimal(v, out);
    if (n)
        return n;
    int k = snprintf(out, JSONW_NUMBER_MAX, "%.15g", v);
    if (strtod(out, NULL) != v) {
        k = snprintf(out, JSONW_NUMBER_MAX, "%.16g", v);
        if (strtod(out, NULL) != v)
            k = snprintf(out, JSONW_NUMBER_MAX, "%.17g", v);
    }
    return (size_t)k;
}

void jsonw_number(jsonw_t *w, double v)
{
    char tmp[JSONW_NUMBER_MAX];
    size_t n = jsonw_format_number(v, tmp);
    jsonw_sep(w);
    buf_append(w->b, tmp, n);
}

void jsonw_bool(jsonw_t *w, bool v)
{
    jsonw_sep(w);
    if (v)
        buf_append(w->b, "true", 4);
    else
        buf_append(w->b, "false", 5);
}

void jsonw_null(jsonw_t *w)
{
    jsonw_sep(w);
    buf_append(w->b, "null", 4);
}

/* s is trusted to be valid JSON; NULL/"" use dflt, and a NULL dflt writes null. */
void jsonw_raw(jsonw_t *w, const char *s, const char *dflt)
{
    if (!s || !*s)
        s = dflt;
    if (!s || !*s)
        s = "null";
    jsonw_rawn(w, s, strlen(s));
}

/* n == 0 (or NULL s) writes null so the document stays valid. */
void jsonw_rawn(jsonw_t *w, const char *s, size_t n)
{
    jsonw_sep(w);
    if (!s || n == 0)
        buf_append(w->b, "null", 4);
    else
        buf_append(w->b, s, n);
}

void jsonw_time(jsonw_t *w, int64_t unix_ms)
{
    if (unix_ms == 0) {
        jsonw_stringn(w, "", 0);
        return;
    }
    char tmp[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(unix_ms, tmp);
    jsonw_sep(w);
    buf_putc(w->b, '"');
    buf_puts(w->b, tmp);
    buf_putc(w->b, '"');
}

void jsonw_kv_string(jsonw_t *w, const char *k, const char *v)
{
    jsonw_key(w, k);
    jsonw_string(w, v);
}

void jsonw_kv_int(jsonw_t *w, const char *k, int64_t v)
{
    jsonw_key(w, k);
    jsonw_int(w, v);
}

void jsonw_kv_number(jsonw_t *w, const char *k, double v)
{
    jsonw_key(w, k);
    jsonw_number(w, v);
}

void jsonw_kv_bool(jsonw_t *w, const char *k, bool v)
{
    jsonw_key(w, k);
    jsonw_bool(w, v);
}

void jsonw_kv_raw(jsonw_t *w, const char *k, const char *v, const char *dflt)
{
    jsonw_key(w, k);
    jsonw_raw(w, v, dflt);
}

void jsonw_kv_time(jsonw_t *w, const char *k, int64_t unix_ms)
{
    jsonw_key(w, k);
    jsonw_time(w, unix_ms);
}

buf_t *jsonw_value_begin(jsonw_t *w)
{
    jsonw_sep(w);
    return w->b;
}
