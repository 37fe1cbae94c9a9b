/* workflow_filter.c - the query of GET /conversations/workflow-logs decoded into a store_workflow_filter_t. */
#include "model/workflow_filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/ptime.h"
#include "lib/strutil.h"
#include "lib/uuid.h"

/* Time parameter: 0 and *out set, 1 when absent, -1 (message) when bad. */
static int wf_time(const query_t *q, const char *key, int64_t *out, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 8];
    const char *v = query_get(q, key);
    if (!v)
        return 1;
    if (ptime_parse_ms(v, out) != 0)
        return str_fail(err, errlen, "%s must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"%s\"", key,
                       str_shown(v, shown, sizeof shown));
    return 0;
}

/* Integer parameter in [min, max]: 0 / 1 (absent) / -1 (message). */
static int wf_int(const query_t *q, const char *key, long long min, long long max, int64_t *out, char *err,
                  size_t errlen)
{
    char shown[STR_SHOWN_MAX + 8];
    long long v = 0;
    int rc = query_get_int(q, key, min, max, &v);
    if (rc < 0)
        return str_fail(err, errlen, "%s must be an integer between %lld and %lld, got \"%s\"", key, min, max,
                       str_shown(query_get(q, key), shown, sizeof shown));
    if (rc == 0)
        *out = v;
    return rc;
}

int workflow_filter_parse(arena_t *a, const query_t *q, store_workflow_filter_t *f, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 8];
    int rc;
    memset(f, 0, sizeof *f);
    f->success = -1;
    f->limit = WORKFLOW_LIMIT_DEFAULT;

    if (wf_int(q, "limit", 1, WORKFLOW_LIMIT_MAX, &f->limit, err, errlen) < 0 ||
        wf_int(q, "offset", 0, WORKFLOW_OFFSET_MAX, &f->offset, err, errlen) < 0)
        return -1;
    if ((rc = wf_time(q, "fromDateTime", &f->from, err, errlen)) < 0)
        return -1;
    f->has_from = rc == 0;
    if ((rc = wf_time(q, "toDateTime", &f->to, err, errlen)) < 0)
        return -1;
    f->has_to = rc == 0;
    if (f->has_from && f->has_to && f->from > f->to)
        return str_fail(err, errlen, "fromDateTime must not be after toDateTime");

    bool b = false;
    rc = query_get_bool(q, "success", &b);
    if (rc < 0)
        return str_fail(err, errlen, "success must be a boolean (true, false, 1 or 0), got \"%s\"",
                       str_shown(query_get(q, "success"), shown, sizeof shown));
    if (rc == 0)
        f->success = b ? 1 : 0;

    size_t n = 0;
    const char **v = query_get_all(a, q, "conversationUUIDs", &n);
    if (n > WORKFLOW_UUIDS_MAX)
        return str_fail(err, errlen, "conversationUUIDs accepts at most %d values, got %zu", WORKFLOW_UUIDS_MAX, n);
    if (n > 0) {
        const char **ids = arena_alloc(a, n * sizeof *ids);
        if (!ids)
            return str_fail(err, errlen, "out of memory");
        for (size_t i = 0; i < n; i++) {
            uuid_str_t u;
            if (!uuid_parse(v[i], u))
                return str_fail(err, errlen, "conversationUUIDs values must be UUIDs, got \"%s\"",
                               str_shown(v[i], shown, sizeof shown));
            if (!(ids[i] = arena_strdup(a, u)))
                return str_fail(err, errlen, "out of memory");
        }
        f->conversation_uuids.v = ids;
        f->conversation_uuids.n = n;
    }
    return 0;
}
