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
