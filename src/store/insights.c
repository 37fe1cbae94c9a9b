/* insights.c - the store_* functions of Ask Attention, scorecards and the history (insights.h): forwards to the backend's optional vtable entries. */
#include "store/backend.h"

/* A missing entry is STORE_NOT_SUPPORTED; every answer goes through store_note. */
#define INSIGHTS_CALL(op, ...) (st->vt->op ? store_note(st->vt->op(st, __VA_ARGS__)) : STORE_NOT_SUPPORTED)

store_rc_t store_ask_search(store_t *st, const store_scope_t *sc, const store_ask_query_t *q, store_ask_conv_cb conv,
                            store_ask_segment_cb seg, void *ctx)
{
    return INSIGHTS_CALL(ask_search, sc, q, conv, seg, ctx);
}

store_rc_t store_scorecard_create(store_t *st, const scorecard_t *s, uuid_str_t out)
{
    return INSIGHTS_CALL(scorecard_create, s, out);
}

store_rc_t store_scorecard_update(store_t *st, const scorecard_t *s)
{
    return INSIGHTS_CALL(scorecard_update, s);
}

store_rc_t store_scorecard_get(store_t *st, const char *org_uuid, const char *uuid, store_scorecard_cb cb, void *ctx)
{
    return INSIGHTS_CALL(scorecard_get, org_uuid, uuid, cb, ctx);
}

store_rc_t store_scorecard_list(store_t *st, const char *org_uuid, int64_t page, int64_t size, int64_t *total,
                                store_scorecard_cb cb, void *ctx)
{
    return INSIGHTS_CALL(scorecard_list, org_uuid, page, size, total, cb, ctx);
}

store_rc_t store_scorecard_item_create(store_t *st, const scorecard_item_t *it, uuid_str_t out)
{
    return INSIGHTS_CALL(scorecard_item_create, it, out);
}

store_rc_t store_scorecard_item_update(store_t *st, const scorecard_item_t *it)
{
    return INSIGHTS_CALL(scorecard_item_update, it);
}

store_rc_t store_scorecard_item_delete(store_t *st, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                       int64_t now_ms)
{
    return INSIGHTS_CALL(scorecard_item_delete, org_uuid, sc_uuid, item_uuid, now_ms);
}

store_rc_t store_scorecard_item_get(store_t *st, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                    bool with_deleted, store_scorecard_item_cb cb, void *ctx)
{
    return INSIGHTS_CALL(scorecard_item_get, org_uuid, sc_uuid, item_uuid, with_deleted, cb, ctx);
}

store_rc_t store_scorecard_item_list(store_t *st, const char *org_uuid, const char *sc_uuid, bool with_deleted,
                                     store_scorecard_item_cb cb, void *ctx)
{
    return INSIGHTS_CALL(scorecard_item_list, org_uuid, sc_uuid, with_deleted, cb, ctx);
}

store_rc_t store_scorecard_result_create(store_t *st, const store_scorecard_result_t *r, const store_scope_t *sc)
{
    return INSIGHTS_CALL(scorecard_result_create, r, sc);
}

store_rc_t store_scorecard_summary(store_t *st, const char *org_uuid, const scorecard_summary_req_t *f,
                                   store_summary_cb cb, void *ctx)
{
    return INSIGHTS_CALL(scorecard_summary, org_uuid, f, cb, ctx);
}

store_rc_t store_gi_add(store_t *st, const store_gi_entry_t *e)
{
    return INSIGHTS_CALL(gi_add, e);
}

store_rc_t store_gi_list(store_t *st, const char *org_uuid, const char *user_uuid, int64_t limit, int64_t offset,
                         int64_t *total, store_gi_cb cb, void *ctx)
{
    return INSIGHTS_CALL(gi_list, org_uuid, user_uuid, limit, offset, total, cb, ctx);
}
