/* jsonw.h - a small streaming JSON writer into a buf_t; commas and escaping are its job. */
#ifndef PARLEY_JSONW_H
#define PARLEY_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define JSONW_MAX_DEPTH 96

/* The writer borrows b; it never frees it. Nesting deeper than JSONW_MAX_DEPTH
 * sets err. Strings are written with JSON escaping of ", \\ and control
 * characters; bytes >= 0x80 are copied as they are (inputs are valid UTF-8). */
typedef struct jsonw {
    buf_t *b;
    int depth;
    int err;
    unsigned char need_comma[JSONW_MAX_DEPTH];
    bool after_key;
} jsonw_t;

void jsonw_init(jsonw_t *w, buf_t *b);
void jsonw_obj_begin(jsonw_t *w);
void jsonw_obj_end(jsonw_t *w);
void jsonw_arr_begin(jsonw_t *w);
void jsonw_arr_end(jsonw_t *w);
/* Writes an object key; the next value call writes its value. */
void jsonw_key(jsonw_t *w, const char *k);
void jsonw_string(jsonw_t *w, const char *s);            /* NULL writes "" */
void jsonw_stringn(jsonw_t *w, const char *s, size_t n);
void jsonw_int(jsonw_t *w, int64_t v);
/* Integral values print without a fraction ("2700"), others as the shortest
 * of %.15g/%.16g/%.17g that reads back exactly (see jsonw_format_number). */
void jsonw_number(jsonw_t *w, double v);
void jsonw_bool(jsonw_t *w, bool v);
void jsonw_null(jsonw_t *w);
/* Inserts s, already valid JSON, as one value. NULL or "" writes dflt (e.g. "[]"). */
void jsonw_raw(jsonw_t *w, const char *s, const char *dflt);
void jsonw_rawn(jsonw_t *w, const char *s, size_t n);
/* Writes a time (milliseconds since the epoch) as RFC 3339 UTC with
 * milliseconds ("2024-03-18T10:00:00.000Z"); 0 writes "". */
void jsonw_time(jsonw_t *w, int64_t unix_ms);
/* For a value written in pieces: writes the separator it needs and returns
 * the buffer; the caller then appends exactly one complete JSON value. */
buf_t *jsonw_value_begin(jsonw_t *w);

/* key + value shorthands */
void jsonw_kv_string(jsonw_t *w, const char *k, const char *v);
void jsonw_kv_int(jsonw_t *w, const char *k, int64_t v);
void jsonw_kv_number(jsonw_t *w, const char *k, double v);
void jsonw_kv_bool(jsonw_t *w, const char *k, bool v);
void jsonw_kv_raw(jsonw_t *w, const char *k, const char *v, const char *dflt);
void jsonw_kv_time(jsonw_t *w, const char *k, int64_t unix_ms);

/* Longest text jsonw_format_number writes, plus room to spare. */
#define JSONW_NUMBER_MAX 40

/* Writes v as jsonw_number prints it into out (at least JSONW_NUMBER_MAX
 * bytes; not NUL-terminated) and returns the length. Integral values within
 * ±2^53 print as integers (-0 as "0"), NaN/Inf as "0", others as the shortest
 * of %.15g/%.16g/%.17g that strtod reads back exactly. Values that are a
 * decimal of at most 15 significant digits at or above 1e-4 (timestamps such
 * as 12.45) take an exact integer-arithmetic path with the same output. */
size_t jsonw_format_number(double v, char *out);
/* Writes the decimal form of v into out (at least 21 bytes; not
 * NUL-terminated) and returns the length, as printf's PRId64 does. */
size_t jsonw_format_int(int64_t v, char *out);

/* Appends the JSON-escaped body of s (without quotes) to b. */
void jsonw_escape(buf_t *b, const char *s, size_t n);

#endif
