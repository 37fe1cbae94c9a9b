/* snippets.c - snippets in the SQLite backend: create one (with its library folders and workflow-log entry), find one by its share code (beyond.md §1). */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

store_rc_t sqlite_snippet_create(store_t *base, const store_snippet_t *s, const char *folder_path, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !s)
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    uuid_str_t folder = "";
    store_rc_t r = STORE_OK;
    if (s->in_library && folder_path)
        r = sq_folder_ensure(c, s->org_uuid, s->my_library ? s->user_uuid : "", folder_path, s->user_uuid, false,
                             s->created_at, folder, __func__);
    if (r == STORE_OK) {
        bool ref = s->has_reference;
        const sq_param_t p[] = {SQ_TEXT(s->uuid),
                                SQ_TEXT(s->org_uuid),
                                SQ_TEXT(s->user_uuid),
                                SQ_TEXT(s->conversation_uuid),
                                SQ_TEXT(s->share_code),
                                SQ_TEXT(s->title ? s->title : ""),
                                SQ_TEXT(s->notes ? s->notes : ""),
                                SQ_INT(0), /* the times: bound as doubles below */
                                SQ_INT(0),
                                SQ_INT(0),
                                SQ_INT(s->internal ? 1 : 0),
                                SQ_INT(s->notify_views ? 1 : 0),
                                SQ_INT(s->ref_char_start),
                                SQ_INT(s->ref_char_end),
                                SQ_INT(s->ref_speaker_start),
                                SQ_INT(s->ref_speaker_end),
                                SQ_TEXT(ref ? s->ref_version : NULL),
                                SQ_INT(s->in_library ? 1 : 0),
                                SQ_INT(s->my_library ? 1 : 0),
                                SQ_TEXT(folder[0] ? folder : NULL),
                                SQ_INT(s->created_at)};
        sqlite3_stmt *st = sq_bind(c, S_SNIPPET_INSERT, p, SQ_NPARAMS(p), __func__);
        if (st) {
            int rc = sqlite3_bind_double(st, 8, s->start_time);
            if (rc == SQLITE_OK)
                rc = sqlite3_bind_double(st, 9, s->end_time);
            if (rc == SQLITE_OK)
                rc = sqlite3_bind_double(st, 10, s->duration);
            for (int i = 13; rc == SQLITE_OK && !ref && i <= 16; i++)
                rc = sqlite3_bind_null(st, i);
            if (rc != SQLITE_OK) {
                sq_log(c->db, __func__, rc);
                sq_put(c, S_SNIPPET_INSERT, st);
                st = NULL;
            }
        }
        r = sq_done(c, S_SNIPPET_INSERT, st, SQ_INSERT, __func__);
    }
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(s->org_uuid), SQ_TEXT(s->conversation_uuid), SQ_TEXT("snippet_created"),
                                SQ_INT(now)};
        r = sq_run(c, S_LOG_CHANGE, SQ_INSERT, p, SQ_NPARAMS(p), __func__);
        if (r == STORE_CONFLICT)
            r = STORE_ERROR; /* workflow_logs has no unique key: never a conflict of the caller's */
    }
    return sq_tx_end(c, r, __func__);
}

store_rc_t sqlite_snippet_by_code(store_t *base, const char *share_code, store_snippet_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !share_code || !cb)
        return STORE_ERROR;
    sq_cbs_at_t at = {{.snippet = cb}, ctx, NULL};
    return sq_one_row(c, S_SNIPPET_BY_CODE, sq_stmt2(c, S_SNIPPET_BY_CODE, share_code, NULL, __func__), sq_row_cbs,
                      &at, __func__);
}
