/* jparse.c - a fast JSON parser for request bodies that builds jansson trees and defers to jansson on anything unusual.
 *
 * Why it exists: jansson's json_loadb reads one byte at a time through a
 * function pointer, copies every token into a buffer, parses every real with
 * localeconv + strtod and mallocs every key twice; for an import body that
 * was two thirds of the request (issue 15). This parser scans the input in
 * place (strings 16 bytes at a time, numbers without copies) and builds the
 * very tree jansson would, with jansson's constructors.
 *
 * It is never the judge of bad input: whenever it does not accept something
 * it returns NULL and the caller asks jansson (json_arena_loadb), so error
 * messages, positions and every corner it does not handle stay jansson's.
 * What it accepts follows jansson 2.14 (src/load.c, utf.c, strconv.c):
 *   - whitespace is space, \t, \n, \r; after the top-level value only
 *     whitespace may follow; without JSON_DECODE_ANY the top level is an
 *     object or an array;
 *   - nesting: every value counts one level, containers and scalars alike;
 *     more than JSON_PARSER_MAX_DEPTH levels is refused;
 *   - strings: raw bytes 0x00-0x1F refused; UTF-8 checked per sequence as
 *     utf8_check_first/utf8_check_full do (no C0/C1/F5-FF leads, no overlong
 *     forms, no encoded surrogates, nothing above U+10FFFF, no truncation);
 *     escapes \" \\ \/ \b \f \n \r \t \uXXXX (hex in either case), a high
 *     surrogate only when followed at once by a low one, lone surrogates
 *     refused, \u0000 refused (jansson refuses it without JSON_ALLOW_NUL,
 *     and in member names always);
 *   - numbers: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; without a
 *     fraction or exponent an integer (strtoll range, refused outside it),
 *     else a real equal to C-locale strtod of the text (jansson swaps '.' for
 *     the locale's decimal point first, which comes to the same), refused
 *     when strtod overflows to +-HUGE_VAL;
 *   - true, false, null; object members kept in order of first appearance,
 *     a repeated name replacing the value in place (jansson's hashtable_set),
 *     or refused under JSON_REJECT_DUPLICATES.
 *   - one quirk kept on purpose: jansson drops a single raw NUL byte right
 *     after a number or literal (its one-byte unget buffer reads a pushed-back
 *     NUL as empty), so "[1\0]" reads as [1] and "[1\0\0]" is refused; jparse
 *     skips one NUL there too, so both accept exactly the same inputs (the
 *     differential fuzzer, fuzz/fuzz_jparse.c, holds them to it). Every other
 *     raw NUL is refused by both. */
#include "lib/jparse.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

_Static_assert(sizeof(json_int_t) == sizeof(long long), "jansson's json_int_t is long long (strtoll)");

typedef const unsigned char *jp_ptr;

/* A growable byte buffer for decoded strings and number text. Starts in its
 * own local array; owner of a heap block: the parse, released by jp_buf_free. */
typedef struct {
    char *data;
    size_t len, cap;
    char local[256];
} jp_buf_t;

/* One parse: the input still to read and the scratch buffers. */
typedef struct {
    jp_ptr p, end;
    bool nodup;     /* JSON_REJECT_DUPLICATES */
    jp_buf_t key;   /* the decoded name of the member being read */
    jp_buf_t val;   /* a decoded string value, or a real's text for strtod */
} jp_t;

static void jp_buf_init(jp_buf_t *b)
{
    b->data = b->local;
    b->len = 0;
    b->cap = sizeof b->local;
}

static void jp_buf_free(jp_buf_t *b)
{
    if (b->data != b->local)
        free(b->data);
}

/* Appends n bytes; false when out of memory (b unchanged). */
static bool jp_buf_put(jp_buf_t *b, const void *s, size_t n)
{
    if (n > b->cap - b->len) {
        if (n > SIZE_MAX / 2 - b->len)
            return false;
        size_t cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n;
        char *d;
        if (b->data == b->local) {
            d = malloc(cap); /* owner: b, freed by jp_buf_free */
            if (d)
                memcpy(d, b->data, b->len);
        } else {
            d = realloc(b->data, cap);
        }
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return true;
}

static inline bool jp_digit(unsigned c)
{
    return c - '0' < 10u;
}

static inline jp_ptr jp_ws(jp_ptr p, jp_ptr end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* The byte at p, or -1 at the end of the input. */
static inline int jp_peek(jp_ptr p, jp_ptr end)
{
    return p < end ? *p : -1;
}

/* True for the bytes that end a plain run inside a string: '"', '\\',
 * controls 0x00-0x1F and every byte of a multi-byte UTF-8 sequence. */
static inline bool jp_str_stop(unsigned c)
{
    return (unsigned char)(c - 0x20) >= 0x60 || c == '"' || c == '\\';
}

/* The first byte in [p, end) that jp_str_stop stops at, or end. */
static inline jp_ptr jp_find_stop(jp_ptr p, jp_ptr end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes >= 0x80 are negative, so below 0x20 like the controls */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
    while (p < end && !jp_str_stop(*p))
        p++;
    return p;
}

/* The length (2-4) of the well-formed UTF-8 sequence starting with the byte
 * >= 0x80 at p, or 0 when jansson's utf8_check_first/utf8_check_full would
 * refuse it: a continuation or C0/C1/F5-FF lead byte, a missing continuation
 * byte, an overlong form, a surrogate, a code point above U+10FFFF. */
static inline size_t jp_utf8_len(jp_ptr p, jp_ptr end)
{
    unsigned c = p[0];
    size_t left = (size_t)(end - p);
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F)) /* overlong; surrogate */
            return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F)) /* overlong; above U+10FFFF */
            return 0;
        return 4;
    }
    return 0;
}

/* The value of the 4 hex digits at p, or -1 (fewer than 4 left, or not hex). */
static inline int32_t jp_hex4(jp_ptr p, jp_ptr end)
{
    if (end - p < 4)
        return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (jp_digit(c))
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6u)
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | (int32_t)d;
    }
    return v;
}

/* Decodes the escape whose backslash is just before p into b. Returns the
 * byte after it, or NULL when jansson would refuse it (or out of memory). */
static jp_ptr jp_escape(jp_ptr p, jp_ptr end, jp_buf_t *b)
{
    char c;
    switch (jp_peek(p, end)) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        int32_t cp = jp_hex4(p + 1, end);
        if (cp < 0)
            return NULL;
        p += 5;
        if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate: a low one must follow at once */
            if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
                return NULL;
            int32_t lo = jp_hex4(p + 2, end);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return NULL;
            cp = ((cp - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
            p += 6;
        } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
            return NULL;
        }
        unsigned char u[4];
        size_t n;
        if (cp < 0x80) {
            u[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            u[0] = (unsigned char)(0xC0 | cp >> 6);
            u[1] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            u[0] = (unsigned char)(0xE0 | cp >> 12);
            u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            u[2] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            u[0] = (unsigned char)(0xF0 | cp >> 18);
            u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
            u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            u[3] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        return jp_buf_put(b, u, n) ? p : NULL;
    }
    default:
        return NULL;
    }
    return jp_buf_put(b, &c, 1) ? p + 1 : NULL;
}

/* Reads the string whose opening quote is at j->p. On success *s and *n are its
 * decoded bytes (not NUL-terminated): in the input itself when it has no
 * escapes, else in b (valid until b's next use); j->p moves past the closing
 * quote. False when it is not accepted here (see the file comment) or out of
 * memory. */
static bool jp_string(jp_t *j, jp_buf_t *b, const char **s, size_t *n)
{
    jp_ptr p = j->p + 1, end = j->end, run = p;
    bool esc = false;
    for (;;) {
        p = jp_find_stop(p, end);
        if (p == end)
            return false;
        unsigned c = *p;
        if (c == '"')
            break;
        if (c >= 0x80) {
            size_t k = jp_utf8_len(p, end);
            if (!k)
                return false;
            p += k;
            continue;
        }
        if (c != '\\') /* a raw control byte */
            return false;
        if (!esc) {
            b->len = 0;
            esc = true;
        }
        if (!jp_buf_put(b, run, (size_t)(p - run)))
            return false;
        p = jp_escape(p + 1, end, b);
        if (!p)
            return false;
        run = p;
    }
    if (esc) {
        if (!jp_buf_put(b, run, (size_t)(p - run)))
            return false;
        *s = b->data;
        *n = b->len;
    } else {
        *s = (const char *)run;
        *n = (size_t)(p - run);
    }
    j->p = p + 1;
    return true;
}

/* The C locale for strtod_l, made once; owner: this module, for the life of the process. */
static locale_t jp_c_locale;
static pthread_once_t jp_c_locale_once = PTHREAD_ONCE_INIT;

static void jp_c_locale_init(void)
{
    jp_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Powers of ten that are exact doubles (10^22 < 2^53 * 2^22 and 5^22 < 2^53). */
static const double jp_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Adds the decimal digits [q, e) to the significand *m, skipping leading
 * zeros; false once it would pass 15 significant digits (then *m is no longer
 * exact-friendly and strtod must decide). */
static inline bool jp_mant(jp_ptr q, jp_ptr e, uint64_t *m, int *sig)
{
    for (; q < e; q++) {
        unsigned d = *q - '0';
        if (*m == 0 && d == 0)
            continue;
        if (++*sig > 15)
            return false;
        *m = *m * 10 + d;
    }
    return true;
}

/* Reads the number at j->p into *out (a new json_integer or json_real, NULL
 * when out of memory). False when it is not a JSON number, an integer outside
 * json_int_t, or a real that overflows; j->p moves past it on success. */
static bool jp_number(jp_t *j, json_t **out)
{
    jp_ptr start = j->p, p = start, end = j->end;
    bool neg = p < end && *p == '-';
    if (neg)
        p++;
    jp_ptr ds = p; /* integer part [ds, de) */
    if (p == end || !jp_digit(*p))
        return false;
    if (*p == '0') {
        p++;
        if (p < end && jp_digit(*p)) /* a leading zero */
            return false;
    } else {
        while (p < end && jp_digit(*p))
            p++;
    }
    jp_ptr de = p;

    if (p == end || (*p != '.' && *p != 'e' && *p != 'E')) { /* an integer, as strtoll reads it */
        if (de - ds > 19) /* >= 10^19 > 2^63 */
            return false;
        uint64_t u = 0;
        for (jp_ptr q = ds; q < de; q++)
            u = u * 10 + (unsigned)(*q - '0');
        json_int_t v;
        if (neg) {
            if (u > (uint64_t)LLONG_MAX + 1)
                return false;
            v = u == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(json_int_t)u;
        } else {
            if (u > (uint64_t)LLONG_MAX)
                return false;
            v = (json_int_t)u;
        }
        j->p = p;
        *out = json_integer(v);
        return true;
    }

    jp_ptr fs = p, fe = p; /* fraction digits [fs, fe) */
    if (*p == '.') {
        fs = ++p;
        if (p == end || !jp_digit(*p))
            return false;
        while (p < end && jp_digit(*p))
            p++;
        fe = p;
    }
    int64_t ex = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool exneg = false;
        if (p < end && (*p == '+' || *p == '-'))
            exneg = *p++ == '-';
        if (p == end || !jp_digit(*p))
            return false;
        while (p < end && jp_digit(*p)) {
            if (ex < 1000000) /* saturates: far outside the fast path either way */
                ex = ex * 10 + (*p - '0');
            p++;
        }
        if (exneg)
            ex = -ex;
    }
    j->p = p;

    /* Fast path: at most 15 significant digits make an exact double m, and
     * 10^|e| for |e| <= 22 is exact, so one IEEE multiply or divide gives the
     * correctly rounded value, which is what glibc's strtod returns. */
    uint64_t m = 0;
    int sig = 0;
    if (jp_mant(ds, de, &m, &sig) && jp_mant(fs, fe, &m, &sig)) {
        int64_t e10 = ex - (int64_t)(fe - fs);
        if (m == 0 || (e10 >= -22 && e10 <= 22)) {
            double d = m == 0 ? 0.0 : e10 >= 0 ? (double)m * jp_pow10[e10] : (double)m / jp_pow10[-e10];
            *out = json_real(neg ? -d : d);
            return true;
        }
    }

    /* Otherwise strtod decides, on a NUL-terminated copy (the input may not be terminated). */
    pthread_once(&jp_c_locale_once, jp_c_locale_init);
    if (!jp_c_locale)
        return false;
    jp_buf_t *b = &j->val;
    b->len = 0;
    if (!jp_buf_put(b, start, (size_t)(p - start)) || !jp_buf_put(b, "", 1))
        return false;
    char *stop;
    errno = 0;
    double d = strtod_l(b->data, &stop, jp_c_locale);
    if (stop != b->data + (p - start))
        return false;
    if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE) /* jansson: "real number overflow" */
        return false;
    *out = json_real(d);
    return true;
}

/* Moves j->p past the literal lit (n bytes) if the input has it there. */
static inline bool jp_literal(jp_t *j, const char *lit, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return false;
    j->p += n;
    return true;
}

/* Makes v (a new reference, or NULL when its constructor ran out of memory)
 * the root when parent is NULL, else the next element of the array parent or
 * its member key[0..klen). Takes v in every case. False when v is NULL, out
 * of memory, or under JSON_REJECT_DUPLICATES when key was already there (the
 * tree then holds v in place of the old value, as the caller discards it). */
static bool jp_attach(jp_t *j, json_t *parent, json_t **root, const char *key, size_t klen, json_t *v)
{
    if (!parent) {
        *root = v;
        return v != NULL;
    }
    if (json_is_array(parent))
        return json_array_append_new(parent, v) == 0;
    size_t before = j->nodup ? json_object_size(parent) : 0;
    if (json_object_setn_new_nocheck(parent, key, klen, v) != 0)
        return false;
    return !j->nodup || json_object_size(parent) > before;
}

json_t *jparse_loadb(const char *buf, size_t len, size_t flags)
{
    if (!buf || (flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)) != 0)
        return NULL;
    jp_t j;
    j.p = (jp_ptr)buf;
    j.end = j.p + len;
    j.nodup = (flags & JSON_REJECT_DUPLICATES) != 0;
    jp_buf_init(&j.key);
    jp_buf_init(&j.val);
    json_t *stack[JSON_PARSER_MAX_DEPTH]; /* the open containers, outermost first; borrowed (root owns them) */
    size_t depth = 0;
    json_t *root = NULL;  /* owner: this function until it returns it */
    const char *key = ""; /* the name of the member whose value comes next: in the input or j.key */
    size_t klen = 0;

    j.p = jp_ws(j.p, j.end);
    if (!(flags & JSON_DECODE_ANY) && jp_peek(j.p, j.end) != '{' && jp_peek(j.p, j.end) != '[')
        goto fail;

value: /* j.p is at a value; depth containers are open around it */
    if (depth >= JSON_PARSER_MAX_DEPTH)
        goto fail;
    {
        json_t *parent = depth ? stack[depth - 1] : NULL;
        json_t *v;
        int c = jp_peek(j.p, j.end);
        switch (c) {
        case '{':
        case '[':
            v = c == '{' ? json_object() : json_array();
            if (!jp_attach(&j, parent, &root, key, klen, v))
                goto fail;
            stack[depth++] = v;
            j.p = jp_ws(j.p + 1, j.end);
            if (jp_peek(j.p, j.end) == (c == '{' ? '}' : ']')) {
                j.p++;
                depth--;
                goto next;
            }
            if (c == '{')
                goto member;
            goto value;
        case '"': {
            const char *s;
            size_t n;
            if (!jp_string(&j, &j.val, &s, &n))
                goto fail;
            v = json_stringn_nocheck(s, n);
            break;
        }
        case 't':
            if (!jp_literal(&j, "true", 4))
                goto fail;
            v = json_true();
            break;
        case 'f':
            if (!jp_literal(&j, "false", 5))
                goto fail;
            v = json_false();
            break;
        case 'n':
            if (!jp_literal(&j, "null", 4))
                goto fail;
            v = json_null();
            break;
        default:
            if (!jp_number(&j, &v))
                goto fail;
            break;
        }
        if (c != '"' && j.p < j.end && *j.p == '\0') /* jansson's dropped NUL (file comment) */
            j.p++;
        if (!jp_attach(&j, parent, &root, key, klen, v))
            goto fail;
    }

next: /* just after a value */
    j.p = jp_ws(j.p, j.end);
    if (depth == 0) {
        if (j.p != j.end)
            goto fail;
        jp_buf_free(&j.key);
        jp_buf_free(&j.val);
        return root;
    }
    {
        bool in_object = json_is_object(stack[depth - 1]);
        int c = jp_peek(j.p, j.end);
        if (c == ',') {
            j.p = jp_ws(j.p + 1, j.end);
            if (in_object)
                goto member;
            goto value;
        }
        if (c != (in_object ? '}' : ']'))
            goto fail;
        j.p++;
        depth--;
        goto next;
    }

member: /* j.p is at a member's name */
    if (jp_peek(j.p, j.end) != '"' || !jp_string(&j, &j.key, &key, &klen))
        goto fail;
    j.p = jp_ws(j.p, j.end);
    if (jp_peek(j.p, j.end) != ':')
        goto fail;
    j.p = jp_ws(j.p + 1, j.end);
    goto value;

fail:
    jp_buf_free(&j.key);
    jp_buf_free(&j.val);
    json_decref(root);
    return NULL;
}

bool jparse_same_tree(const json_t *a, const json_t *b)
{
    if (!a || !b || json_typeof(a) != json_typeof(b))
        return a == b;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return false;
        /* the iterators do not change the objects; jansson's API just takes them non-const */
        json_t *ma = (json_t *)a, *mb = (json_t *)b;
        void *ia = json_object_iter(ma), *ib = json_object_iter(mb);
        for (; ia && ib; ia = json_object_iter_next(ma, ia), ib = json_object_iter_next(mb, ib)) {
            size_t la = json_object_iter_key_len(ia);
            if (la != json_object_iter_key_len(ib) || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la))
                return false;
            if (!jparse_same_tree(json_object_iter_value(ia), json_object_iter_value(ib)))
                return false;
        }
        return !ia && !ib;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!jparse_same_tree(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        double x = json_real_value(a), y = json_real_value(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    default: /* true, false, null */
        return true;
    }
}
