/* jfield.h - strict readers of JSON object members (type, range, unknown members) with messages naming them. */
#ifndef PARLEY_JFIELD_H
#define PARLEY_JFIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each reader looks up key in obj. JSON null counts as absent. They return 1
 * when absent (*out untouched), 0 with *out set, or -1 with a message in err
 * that names the member as `name` (e.g. "match.path") and shows the value. */

/* A string of at most max_bytes bytes without NUL; *out borrows from obj. */
int jfield_string(const json_t *obj, const char *key, const char *name, size_t max_bytes, const char **out, char *err,
                  size_t errlen);
/* An integer (a JSON number without fraction or exponent) in [min, max]. */
int jfield_int(const json_t *obj, const char *key, const char *name, int64_t min, int64_t max, int64_t *out, char *err,
               size_t errlen);
/* Any JSON number in [min, max]. */
int jfield_number(const json_t *obj, const char *key, const char *name, double min, double max, double *out, char *err,
                  size_t errlen);
int jfield_bool(const json_t *obj, const char *key, const char *name, bool *out, char *err, size_t errlen);

/* -1 with "unknown field \"<prefix><member>\"" in err when obj has a member
 * not in the NULL-terminated known list, else 0. */
int jfield_unknown(const json_t *obj, const char *const *known, const char *prefix, char *err, size_t errlen);

#endif
