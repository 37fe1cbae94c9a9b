/* scorecards.c - scorecards, their items, results and the summary in the PostgreSQL backend (migration 008). */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/scorecard.h"
#include "store/scorecard_sql.h"

/* A statement with text parameters whose rows (from column col0; rows with
 * NULL there skipped) go to the scorecard or item callback set in cb. */
typedef struct pg_sc_read_arg {
    int id;
    int n;
    const char *vals[4];
    int col0;
    store_cbs_t cb;
    void *ctx;
    int64_t *total;            /* column 0 of the first row, when set */
    bool need_row;             /* NOT_FOUND when the result has no row */
} pg_sc_read_arg_t;

static store_rc_t pg_sc_read_body(pg_conn_t *c, void *arg)
{
    pg_sc_read_arg_t *a = arg;
    PGresult *res = pg_q(c, a->id, a->n, a->vals, NULL, "postgres_scorecards");
    if (!res)
        return STORE_ERROR;
    int rows = PQntuples(res);
    if (a->total && rows > 0)
        *a->total = pg_int(res, 0, 0);
    if (a->need_row && rows == 0) {
        PQclear(res);
        return STORE_NOT_FOUND;
    }
    return pg_rows(c, res, a->col0, &a->cb, a->ctx);
}

/* One write statement with n text parameters, autocommitted (or joining an
 * open batch): NOT_FOUND when it changed no row, CONFLICT on a unique
 * violation. */
typedef struct pg_sc_vals {
    int id;
    int n;
    const char *const *vals;
} pg_sc_vals_t;

static store_rc_t pg_sc_vals_body(pg_conn_t *c, void *arg)
{
    const pg_sc_vals_t *a = arg;
    c->committing = true; /* an autocommit write: no retry once sent */
    return pg_write(c, a->id, a->n, a->vals, NULL, NULL, true, "postgres_scorecards");
}

/* Runs the insert or update of s (P_SC_INSERT / P_SC_UPDATE) with uuid and
 * time (created_at or updated_at): NOT_FOUND when it changed no row (no such
 * scorecard, or a team that is not the organization's). */
static store_rc_t pg_sc_write(pg_store_t *st, int id, const scorecard_t *s, const char *uuid, int64_t time,
                              const char *fn)
{
    char t[24];
    const char *vals[13] = {uuid,
                            s->org_uuid,
                            s->title,
                            s->team_uuid[0] && !s->all_teams ? s->team_uuid : NULL,
                            s->all_teams ? "t" : "f",
                            s->enabled ? "t" : "f",
                            s->interaction_type,
                            s->detailed_instructions,
                            s->scorecard_prompt,
                            s->expert_mode ? "t" : "f",
                            s->is_default_template ? "t" : "f",
                            s->criteria_json,
                            pg_i64(t, time)};
    if (!pg_utf8_all(vals, 13))
        return STORE_ERROR;
    pg_sc_vals_t a = {id, 13, vals};
    return pg_run(st, pg_sc_vals_body, &a, fn);
}

store_rc_t postgres_scorecard_create(store_t *base, const scorecard_t *s, uuid_str_t out)
{
    if (!s || !s->title)
        return STORE_ERROR;
    uuid_str_t id;
    if (!store_new_uuid(s->uuid, id))
        return STORE_ERROR;
    store_rc_t r = pg_sc_write((pg_store_t *)base, P_SC_INSERT, s, id, s->created_at, __func__);
    if (r == STORE_OK)
        pg_out_uuid(out, id);
    return r;
}

store_rc_t postgres_scorecard_update(store_t *base, const scorecard_t *s)
{
    if (!s || !s->title)
        return STORE_ERROR;
    return pg_sc_write((pg_store_t *)base, P_SC_UPDATE, s, s->uuid, s->updated_at, __func__);
}

store_rc_t postgres_scorecard_get(store_t *base, const char *org_uuid, const char *uuid, store_scorecard_cb cb,
                                  void *ctx)
{
    if (!org_uuid || !uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_sc_read_arg_t a = {P_SC_GET, 2, {org_uuid, id}, 0, {.scorecard = cb}, ctx, NULL, true};
    return pg_run((pg_store_t *)base, pg_sc_read_body, &a, __func__);
}

store_rc_t postgres_scorecard_list(store_t *base, const char *org_uuid, int64_t page, int64_t size, int64_t *total,
                                   store_scorecard_cb cb, void *ctx)
{
    if (total)
        *total = 0;
    if (!org_uuid || !cb || page < 1 || size < 1)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_OK;
    char lim[24], off[24];
    pg_sc_read_arg_t a = {P_SC_PAGE, 3, {org_uuid, pg_i64(lim, size), pg_i64(off, (page - 1) * size)}, 1,
                          {.scorecard = cb}, ctx, total, false};
    return pg_run((pg_store_t *)base, pg_sc_read_body, &a, __func__);
}

/* ---- items ------------------------------------------------------------------- */

/* Runs P_SCI_INSERT / P_SCI_UPDATE for it with uuid: NOT_FOUND when it changed no row. */
static store_rc_t pg_sci_write(pg_store_t *st, int id, const scorecard_item_t *it, const char *uuid, const char *fn)
{
    char pos[24], w[40], mn[40], md[40], mx[40], t[24];
    snprintf(w, sizeof w, "%.17g", it->weight);
    snprintf(mn, sizeof mn, "%.17g", it->num_min);
    snprintf(md, sizeof md, "%.17g", it->num_middle);
    snprintf(mx, sizeof mx, "%.17g", it->num_max);
    pg_i64(pos, it->position);
    pg_i64(t, id == P_SCI_INSERT ? it->created_at : it->updated_at);
    bool ins = id == P_SCI_INSERT;
    /* insert: $4 position, $5 title, $6 type; update: $4 title, $5 type, $6 position */
    const char *vals[15] = {uuid, it->org_uuid, it->scorecard_uuid, ins ? pos : it->title, ins ? it->title : it->type,
                            ins ? it->type : pos, w, it->expert_prompt, mn, md, mx, it->min_criteria,
                            it->middle_criteria, it->max_criteria, t};
    if (!pg_utf8_all(vals, 15))
        return STORE_ERROR;
    pg_sc_vals_t a = {id, 15, vals};
    return pg_run(st, pg_sc_vals_body, &a, fn);
}

store_rc_t postgres_scorecard_item_create(store_t *base, const scorecard_item_t *it, uuid_str_t out)
{
    if (!it || !it->title)
        return STORE_ERROR;
    uuid_str_t id;
    if (!store_new_uuid(it->uuid, id))
        return STORE_ERROR;
    store_rc_t r = pg_sci_write((pg_store_t *)base, P_SCI_INSERT, it, id, __func__);
    if (r == STORE_OK)
        pg_out_uuid(out, id);
    return r;
}

store_rc_t postgres_scorecard_item_update(store_t *base, const scorecard_item_t *it)
{
    if (!it || !it->title)
        return STORE_ERROR;
    return pg_sci_write((pg_store_t *)base, P_SCI_UPDATE, it, it->uuid, __func__);
}

store_rc_t postgres_scorecard_item_delete(store_t *base, const char *org_uuid, const char *sc_uuid,
                                          const char *item_uuid, int64_t now_ms)
{
    if (!org_uuid || !sc_uuid || !item_uuid)
        return STORE_ERROR;
    uuid_str_t sid, iid;
    if (!uuid_parse(sc_uuid, sid) || !uuid_parse(item_uuid, iid) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    char t[24];
    const char *vals[] = {org_uuid, sid, iid, pg_i64(t, now_ms)};
    pg_sc_vals_t a = {P_SCI_DELETE, 4, vals};
    return pg_run((pg_store_t *)base, pg_sc_vals_body, &a, __func__);
}

store_rc_t postgres_scorecard_item_get(store_t *base, const char *org_uuid, const char *sc_uuid,
                                       const char *item_uuid, bool with_deleted, store_scorecard_item_cb cb, void *ctx)
{
    if (!org_uuid || !sc_uuid || !item_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t sid, iid;
    if (!uuid_parse(sc_uuid, sid) || !uuid_parse(item_uuid, iid) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_sc_read_arg_t a = {P_SCI_GET, 4, {org_uuid, sid, iid, with_deleted ? "t" : "f"}, 0, {.scorecard_item = cb}, ctx,
                          NULL, true};
    return pg_run((pg_store_t *)base, pg_sc_read_body, &a, __func__);
}

store_rc_t postgres_scorecard_item_list(store_t *base, const char *org_uuid, const char *sc_uuid, bool with_deleted,
                                        store_scorecard_item_cb cb, void *ctx)
{
    if (!org_uuid || !sc_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t sid;
    if (!uuid_parse(sc_uuid, sid) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    /* column 0 is the scorecard's uuid (no row: no such scorecard), the items from column 1 */
    pg_sc_read_arg_t a = {P_SCI_LIST, 3, {org_uuid, sid, with_deleted ? "t" : "f"}, 1, {.scorecard_item = cb}, ctx,
                          NULL, true};
    return pg_run((pg_store_t *)base, pg_sc_read_body, &a, __func__);
}

/* ---- results ------------------------------------------------------------------ */

typedef struct pg_scr_arg {
    const store_scorecard_result_t *r;
    const store_scope_t *sc;
    const char *uuid;
} pg_scr_arg_t;

/* One item of the result: its row and, when scored, its day's roll-up. */
static store_rc_t pg_scr_item(pg_conn_t *c, const pg_scr_arg_t *a, const char *owner, const char *team, size_t i,
                              const char *fn)
{
    const store_scorecard_result_t *r = a->r;
    const scorecard_result_item_t *ri = &r->items[i];
    char t[24], sc[40], w[40], day[24];
    snprintf(sc, sizeof sc, "%.17g", ri->score);
    snprintf(w, sizeof w, "%.17g", r->weights[i]);
    const char *vals[] = {a->uuid, ri->item_uuid, r->org_uuid, r->scorecard_uuid, owner, team,
                          pg_i64(t, r->created_at), ri->description, ri->has_score ? sc : NULL, w};
    store_rc_t res = pg_write(c, P_SCR_ITEM_INSERT, 10, vals, NULL, NULL, false, fn);
    if (res != STORE_OK || !ri->has_score)
        return res;
    const char *dv[] = {r->org_uuid, r->scorecard_uuid, pg_i64(day, r->created_at / STORE_DAY_MS), owner, team,
                        ri->item_uuid, sc, w};
    return pg_write(c, P_SCR_DAILY, 8, dv, NULL, NULL, false, fn);
}

/* BEGIN; lock the conversation; scope and scorecard checks; the result, its
 * items and roll-ups; the conversation's scorecardResults and its log entry
 * (when entry_json); COMMIT. */
static store_rc_t pg_scr_body(pg_conn_t *c, void *arg)
{
    const pg_scr_arg_t *a = arg;
    const store_scorecard_result_t *r = a->r;
    const char *fn = "postgres_scorecard_result_create";
    if (pg_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    const char *cv[] = {r->conversation_uuid, r->org_uuid, r->scorecard_uuid};
    PGresult *res = pg_q(c, P_SCR_CONV, 3, cv, NULL, fn);
    store_rc_t s = STORE_ERROR;
    uuid_str_t owner = "", team = "";
    if (res) {
        s = STORE_NOT_FOUND;
        if (PQntuples(res) > 0) {
            pg_copy(res, 0, 0, owner, sizeof owner);
            pg_copy(res, 0, 2, team, sizeof team);
            s = store_scope_may_change(a->sc, owner, pg_bool(res, 0, 1));
            if (s == STORE_OK && !pg_bool(res, 0, 3))
                s = STORE_NOT_FOUND;
        }
        PQclear(res);
    }
    if (s == STORE_OK) {
        char t[24];
        const char *vals[] = {a->uuid, r->org_uuid, r->scorecard_uuid, r->conversation_uuid, owner, team, r->summary,
                              pg_i64(t, r->created_at)};
        s = pg_write(c, P_SCR_INSERT, 8, vals, NULL, NULL, false, fn);
    }
    for (size_t i = 0; s == STORE_OK && i < r->n_items; i++)
        s = pg_scr_item(c, a, owner, team, i, fn);
    if (s == STORE_OK && r->entry_json) { /* the conversation's update path: its document and `analyzed` follow */
        conv_update_t u = store_scorecard_result_update(r->entry_json);
        s = pg_conv_rewrite(c, a->sc, r->conversation_uuid, &u, r->created_at, fn);
    }
    if (s == STORE_CONFLICT)
        s = STORE_ERROR; /* a repeated result or item id: not the caller's doing */
    return pg_tx_end(c, s, fn);
}

store_rc_t postgres_scorecard_result_create(store_t *base, const store_scorecard_result_t *r, const store_scope_t *sc)
{
    if (!store_scorecard_result_ok(r, sc))
        return STORE_ERROR;
    const char *texts[] = {r->org_uuid, r->summary, r->entry_json};
    if (!pg_utf8_all(texts, 3))
        return STORE_ERROR;
    for (size_t i = 0; i < r->n_items; i++)
        if (!pg_utf8_ok(r->items[i].description))
            return STORE_ERROR;
    uuid_str_t uuid;
    if (r->uuid[0])
        snprintf(uuid, sizeof uuid, "%s", r->uuid);
    else
        uuid_v7(uuid);
    pg_scr_arg_t a = {r, sc, uuid};
    return pg_run((pg_store_t *)base, pg_scr_body, &a, __func__);
}

/* ---- the summary --------------------------------------------------------------- */

typedef struct pg_sum_arg {
    const store_query_t *q;
    store_summary_cb cb;
    void *ctx;
} pg_sum_arg_t;

static store_rc_t pg_sum_body(pg_conn_t *c, void *arg)
{
    const pg_sum_arg_t *a = arg;
    /* user_uuid (column 0) is never NULL: every row goes to the callback */
    PGresult *res = pg_exec_sql(c, a->q->sql.data, (int)a->q->n, a->q->vals, "postgres_scorecard_summary");
    return pg_rows(c, res, 0, &(store_cbs_t){.summary = a->cb}, a->ctx);
}

store_rc_t postgres_scorecard_summary(store_t *base, const char *org_uuid, const scorecard_summary_req_t *f,
                                      store_summary_cb cb, void *ctx)
{
    if (!org_uuid || !f || !f->scorecard_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_OK;
    store_query_t q; /* owns its SQL, parameters and the strings it made */
    store_q_init(&q, STORE_Q_POSTGRES);
    store_scorecard_summary_sql(&q, org_uuid, f);
    store_rc_t r = STORE_ERROR;
    if (store_q_failed(&q)) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
    } else {
        pg_sum_arg_t a = {&q, cb, ctx};
        r = pg_run((pg_store_t *)base, pg_sum_body, &a, __func__);
    }
    store_q_free(&q);
    return r;
}
