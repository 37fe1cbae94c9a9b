/* strutil.c - small string helpers shared by the decoders: error messages, quoting input, hex digits. */
#include "lib/strutil.h"

#include <stdio.h>
#include <string.h>

int str_vfail(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    return -1;
}

int str_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    str_vfail(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

char *str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}

const char *str_shown(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    if (n <= STR_SHOWN_MAX) {
        snprintf(out, outlen, "%s", s);
        return out;
    }
    n = STR_SHOWN_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    snprintf(out, outlen, "%.*s...", (int)n, s);
    return out;
}

int str_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode Table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), given avail bytes;
 * 0 when p does not start one. */
static size_t str_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || avail < len)
        return 0;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (len > 1 && (p[1] < lo || p[1] > hi))
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

bool str_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = str_utf8_seq(p + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void str_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = str_utf8_seq(p + i, n - i);
        if (len == 0) {
            p[i++] = '?';
            continue;
        }
        i += len;
    }
}
