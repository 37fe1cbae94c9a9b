/* filter.c - list filters, paging and render options (spec §4.1) decoded from a query string. */
#include "model/filter.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/ptime.h"
#include "lib/strutil.h"
#include "lib/uuid.h"

#define FILTER_PAGE_MAX 2147483647LL
#define FILTER_SIZE_DEFAULT 20
#define FILTER_SIZE_MAX_CONVERSATIONS 100
#define FILTER_SIZE_MAX_LIST 50

/* State of one conv_filter_parse call. */
typedef struct flt_ctx {
    arena_t *a;
    const query_t *q;
    char *err;
    size_t errlen;
} flt_ctx_t;

/* Writes a formatted message into x's error buffer; always returns -1. */
static int flt_fail(flt_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int flt_fail(flt_ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    str_vfail(x->err, x->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* First value of key, or NULL when absent or empty (for string filters an
 * empty value means "not given"). The string lives in the query's arena. */
static const char *flt_get(const flt_ctx_t *x, const char *key)
{
    const char *v = query_get(x->q, key);
    return (v && *v) ? v : NULL;
}

/* Boolean parameter: true/false/1/0, case-insensitive; an empty value is a
 * bad value. Returns 0 and sets *out when given, 1 when absent (out
 * untouched), -1 with a message on a bad value. */
static int flt_bool(flt_ctx_t *x, const char *key, bool *out)
{
    char shown[STR_SHOWN_MAX + 8];
    const char *v = query_get(x->q, key);
    if (!v)
        return 1;
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return flt_fail(x, "%s must be a boolean (true, false, 1 or 0), got \"%s\"", key,
                        str_shown(v, shown, sizeof shown));
    return 0;
}

/* Integer parameter in [min, max] read from key, or from alias when key is
 * absent (key wins when both are given; an empty value is a bad value).
 * Returns 0 / 1 (absent) / -1 (message). */
static int flt_int(flt_ctx_t *x, const char *key, const char *alias, long long min, long long max, int64_t *out)
{
    char shown[STR_SHOWN_MAX + 8];
    const char *name = key;
    const char *v = query_get(x->q, key);
    if (!v) {
        name = alias;
        v = query_get(x->q, alias);
    }
    if (!v)
        return 1;
    const char *p = v;
    if (*p == '+' || *p == '-')
        p++;
    bool digits = *p != '\0';
    for (const char *d = p; *d; d++)
        if (!isdigit((unsigned char)*d))
            digits = false;
    errno = 0;
    long long n = digits ? strtoll(v, NULL, 10) : 0;
    if (!digits || errno == ERANGE || n < min || n > max)
        return flt_fail(x, "%s must be an integer between %lld and %lld, got \"%s\"", name, min, max,
                        str_shown(v, shown, sizeof shown));
    *out = n;
    return 0;
}

/* Time parameter (RFC 3339; an empty value is a bad value). Returns 0 / 1
 * (absent) / -1 (message). */
static int flt_time(flt_ctx_t *x, const char *key, int64_t *out)
{
    char shown[STR_SHOWN_MAX + 8];
    const char *v = query_get(x->q, key);
    if (!v)
        return 1;
    if (ptime_parse_ms(v, out) != 0)
        return flt_fail(x, "%s must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"%s\"", key,
                        str_shown(v, shown, sizeof shown));
    return 0;
}

/* ASCII-lowercases s in place. */
static void flt_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Arena copy of a scalar string parameter (NULL when absent or empty). Returns
 * 0, or -1 with a message on OOM. */
static int flt_str(flt_ctx_t *x, const char *key, const char **out)
{
    const char *v = flt_get(x, key);
    *out = NULL;
    if (v && !(*out = arena_strdup(x->a, v)))
        return flt_fail(x, "out of memory");
    return 0;
}

/* How flt_list transforms each value. */
typedef enum { FLT_AS_IS, FLT_LOWER, FLT_UUID, FLT_UUID_OR_AS_IS } flt_kind_t;

/* Array parameter: repeated keys and comma-separated values flattened into
 * out (arena copies, so lowercasing does not touch the query). With FLT_UUID
 * a value that is not a UUID is an error; FLT_UUID_OR_AS_IS lowercases
 * UUIDs and keeps anything else as given. Returns 0 or -1 (message). */
static int flt_list(flt_ctx_t *x, const char *key, flt_kind_t kind, strlist_t *out)
{
    char shown[STR_SHOWN_MAX + 8];
    size_t n = 0;
    const char **v = query_get_all(x->a, x->q, key, &n);
    out->v = NULL;
    out->n = 0;
    if (!v || n == 0)
        return 0;
    const char **copy = arena_alloc(x->a, n * sizeof *copy);
    if (!copy)
        return flt_fail(x, "out of memory");
    for (size_t i = 0; i < n; i++) {
        uuid_str_t u;
        bool is_uuid = (kind == FLT_UUID || kind == FLT_UUID_OR_AS_IS) && uuid_parse(v[i], u);
        if (kind == FLT_UUID && !is_uuid)
            return flt_fail(x, "%s values must be UUIDs, got \"%s\"", key, str_shown(v[i], shown, sizeof shown));
        char *s = arena_strdup(x->a, is_uuid ? u : v[i]);
        if (!s)
            return flt_fail(x, "out of memory");
        if (kind == FLT_LOWER)
            flt_lower(s);
        copy[i] = s;
    }
    out->v = copy;
    out->n = n;
    return 0;
}

int conv_filter_parse(arena_t *a, const query_t *q, filter_endpoint_t ep, conv_filter_t *f, conv_render_opts_t *ro,
                      char *err, size_t errlen)
{
    flt_ctx_t x = {.a = a, .q = q, .err = err, .errlen = errlen};
    int rc;
    bool b;

    memset(f, 0, sizeof *f);
    *ro = conv_render_opts_list();
    f->page = 1;
    f->size = FILTER_SIZE_DEFAULT;
    f->hide_empty = ep == FILTER_ENDPOINT_CONVERSATIONS;
    f->archived = CONV_ARCHIVED_EXCLUDE;

    /* paging */
    long long size_max = ep == FILTER_ENDPOINT_LIST ? FILTER_SIZE_MAX_LIST : FILTER_SIZE_MAX_CONVERSATIONS;
    if (flt_int(&x, "page", "page[number]", 1, FILTER_PAGE_MAX, &f->page) < 0 ||
        flt_int(&x, "size", "page[size]", 1, size_max, &f->size) < 0)
        return -1;

    /* time window */
    if ((rc = flt_time(&x, "fromDateTime", &f->from)) < 0)
        return -1;
    f->has_from = rc == 0;
    if ((rc = flt_time(&x, "toDateTime", &f->to)) < 0)
        return -1;
    f->has_to = rc == 0;
    if (f->has_from && f->has_to && f->from > f->to)
        return flt_fail(&x, "fromDateTime must not be after toDateTime");

    /* array filters */
    if (flt_list(&x, "filter[owner.id]", FLT_UUID, &f->owner_ids) != 0 ||
        flt_list(&x, "filter[owner.email]", FLT_LOWER, &f->owner_emails) != 0 ||
        flt_list(&x, "filter[participants.email]", FLT_LOWER, &f->participant_emails) != 0 ||
        flt_list(&x, "filter[external_opportunity.id]", FLT_AS_IS, &f->opportunity_ids) != 0 ||
        flt_list(&x, "filter[team.id]", FLT_UUID_OR_AS_IS, &f->team_ids) != 0 ||
        flt_list(&x, "filter[crm_field.values]", FLT_AS_IS, &f->crm_values) != 0)
        return -1;
    /* scalar strings */
    if (flt_str(&x, "filter[title]", &f->title) != 0 ||
        flt_str(&x, "filter[crm_field.entity_code]", &f->crm_entity_code) != 0 ||
        flt_str(&x, "filter[crm_field.field_name]", &f->crm_field_name) != 0)
        return -1;

    /* CRM field filter */
    if (f->crm_values.n > FILTER_CRM_VALUES_MAX)
        return flt_fail(&x, "filter[crm_field.values] accepts at most %d values, got %zu", FILTER_CRM_VALUES_MAX,
                        f->crm_values.n);
    if (f->crm_values.n > 0 && !f->crm_field_name)
        return flt_fail(&x, "filter[crm_field.field_name] is required when filter[crm_field.values] is given");

    /* boolean filters */
    if (flt_bool(&x, "filter[hide_internal]", &f->hide_internal) < 0 ||
        flt_bool(&x, "filter[hide_pending]", &f->hide_pending) < 0 ||
        flt_bool(&x, "filter[hide_failed]", &f->hide_failed) < 0)
        return -1;
    /* filter[hide_non_analyzed] wins over its deprecated alias filter[analyzed] */
    if ((rc = flt_bool(&x, "filter[hide_non_analyzed]", &f->hide_non_analyzed)) < 0)
        return -1;
    b = false;
    if (flt_bool(&x, "filter[analyzed]", &b) < 0)
        return -1;
    if (rc == 1)
        f->hide_non_analyzed = b;

    /* archived: filter[archived]=true (only archived) wins over filter[include_archived]=true */
    b = false;
    if (flt_bool(&x, "filter[include_archived]", &b) < 0)
        return -1;
    if (b)
        f->archived = CONV_ARCHIVED_INCLUDE;
    b = false;
    if (flt_bool(&x, "filter[archived]", &b) < 0)
        return -1;
    if (b)
        f->archived = CONV_ARCHIVED_ONLY;

    /* render options */
    bool detailed = false, with_crm = false;
    if (flt_bool(&x, "filter[hide_transcript]", &ro->hide_transcript) < 0 ||
        flt_bool(&x, "filter[include_internal_participants]", &ro->include_internal_participants) < 0 ||
        flt_bool(&x, "filter[include_zoom_metadata]", &ro->include_zoom_metadata) < 0 ||
        flt_bool(&x, "filter[include_import_metadata]", &ro->include_import_metadata) < 0 ||
        flt_bool(&x, "detailedTranscript", &detailed) < 0 || flt_bool(&x, "withCrmRecords", &with_crm) < 0)
        return -1;
    ro->transcript = detailed ? CONV_TRANSCRIPT_DETAILED : CONV_TRANSCRIPT_TEXT;
    ro->omit_intelligence = ep == FILTER_ENDPOINT_LIST && !with_crm;
    return 0;
}
