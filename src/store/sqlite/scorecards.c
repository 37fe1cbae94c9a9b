/* scorecards.c - scorecards, their items, results and the summary in the SQLite backend (migration 010). */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ptime.h"
#include "model/scorecard.h"
#include "store/scorecard_sql.h"

/* Hands the rows of s (cached statement id, bound; NULL: it could not be,
 * STORE_ERROR) to the set callback of cb with ctx and puts it back: every
 * row, or with one_row the first (NOT_FOUND when there is none). */
static store_rc_t sq_sc_rows(sq_conn_t *c, int id, sqlite3_stmt *s, store_cbs_t cb, void *ctx, bool one_row,
                             const char *fn)
{
    if (one_row)
        return sq_one_row(c, id, s, sq_row_call, &(sq_call_t){&cb, ctx}, fn);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = sq_rows(c, s, &cb, ctx, fn);
    sq_put(c, id, s);
    return r;
}

/* The parameters of S_SC_INSERT / S_SC_UPDATE (?1-?13) for s; *time its
 * created_at (insert) or updated_at (update). */
static store_rc_t sq_sc_write(sq_conn_t *c, int id, const scorecard_t *s, const char *uuid, int64_t time,
                              const char *fn)
{
    const sq_param_t p[] = {SQ_TEXT(uuid),
                            SQ_TEXT(s->org_uuid),
                            SQ_TEXT(s->title),
                            SQ_TEXT(s->team_uuid[0] && !s->all_teams ? s->team_uuid : NULL),
                            SQ_INT(s->all_teams),
                            SQ_INT(s->enabled),
                            SQ_TEXT(s->interaction_type),
                            SQ_TEXT(s->detailed_instructions),
                            SQ_TEXT(s->scorecard_prompt),
                            SQ_INT(s->expert_mode),
                            SQ_INT(s->is_default_template),
                            SQ_TEXT(s->criteria_json),
                            SQ_INT(time)};
    return sq_run(c, id, id == S_SC_INSERT ? SQ_INSERT : SQ_CHANGE, p, SQ_NPARAMS(p), fn);
}

/* NOT_FOUND unless s's team (when it has one) is a team of its organization. */
static store_rc_t sq_sc_team_ok(sq_conn_t *c, const scorecard_t *s, const char *fn)
{
    if (s->all_teams || !s->team_uuid[0])
        return STORE_OK;
    return sq_get(c, S_TEAM_BY_UUID, s->org_uuid, s->team_uuid, &store_shape_uuid, NULL, fn);
}

store_rc_t sqlite_scorecard_create(store_t *base, const scorecard_t *s, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !s || !s->title)
        return STORE_ERROR;
    uuid_str_t id;
    if (!store_new_uuid(s->uuid, id))
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_sc_team_ok(c, s, __func__);
    if (r == STORE_OK)
        r = sq_sc_write(c, S_SC_INSERT, s, id, s->created_at, __func__);
    if ((r = sq_tx_end(c, r, __func__)) == STORE_OK)
        sq_out_uuid(out, id);
    return r;
}

store_rc_t sqlite_scorecard_update(store_t *base, const scorecard_t *s)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !s || !s->title)
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_sc_team_ok(c, s, __func__);
    if (r == STORE_OK)
        r = sq_sc_write(c, S_SC_UPDATE, s, s->uuid, s->updated_at, __func__);
    return sq_tx_end(c, r, __func__);
}

store_rc_t sqlite_scorecard_get(store_t *base, const char *org_uuid, const char *uuid, store_scorecard_cb cb,
                                void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    return sq_sc_rows(c, S_SC_GET, sq_stmt2(c, S_SC_GET, org_uuid, id, __func__), (store_cbs_t){.scorecard = cb}, ctx,
                      true, __func__);
}

store_rc_t sqlite_scorecard_list(store_t *base, const char *org_uuid, int64_t page, int64_t size, int64_t *total,
                                 store_scorecard_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (total)
        *total = 0;
    if (!c || !org_uuid || !cb || page < 1 || size < 1)
        return STORE_ERROR;
    bool in_tx = false;
    store_rc_t r = STORE_ERROR;
    if (!sq_read_begin(c, &in_tx, __func__))
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt2(c, S_SC_COUNT, org_uuid, NULL, __func__);
    int64_t n = 0;
    bool ok = s && sq_step_int(c, s, &n, __func__);
    sq_put(c, S_SC_COUNT, s);
    if (ok) {
        if (total)
            *total = n;
        const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_INT(size), SQ_INT((page - 1) * size)};
        r = sq_sc_rows(c, S_SC_PAGE, sq_bind(c, S_SC_PAGE, p, SQ_NPARAMS(p), __func__),
                       (store_cbs_t){.scorecard = cb}, ctx, false, __func__);
    }
    sq_read_end(c, in_tx, __func__);
    return r;
}

/* ---- items ------------------------------------------------------------------- */

/* The parameters ?4-?15 of S_SCI_INSERT / S_SCI_UPDATE after ?1-?3. */
static store_rc_t sq_sci_write(sq_conn_t *c, int id, const scorecard_item_t *it, const char *uuid, const char *fn)
{
    sqlite3_stmt *s = sq_bind(c, id,
                              (const sq_param_t[]){SQ_TEXT(uuid), SQ_TEXT(it->org_uuid), SQ_TEXT(it->scorecard_uuid)}, 3,
                              fn);
    if (!s)
        return STORE_ERROR;
    int rc, k = 4;
    if (id == S_SCI_INSERT) {
        rc = sqlite3_bind_int64(s, k++, it->position); /* ?4 */
        if (rc == SQLITE_OK)
            rc = sq_bind_text(s, k++, it->title);
        if (rc == SQLITE_OK)
            rc = sq_bind_text(s, k++, it->type);
    } else {
        rc = sq_bind_text(s, k++, it->title);
        if (rc == SQLITE_OK)
            rc = sq_bind_text(s, k++, it->type);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(s, k++, it->position);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(s, k++, it->weight);
    if (rc == SQLITE_OK)
        rc = sq_bind_text(s, k++, it->expert_prompt);
    const double nums[3] = {it->num_min, it->num_middle, it->num_max};
    for (int i = 0; i < 3 && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_double(s, k++, nums[i]);
    const char *crit[3] = {it->min_criteria, it->middle_criteria, it->max_criteria};
    for (int i = 0; i < 3 && rc == SQLITE_OK; i++)
        rc = sq_bind_text(s, k++, crit[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(s, k++, id == S_SCI_INSERT ? it->created_at : it->updated_at);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sq_put(c, id, s);
        return STORE_ERROR;
    }
    if (id != S_SCI_INSERT)
        return sq_done(c, id, s, SQ_CHANGE, fn);
    store_rc_t r = sq_done(c, id, s, SQ_INSERT, fn); /* CONFLICT: the uuid exists */
    return r == STORE_OK && sqlite3_changes(c->db) == 0 ? STORE_NOT_FOUND : r;
}

store_rc_t sqlite_scorecard_item_create(store_t *base, const scorecard_item_t *it, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !it || !it->title)
        return STORE_ERROR;
    uuid_str_t id;
    if (!store_new_uuid(it->uuid, id))
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_sci_write(c, S_SCI_INSERT, it, id, __func__); /* NOT_FOUND: no such scorecard */
    if ((r = sq_tx_end(c, r, __func__)) == STORE_OK)
        sq_out_uuid(out, id);
    return r;
}

store_rc_t sqlite_scorecard_item_update(store_t *base, const scorecard_item_t *it)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !it || !it->title)
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    return sq_tx_end(c, sq_sci_write(c, S_SCI_UPDATE, it, it->uuid, __func__), __func__);
}

store_rc_t sqlite_scorecard_item_delete(store_t *base, const char *org_uuid, const char *sc_uuid,
                                        const char *item_uuid, int64_t now_ms)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !sc_uuid || !item_uuid)
        return STORE_ERROR;
    uuid_str_t sid, iid;
    if (!uuid_parse(sc_uuid, sid) || !uuid_parse(item_uuid, iid))
        return STORE_NOT_FOUND;
    const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(sid), SQ_TEXT(iid), SQ_INT(now_ms)};
    return sq_run(c, S_SCI_DELETE, SQ_CHANGE, p, SQ_NPARAMS(p), __func__);
}

store_rc_t sqlite_scorecard_item_get(store_t *base, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                     bool with_deleted, store_scorecard_item_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !sc_uuid || !item_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t sid, iid;
    if (!uuid_parse(sc_uuid, sid) || !uuid_parse(item_uuid, iid))
        return STORE_NOT_FOUND;
    const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(sid), SQ_TEXT(iid), SQ_INT(with_deleted)};
    return sq_sc_rows(c, S_SCI_GET, sq_bind(c, S_SCI_GET, p, SQ_NPARAMS(p), __func__),
                      (store_cbs_t){.scorecard_item = cb}, ctx, true, __func__);
}

store_rc_t sqlite_scorecard_item_list(store_t *base, const char *org_uuid, const char *sc_uuid, bool with_deleted,
                                      store_scorecard_item_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !sc_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t sid;
    if (!uuid_parse(sc_uuid, sid))
        return STORE_NOT_FOUND;
    bool in_tx = false;
    if (!sq_read_begin(c, &in_tx, __func__))
        return STORE_ERROR;
    store_rc_t r = sq_get(c, S_SC_GET, org_uuid, sid, NULL, NULL, __func__);
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(sid), SQ_INT(with_deleted)};
        r = sq_sc_rows(c, S_SCI_LIST, sq_bind(c, S_SCI_LIST, p, SQ_NPARAMS(p), __func__),
                       (store_cbs_t){.scorecard_item = cb}, ctx, false, __func__);
    }
    sq_read_end(c, in_tx, __func__);
    return r;
}

/* ---- results ------------------------------------------------------------------ */

/* What S_SCR_CONV reads of the conversation (in: the scope). */
typedef struct sq_scr_conv {
    const store_scope_t *sc;
    uuid_str_t owner, team;
    int64_t rowid;
    bool scorecard;            /* the scorecard is the organization's */
} sq_scr_conv_t;

/* sq_row_fn of S_SCR_CONV: the scope checks of a change. */
static store_rc_t sq_scr_conv_row(sqlite3_stmt *s, void *out)
{
    sq_scr_conv_t *v = out;
    sq_copy_col(s, 0, v->owner, sizeof v->owner);
    sq_copy_col(s, 2, v->team, sizeof v->team);
    v->rowid = sqlite3_column_int64(s, 3);
    v->scorecard = sqlite3_column_int(s, 4) != 0;
    return store_scope_may_change(v->sc, v->owner, sqlite3_column_int(s, 1) != 0);
}

/* One item of result r: its row and, when scored, its day's roll-up. */
static store_rc_t sq_scr_item(sq_conn_t *c, const store_scorecard_result_t *r, const char *uuid,
                              const sq_scr_conv_t *v, size_t i, const char *fn)
{
    const scorecard_result_item_t *ri = &r->items[i];
    sqlite3_stmt *s = sq_stmt(c, S_SCR_ITEM_INSERT, fn);
    if (!s)
        return STORE_ERROR;
    const char *texts[8] = {uuid, ri->item_uuid, r->org_uuid, r->scorecard_uuid, v->owner, v->team, NULL,
                            ri->description};
    int rc = SQLITE_OK;
    for (int k = 0; k < 8 && rc == SQLITE_OK; k++)
        rc = k == 6 ? sqlite3_bind_int64(s, 7, r->created_at) : sq_bind_text(s, k + 1, texts[k]);
    if (rc == SQLITE_OK)
        rc = ri->has_score ? sqlite3_bind_double(s, 9, ri->score) : sqlite3_bind_null(s, 9);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(s, 10, r->weights[i]);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sq_put(c, S_SCR_ITEM_INSERT, s);
        return STORE_ERROR;
    }
    store_rc_t res = sq_done(c, S_SCR_ITEM_INSERT, s, SQ_INSERT, fn);
    if (res != STORE_OK || !ri->has_score)
        return res;
    if (!(s = sq_bind(c, S_SCR_DAILY,
                      (const sq_param_t[]){SQ_TEXT(r->org_uuid), SQ_TEXT(r->scorecard_uuid),
                                           SQ_INT(r->created_at / STORE_DAY_MS), SQ_TEXT(v->owner), SQ_TEXT(v->team),
                                           SQ_TEXT(ri->item_uuid)},
                      6, fn)))
        return STORE_ERROR;
    rc = sqlite3_bind_double(s, 7, ri->score);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(s, 8, r->weights[i]);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sq_put(c, S_SCR_DAILY, s);
        return STORE_ERROR;
    }
    return sq_done(c, S_SCR_DAILY, s, SQ_EXEC, fn);
}

/* The write job of sqlite_scorecard_result_create (conn: an sq_conn_t, arg:
 * the store_scorecard_result_t with its scope, sq_scr_job_t). */
typedef struct sq_scr_job {
    const store_scorecard_result_t *r;
    const store_scope_t *sc;
} sq_scr_job_t;

static store_rc_t sq_scr_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const sq_scr_job_t *j = arg;
    const store_scorecard_result_t *r = j->r;
    const char *fn = "sqlite_scorecard_result_create";
    uuid_str_t uuid;
    if (r->uuid[0])
        snprintf(uuid, sizeof uuid, "%s", r->uuid);
    else
        uuid_v7(uuid);
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    sq_scr_conv_t v = {.sc = j->sc};
    const sq_param_t pc[] = {SQ_TEXT(r->conversation_uuid), SQ_TEXT(r->org_uuid), SQ_TEXT(r->scorecard_uuid)};
    store_rc_t res = sq_one_row(c, S_SCR_CONV, sq_bind(c, S_SCR_CONV, pc, 3, fn), sq_scr_conv_row, &v, fn);
    if (res == STORE_OK && !v.scorecard)
        res = STORE_NOT_FOUND;
    if (res == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(uuid),     SQ_TEXT(r->org_uuid), SQ_TEXT(r->scorecard_uuid),
                                SQ_TEXT(r->conversation_uuid), SQ_TEXT(v.owner), SQ_TEXT(v.team),
                                SQ_TEXT(r->summary), SQ_INT(r->created_at)};
        res = sq_run(c, S_SCR_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn);
    }
    for (size_t i = 0; res == STORE_OK && i < r->n_items; i++)
        res = sq_scr_item(c, r, uuid, &v, i, fn);
    if (res == STORE_OK && r->entry_json) { /* the conversation's update path: its document and `analyzed` follow */
        conv_update_t u = store_scorecard_result_update(r->entry_json);
        res = sq_conv_rewrite(c, j->sc, r->conversation_uuid, v.rowid, SQ_OUTBOX_MARK_UNKNOWN, &u, r->created_at, fn);
    }
    if (res == STORE_CONFLICT)
        res = STORE_ERROR; /* a repeated result or item id: not the caller's doing */
    return sq_tx_end(c, res, fn);
}

/* Group-committed (sq_write) like the other conversation changes. */
store_rc_t sqlite_scorecard_result_create(store_t *base, const store_scorecard_result_t *r, const store_scope_t *sc)
{
    if (!store_scorecard_result_ok(r, sc))
        return STORE_ERROR;
    sq_scr_job_t j = {r, sc};
    return sq_write((sq_store_t *)base, sq_scr_tx, &j);
}

/* ---- the summary --------------------------------------------------------------- */

store_rc_t sqlite_scorecard_summary(store_t *base, const char *org_uuid, const scorecard_summary_req_t *f,
                                    store_summary_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !f || !f->scorecard_uuid || !cb)
        return STORE_ERROR;
    store_query_t q; /* owns its SQL buffer and parameters */
    store_q_init(&q, STORE_Q_SQLITE);
    store_scorecard_summary_sql(&q, org_uuid, f);
    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    if (store_q_failed(&q)) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if ((s = sq_q_prepare(c, q.sql.data, &q, q.n, __func__)))
        r = sq_rows(c, s, &(store_cbs_t){.summary = cb}, ctx, __func__);
out:
    sqlite3_finalize(s);
    store_q_free(&q);
    return r;
}
