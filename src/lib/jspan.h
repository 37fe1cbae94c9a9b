/* jspan.h - finds where values start and end in JSON text already known to be valid (no parse, no copy). */
#ifndef PARLEY_JSPAN_H
#define PARLEY_JSPAN_H

#include <stdbool.h>
#include <stddef.h>

/* Every function takes the text s[0..n) and never reads past n. The text
 * must be valid JSON (validated elsewhere, or written by this program);
 * on anything else they give some answer within bounds, never a crash. */

/* Index of the first byte at or after i that is not JSON whitespace. */
size_t jspan_ws(const char *s, size_t n, size_t i);
/* Index just after the JSON value starting at s[i] (n when it runs off the end). */
size_t jspan_skip(const char *s, size_t n, size_t i);
/* Finds member key (compared byte for byte with the key as written) of the
 * object starting at s[*pos] (whitespace before it allowed); on success
 * *pos / *end bound its value and true is returned. */
bool jspan_member(const char *s, size_t n, size_t *pos, size_t *end, const char *key);

/* An iteration over the elements of an array or the members of an object:
 * jspan_open at the '[' or '{', then jspan_next until it returns false. */
typedef struct jspan_iter {
    const char *s;
    size_t n;
    size_t i;            /* where the next element or member starts */
    bool object;
    bool done;
} jspan_iter_t;

/* False when s[pos] (after whitespace) is not '[' or '{'. */
bool jspan_open(jspan_iter_t *it, const char *s, size_t n, size_t pos);
/* The next element's value span [*vs, *ve) (arrays), or member's key span
 * (without the quotes) [*ks, *ke) and value span (objects; ks/ke may be NULL
 * for arrays). False at the end. */
bool jspan_next(jspan_iter_t *it, size_t *ks, size_t *ke, size_t *vs, size_t *ve);

#endif
