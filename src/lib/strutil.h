/* strutil.h - small string helpers shared by the decoders: error messages, quoting input, hex digits. */
#ifndef PARLEY_STRUTIL_H
#define PARLEY_STRUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define STR_SHOWN_MAX 64 /* bytes of client input quoted in an error message */

/* Formats into err (when non-NULL and errlen > 0); always returns -1 so that
 * decoders can `return str_fail(...)`. */
int str_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int str_vfail(char *err, size_t errlen, const char *fmt, va_list ap);
/* Copies at most STR_SHOWN_MAX bytes of s into out (outlen >= STR_SHOWN_MAX + 4)
 * for an error message, cut on a UTF-8 boundary and marked "..." when cut.
 * Returns out. */
const char *str_shown(const char *s, char *out, size_t outlen);
/* Copies the NUL-terminated src (NULL: "") into dst of cap bytes (cap >= 1),
 * cut to fit and always terminated: snprintf(dst, cap, "%s", src) without
 * the format machinery (hot paths copy every row's ids). Returns dst. */
char *str_copy(char *dst, size_t cap, const char *src);
/* Value of a hex digit, or -1. */
int str_hexval(int c);
/* True when s[0..n) is well-formed UTF-8 (Unicode Table 3-7: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
bool str_utf8_valid(const char *s, size_t n);
/* Replaces, in place, every byte of the NUL-terminated s that does not belong
 * to a well-formed UTF-8 sequence with '?', so text quoting client input stays
 * valid JSON. Can't fail. */
void str_utf8_sanitize(char *s);

#endif
