/* jfield.c - strict readers of JSON object members (type, range, unknown members) with messages naming them. */
#include "lib/jfield.h"

#include <stdio.h>
#include <string.h>

#include "lib/strutil.h"

/* The member, or NULL when absent or null. */
static const json_t *jfield_get(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

#define JFIELD_SHOWN (STR_SHOWN_MAX + 8)

/* v as a message shows it: a string quoted (cut at STR_SHOWN_MAX bytes), a
 * number or literal as written, "an object" / "an array". Returns out. */
static const char *jfield_kind_(const json_t *v, char *out, size_t n)
{
    char shown[STR_SHOWN_MAX + 4];
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: snprintf(out, n, "\"%s\"", str_shown(json_string_value(v), shown, sizeof shown)); return out;
    case JSON_INTEGER: snprintf(out, n, "%lld", (long long)json_integer_value(v)); return out;
    case JSON_REAL: snprintf(out, n, "%.17g", json_real_value(v)); return out;
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

#define jfield_kind(v) jfield_kind_((v), (char[JFIELD_SHOWN]){0}, JFIELD_SHOWN)

int jfield_string(const json_t *obj, const char *key, const char *name, size_t max_bytes, const char **out, char *err,
                  size_t errlen)
{
    const json_t *v = jfield_get(obj, key);
    if (!v)
        return 1;
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string, got %s", name, jfield_kind(v));
    size_t n = json_string_length(v);
    if (n > max_bytes)
        return str_fail(err, errlen, "%s is %zu bytes; the limit is %zu", name, n, max_bytes);
    if (strlen(json_string_value(v)) != n)
        return str_fail(err, errlen, "%s must not contain a NUL character", name);
    *out = json_string_value(v);
    return 0;
}

int jfield_int(const json_t *obj, const char *key, const char *name, int64_t min, int64_t max, int64_t *out, char *err,
               size_t errlen)
{
    const json_t *v = jfield_get(obj, key);
    if (!v)
        return 1;
    if (!json_is_integer(v))
        return str_fail(err, errlen, "%s must be an integer from %lld to %lld, got %s", name, (long long)min,
                        (long long)max, jfield_kind(v));
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return str_fail(err, errlen, "%s must be an integer from %lld to %lld, got %lld", name, (long long)min,
                        (long long)max, (long long)i);
    *out = (int64_t)i;
    return 0;
}

int jfield_number(const json_t *obj, const char *key, const char *name, double min, double max, double *out, char *err,
                  size_t errlen)
{
    const json_t *v = jfield_get(obj, key);
    if (!v)
        return 1;
    if (!json_is_number(v))
        return str_fail(err, errlen, "%s must be a number from %.15g to %.15g, got %s", name, min, max, jfield_kind(v));
    double d = json_number_value(v);
    if (!(d >= min && d <= max))
        return str_fail(err, errlen, "%s must be a number from %.15g to %.15g, got %.17g", name, min, max, d);
    *out = d;
    return 0;
}

int jfield_bool(const json_t *obj, const char *key, const char *name, bool *out, char *err, size_t errlen)
{
    const json_t *v = jfield_get(obj, key);
    if (!v)
        return 1;
    if (!json_is_boolean(v))
        return str_fail(err, errlen, "%s must be true or false, got %s", name, jfield_kind(v));
    *out = json_is_true(v);
    return 0;
}

int jfield_unknown(const json_t *obj, const char *const *known, const char *prefix, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        const char *const *p = known;
        while (*p && strcmp(*p, k) != 0)
            p++;
        if (!*p) {
            char shown[STR_SHOWN_MAX + 4];
            return str_fail(err, errlen, "unknown field \"%s%s\"", prefix, str_shown(k, shown, sizeof shown));
        }
    }
    return 0;
}
