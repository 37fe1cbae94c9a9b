/* snippets.c - snippets in the PostgreSQL backend: create one (with its library folders and workflow-log entry), find one by its share code (beyond.md §1). */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <string.h>

typedef struct pg_snippet_create_arg {
    const store_snippet_t *s;
    const char *folder_path;
    int64_t now;
} pg_snippet_create_arg_t;

/* Formats v (a finite double) for a text parameter into buf (>= 32 bytes), exactly. */
static const char *pg_f64(char *buf, double v)
{
    snprintf(buf, 32, "%.17g", v);
    return buf;
}

static store_rc_t pg_snippet_create_body(pg_conn_t *c, void *arg)
{
    pg_snippet_create_arg_t *a = arg;
    const store_snippet_t *s = a->s;
    const char *fn = "postgres_snippet_create";
    uuid_str_t folder = "";
    store_rc_t r = STORE_OK;
    if (s->in_library && a->folder_path)
        r = pg_folder_ensure(c, s->org_uuid, s->my_library ? s->user_uuid : "", a->folder_path, s->user_uuid, false,
                             s->created_at, folder, fn);
    if (r == STORE_OK) {
        bool ref = s->has_reference;
        char t0[32], t1[32], t2[32], r0[24], r1[24], r2[24], r3[24], ms[24];
        const char *v[] = {s->uuid,
                           s->org_uuid,
                           s->user_uuid,
                           s->conversation_uuid,
                           s->share_code,
                           s->title ? s->title : "",
                           s->notes ? s->notes : "",
                           pg_f64(t0, s->start_time),
                           pg_f64(t1, s->end_time),
                           pg_f64(t2, s->duration),
                           s->internal ? "t" : "f",
                           s->notify_views ? "t" : "f",
                           ref ? pg_i64(r0, s->ref_char_start) : NULL,
                           ref ? pg_i64(r1, s->ref_char_end) : NULL,
                           ref ? pg_i64(r2, s->ref_speaker_start) : NULL,
                           ref ? pg_i64(r3, s->ref_speaker_end) : NULL,
                           ref ? s->ref_version : NULL,
                           s->in_library ? "t" : "f",
                           s->my_library ? "t" : "f",
                           folder[0] ? folder : NULL,
                           pg_i64(ms, s->created_at)};
        r = pg_write(c, P_SNIPPET_INSERT, 21, v, NULL, NULL, false, fn);
    }
    if (r == STORE_OK) {
        char now[24];
        const char *v[] = {s->org_uuid, s->conversation_uuid, "snippet_created", pg_i64(now, a->now)};
        r = pg_write(c, P_LOG_INSERT, 4, v, NULL, NULL, false, fn);
        if (r == STORE_CONFLICT)
            r = STORE_ERROR; /* workflow_logs has no unique key: never a conflict of the caller's */
    }
    return r;
}

store_rc_t postgres_snippet_create(store_t *base, const store_snippet_t *s, const char *folder_path, int64_t now)
{
    if (!s)
        return STORE_ERROR;
    const char *texts[] = {s->org_uuid, s->user_uuid, s->conversation_uuid, s->share_code, s->title, s->notes,
                           s->ref_version, folder_path};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]))
        return STORE_ERROR;
    pg_snippet_create_arg_t a = {s, folder_path, now};
    return pg_run_tx((pg_store_t *)base, pg_snippet_create_body, &a, __func__);
}

store_rc_t postgres_snippet_by_code(store_t *base, const char *share_code, store_snippet_cb cb, void *ctx)
{
    if (!share_code || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(share_code))
        return STORE_NOT_FOUND;
    pg_rows_arg_t a = {P_SNIPPET_BY_CODE, 1, {share_code}, {.snippet = cb}, ctx, -1, 0, __func__};
    return pg_run((pg_store_t *)base, pg_one_body, &a, __func__);
}
