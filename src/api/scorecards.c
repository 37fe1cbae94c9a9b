/* scorecards.c - /scorecards and their items, POST /createScorecardResult and POST /scorecards/summary (beyond.md §3). */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "api/conv_common.h"
#include "http/problem.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "model/scorecard.h"
#include "store/insights.h"

/* ---- helpers ----------------------------------------------------------------- */

/* 403 unless the key is org-level; returns 0 when it is. */
static int sc_org_level(req_t *r, const char *what)
{
    if (!r->scope.user_uuid)
        return 0;
    problem_send(r, 403, "forbidden", "%s needs an org-level key; this key acts for user %s", what,
                 r->scope.user_uuid);
    return -1;
}

/* Replies for a store answer that is not STORE_OK: 404 naming what and id
 * (NOT_FOUND), else 500. Returns 0 (nothing replied) on STORE_OK, else -1. */
static int sc_fail(req_t *r, store_rc_t rc, const char *what, const char *id)
{
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_NOT_FOUND)
        problem_not_found(r, what, id);
    else
        problem_internal(r);
    return -1;
}

/* Copies s into the request's arena (strings included) as *out. Returns 0 or -1 (OOM). */
static int sc_copy(req_t *r, const scorecard_t *s, scorecard_t *out)
{
    *out = *s;
    const char **f[] = {&out->title, &out->interaction_type, &out->detailed_instructions, &out->scorecard_prompt,
                        &out->criteria_json};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!(*f[i] = arena_strdup(&r->arena, *f[i] ? *f[i] : "")))
            return -1;
    return 0;
}

/* Copies it into the request's arena (strings included) as *out. Returns 0 or -1 (OOM). */
static int sci_copy(req_t *r, const scorecard_item_t *it, scorecard_item_t *out)
{
    *out = *it;
    const char **f[] = {&out->title, &out->type, &out->expert_prompt, &out->min_criteria, &out->middle_criteria,
                        &out->max_criteria};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!(*f[i] = arena_strdup(&r->arena, *f[i] ? *f[i] : "")))
            return -1;
    return 0;
}

/* store_scorecard_cb: copies the one scorecard (ctx: the req_t and its out). */
typedef struct sc_one {
    req_t *r;
    scorecard_t s;
    scorecard_item_t it;
} sc_one_t;

static int sc_one_cb(void *ctx, const scorecard_t *s)
{
    sc_one_t *o = ctx;
    return sc_copy(o->r, s, &o->s);
}

static int sci_one_cb(void *ctx, const scorecard_item_t *it)
{
    sc_one_t *o = ctx;
    return sci_copy(o->r, it, &o->it);
}

/* Loads scorecard id of the caller's organization into *s (arena copy).
 * Returns 0, or -1 after replying 404 (unknown, malformed, another
 * organization's) or 500. */
static int sc_load(req_t *r, const char *id, scorecard_t *s)
{
    sc_one_t o = {.r = r};
    if (sc_fail(r, store_scorecard_get(r->store, r->scope.org_uuid, id, sc_one_cb, &o), "scorecard", id) != 0)
        return -1;
    *s = o.s;
    return 0;
}

/* Loads live item item_id of scorecard sc_id into *it (arena copy): 0, or -1
 * after replying 404 (item or scorecard unknown) or 500. */
static int sci_load(req_t *r, const char *sc_id, const char *item_id, scorecard_item_t *it)
{
    sc_one_t o = {.r = r};
    store_rc_t rc = store_scorecard_item_get(r->store, r->scope.org_uuid, sc_id, item_id, false, sci_one_cb, &o);
    if (sc_fail(r, rc, "scorecard item", item_id) != 0)
        return -1;
    *it = o.it;
    return 0;
}

/* Items collected from the store (arena copies). */
typedef struct sc_items {
    req_t *r;
    buf_t b;                   /* scorecard_item_t records; owned by the collector's caller */
    bool oom;
} sc_items_t;

static int sc_items_cb(void *ctx, const scorecard_item_t *it)
{
    sc_items_t *x = ctx;
    scorecard_item_t c;
    if (sci_copy(x->r, it, &c) != 0 || buf_append(&x->b, &c, sizeof c) != 0) {
        x->oom = true;
        return 1;
    }
    return 0;
}

/* The items of scorecard sc_id (deleted ones too when with_deleted) into
 * *items (arena) and *n. Returns 0, or -1 after replying 404 or 500. */
static int sc_items_load(req_t *r, const char *sc_id, bool with_deleted, scorecard_item_t **items, size_t *n)
{
    sc_items_t x = {.r = r};
    buf_init(&x.b);
    store_rc_t rc = store_scorecard_item_list(r->store, r->scope.org_uuid, sc_id, with_deleted, sc_items_cb, &x);
    *items = NULL;
    *n = 0;
    if (rc == STORE_OK && !x.oom && x.b.len) {
        if ((*items = arena_alloc(&r->arena, x.b.len)))
            memcpy(*items, x.b.data, x.b.len);
        else
            rc = STORE_ERROR;
        *n = x.b.len / sizeof **items;
    }
    buf_free(&x.b);
    if (rc == STORE_NOT_FOUND)
        problem_not_found(r, "scorecard", sc_id);
    else if (rc != STORE_OK || x.oom)
        problem_internal(r);
    return rc == STORE_OK && !x.oom ? 0 : -1;
}

/* Replies 200 {"data": Scorecard} for s, or {"data": Item} for it. */
static void sc_reply(req_t *r, const scorecard_t *s, const scorecard_item_t *it)
{
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    if (s)
        scorecard_render(&w, s);
    else
        scorecard_item_render(&w, it);
    jsonw_obj_end(&w);
}

/* Parses the JSON body (400/415 replied by req_json_body). */
static json_t *sc_body(req_t *r)
{
    return req_json_body(r, true); /* owner: the caller */
}

/* Reads the body onto *it with scorecard_item_body_parse (create or PATCH).
 * Returns the body, whose strings *it borrows (the caller json_decrefs it
 * once the store has them), or NULL after replying 400/415. */
static json_t *sci_body(req_t *r, bool create, scorecard_item_t *it)
{
    json_t *root = sc_body(r);
    unsigned set;
    char err[512];
    if (root && scorecard_item_body_parse(root, create, it, &set, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return NULL;
    }
    return root;
}

/* ---- scorecards --------------------------------------------------------------- */

typedef struct sc_list_out {
    jsonw_t *w;
} sc_list_out_t;

static int sc_list_cb(void *ctx, const scorecard_t *s)
{
    scorecard_render(((sc_list_out_t *)ctx)->w, s);
    return 0;
}

/* A page parameter in [min, max] (default dflt). Returns 0, or -1 after a 400. */
static int sc_page_param(req_t *r, const char *key, long long min, long long max, long long dflt, long long *out)
{
    *out = dflt;
    if (query_get_int(&r->query, key, min, max, out) < 0) {
        char shown[STR_SHOWN_MAX + 4];
        problem_send(r, 400, "invalid_parameter", "%s must be an integer from %lld to %lld, got \"%s\"", key, min,
                     max, str_shown(query_get(&r->query, key), shown, sizeof shown));
        return -1;
    }
    return 0;
}

/* GET /v2/scorecards: {data:[Scorecard], meta} of the organization, by
 * createdAt, id; page from 1, size 1-200 (default 20). Any key. */
void api_scorecards_list(req_t *r)
{
    long long page, size;
    if (sc_page_param(r, "page", 1, 1000000000LL, 1, &page) != 0 ||
        sc_page_param(r, "size", 1, SCORECARD_PAGE_SIZE_MAX, 20, &size) != 0)
        return;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    sc_list_out_t o = {&w};
    int64_t total = 0;
    if (store_scorecard_list(r->store, r->scope.org_uuid, page, size, &total, sc_list_cb, &o) != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "meta");
    jsonw_obj_begin(&w);
    jsonw_kv_int(&w, "totalRecords", total);
    jsonw_kv_int(&w, "pageCount", (total + size - 1) / size);
    jsonw_kv_int(&w, "pageNumber", page);
    jsonw_kv_int(&w, "pageSize", size);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
}

/* GET /v2/scorecards/{id}: {data: Scorecard}; 404 for unknown, malformed or
 * another organization's ids. Any key. */
void api_scorecard_get(req_t *r)
{
    scorecard_t s;
    if (sc_load(r, r->params[0], &s) == 0)
        sc_reply(r, &s, NULL);
}

/* The answer of a scorecard write rc (team_uuid: the team asked for):
 * NOT_FOUND is a team that is not the organization's (400) unless missing is
 * set (the scorecard itself: 404). Returns 0 on STORE_OK. */
static int sc_write_fail(req_t *r, store_rc_t rc, const scorecard_t *s, const char *missing)
{
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_NOT_FOUND && missing)
        problem_not_found(r, "scorecard", missing);
    else if (rc == STORE_NOT_FOUND)
        problem_send(r, 400, "invalid_body", "teamUUID %s is not a team of this organization", s->team_uuid);
    else
        problem_internal(r);
    return -1;
}

/* POST /v2/scorecards: org-level keys (403); body per scorecard_body_parse
 * (400; an unknown teamUUID is a 400). Answers 200 {data: Scorecard}. */
void api_scorecards_create(req_t *r)
{
    if (sc_org_level(r, "creating scorecards") != 0)
        return;
    json_t *root = sc_body(r);
    if (!root)
        return;
    scorecard_t s;
    memset(&s, 0, sizeof s);
    scorecard_defaults(&s);
    unsigned set;
    char err[512];
    if (scorecard_body_parse(&r->arena, root, true, &s, &set, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    snprintf(s.org_uuid, sizeof s.org_uuid, "%s", r->scope.org_uuid);
    s.created_at = s.updated_at = ptime_now_ms();
    uuid_str_t id;
    int failed = sc_write_fail(r, store_scorecard_create(r->store, &s, id), &s, NULL);
    json_decref(root);
    if (!failed && sc_load(r, id, &s) == 0)
        sc_reply(r, &s, NULL);
}

/* PATCH /v2/scorecards/{id}: org-level keys (403); at least one member (400);
 * the members given replace the stored ones. 404 for unknown ids. */
void api_scorecard_update(req_t *r)
{
    if (sc_org_level(r, "changing scorecards") != 0)
        return;
    scorecard_t s;
    if (sc_load(r, r->params[0], &s) != 0)
        return;
    json_t *root = sc_body(r);
    if (!root)
        return;
    unsigned set;
    char err[512];
    if (scorecard_body_parse(&r->arena, root, false, &s, &set, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    s.updated_at = ptime_now_ms();
    uuid_str_t id;
    memcpy(id, s.uuid, sizeof id);
    store_rc_t rc = store_scorecard_update(r->store, &s);
    /* NOT_FOUND: the team, unless the scorecard is gone (it cannot be deleted) */
    int failed = sc_write_fail(r, rc, &s, NULL);
    json_decref(root);
    if (!failed && sc_load(r, id, &s) == 0)
        sc_reply(r, &s, NULL);
}

/* ---- items -------------------------------------------------------------------- */

/* GET /v2/scorecards/{id}/items: {data:[Item]} by position. Any key. */
void api_scorecard_items_list(req_t *r)
{
    scorecard_item_t *items;
    size_t n;
    if (sc_items_load(r, r->params[0], false, &items, &n) != 0)
        return;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        scorecard_item_render(&w, &items[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}

/* POST /v2/scorecards/{id}/items: org-level keys (403); body per
 * scorecard_item_body_parse (400); 404 for an unknown scorecard. Answers
 * 200 {data: Item}. */
void api_scorecard_item_create(req_t *r)
{
    if (sc_org_level(r, "changing scorecard items") != 0)
        return;
    scorecard_t s;
    if (sc_load(r, r->params[0], &s) != 0)
        return;
    scorecard_item_t it;
    memset(&it, 0, sizeof it);
    scorecard_item_defaults(&it);
    it.position = -1; /* after the last one unless given */
    json_t *root = sci_body(r, true, &it);
    if (!root)
        return;
    snprintf(it.org_uuid, sizeof it.org_uuid, "%s", r->scope.org_uuid);
    memcpy(it.scorecard_uuid, s.uuid, sizeof it.scorecard_uuid);
    it.created_at = it.updated_at = ptime_now_ms();
    uuid_str_t id;
    store_rc_t rc = store_scorecard_item_create(r->store, &it, id);
    json_decref(root);
    if (sc_fail(r, rc, "scorecard", r->params[0]) == 0 && sci_load(r, s.uuid, id, &it) == 0)
        sc_reply(r, NULL, &it);
}

/* GET /v2/scorecards/{id}/items/{itemId}: {data: Item}; 404 when either is unknown. */
void api_scorecard_item_get(req_t *r)
{
    scorecard_item_t it;
    if (sci_load(r, r->params[0], r->params[1], &it) == 0)
        sc_reply(r, NULL, &it);
}

/* PATCH /v2/scorecards/{id}/items/{itemId}: org-level keys (403); at least
 * one member (400); version + 1. 404 when either is unknown. */
void api_scorecard_item_update(req_t *r)
{
    if (sc_org_level(r, "changing scorecard items") != 0)
        return;
    scorecard_item_t it;
    if (sci_load(r, r->params[0], r->params[1], &it) != 0)
        return;
    json_t *root = sci_body(r, false, &it);
    if (!root)
        return;
    it.updated_at = ptime_now_ms();
    store_rc_t rc = store_scorecard_item_update(r->store, &it); /* NOT_FOUND: deleted meanwhile */
    json_decref(root);
    uuid_str_t sid, iid;
    memcpy(sid, it.scorecard_uuid, sizeof sid);
    memcpy(iid, it.uuid, sizeof iid);
    if (sc_fail(r, rc, "scorecard item", r->params[1]) == 0 && sci_load(r, sid, iid, &it) == 0)
        sc_reply(r, NULL, &it);
}

/* DELETE /v2/scorecards/{id}/items/{itemId}: org-level keys (403); answers
 * {data: Item} as it was; results that scored it keep it. 404 when unknown. */
void api_scorecard_item_delete(req_t *r)
{
    if (sc_org_level(r, "changing scorecard items") != 0)
        return;
    scorecard_item_t it;
    if (sci_load(r, r->params[0], r->params[1], &it) != 0)
        return;
    store_rc_t rc = store_scorecard_item_delete(r->store, r->scope.org_uuid, it.scorecard_uuid, it.uuid,
                                                ptime_now_ms());
    if (sc_fail(r, rc, "scorecard item", r->params[1]) == 0)
        sc_reply(r, NULL, &it);
}

/* ---- results ------------------------------------------------------------------ */

/* POST /v2/createScorecardResult: body per scorecard_result_parse (400); a
 * chat_uuid is a 404 (Parley stores no chats), as are an unknown scorecard or
 * conversation; items checked against the scorecard's (400); a user-level
 * key only on conversations its user owns (403, recorded as a failed
 * `scorecard_result_created`). Adds one result (each call adds one) to the
 * conversation's scorecardResults and answers {"success":true}. */
void api_create_scorecard_result(req_t *r)
{
    json_t *root = sc_body(r);
    if (!root)
        return;
    scorecard_result_req_t rq;
    char err[512];
    if (scorecard_result_parse(&r->arena, root, &rq, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    scorecard_t s;
    scorecard_item_t *items;
    size_t n;
    if (rq.chat_uuid) {
        problem_not_found(r, "chat", rq.chat_uuid);
        goto out;
    }
    if (sc_load(r, rq.scorecard_uuid, &s) != 0 || sc_items_load(r, s.uuid, false, &items, &n) != 0)
        goto out;
    if (scorecard_result_check(&rq, items, n, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_body", "%s", err);
        goto out;
    }
    double *weights = arena_alloc(&r->arena, rq.n_items * sizeof *weights);
    store_scorecard_result_t res = {.org_uuid = r->scope.org_uuid, .scorecard_uuid = s.uuid,
                                    .conversation_uuid = rq.conversation_uuid, .summary = rq.summary,
                                    .created_at = ptime_now_ms(), .items = rq.items, .weights = weights,
                                    .n_items = rq.n_items};
    uuid_v7(res.uuid);
    buf_t entry; /* owned here */
    buf_init(&entry);
    scorecard_result_render(&entry, res.uuid, s.title, &rq, items, n);
    res.entry_json = entry.data;
    for (size_t i = 0; weights && i < rq.n_items; i++)
        for (size_t k = 0; k < n; k++)
            if (strcmp(items[k].uuid, rq.items[i].item_uuid) == 0)
                weights[i] = items[k].weight;
    store_rc_t rc = weights && !entry.oom ? store_scorecard_result_create(r->store, &res, &r->scope) : STORE_ERROR;
    buf_free(&entry);
    if (rc == STORE_FORBIDDEN)
        api_conv_log_refusal(r, rq.conversation_uuid, "scorecard_result_created", res.created_at / 1000);
    if (rc == STORE_OK)
        req_success(r);
    else
        api_conv_store_fail(r, rc, rq.conversation_uuid);
out:
    json_decref(root);
}

/* ---- the summary ---------------------------------------------------------------- */

/* The groups of a summary, collected (store_summary_cb). */
static int sc_group_cb(void *ctx, const store_summary_group_t *g)
{
    return buf_append(ctx, g, sizeof *g);
}

static int sc_user_cb(void *ctx, const store_user_t *u)
{
    return buf_append(ctx, u, sizeof *u);
}

static int sc_team_cb(void *ctx, const store_team_t *t)
{
    return buf_append(ctx, t, sizeof *t);
}

/* One row of the answer. */
typedef struct sc_row {
    const char *user_name, *team_name; /* arena or static */
    const char *user_uuid;
    size_t first, n;           /* its groups */
    int64_t metrics;
    double total, wtotal, wsum, lo, hi;
} sc_row_t;

static int sc_row_cmp(const void *x, const void *y)
{
    const sc_row_t *a = x, *b = y;
    int c = strcmp(a->user_name, b->user_name);
    return c ? c : strcmp(a->user_uuid, b->user_uuid);
}

/* The order of itemAverageTotals: the items' order in the scorecard. */
typedef struct sc_avg {
    const scorecard_item_t *item; /* NULL when unknown */
    double average;
} sc_avg_t;

static int sc_avg_cmp(const void *x, const void *y)
{
    const sc_avg_t *a = x, *b = y;
    if (!a->item || !b->item)
        return !a->item - !b->item;
    if (a->item->position != b->item->position)
        return a->item->position < b->item->position ? -1 : 1;
    if (a->item->created_at != b->item->created_at)
        return a->item->created_at < b->item->created_at ? -1 : 1;
    return strcmp(a->item->uuid, b->item->uuid);
}

/* Writes the rows of the groups g[0..ng) (ordered by user, item). */
static void sc_summary_write(req_t *r, jsonw_t *w, const store_summary_group_t *g, size_t ng, const store_user_t *users,
                             size_t nu, const store_team_t *teams, size_t nt, const scorecard_item_t *items, size_t ni)
{
    sc_row_t *rows = arena_alloc(&r->arena, (ng ? ng : 1) * sizeof *rows);
    sc_avg_t *avgs = arena_alloc(&r->arena, (ng ? ng : 1) * sizeof *avgs);
    if (!rows || !avgs) {
        w->err = 1;
        return;
    }
    size_t nr = 0;
    for (size_t i = 0; i < ng; i++) {
        if (nr == 0 || strcmp(rows[nr - 1].user_uuid, g[i].user_uuid) != 0) {
            sc_row_t *row = &rows[nr++];
            memset(row, 0, sizeof *row);
            row->user_uuid = g[i].user_uuid;
            row->first = i;
            row->lo = g[i].lo;
            row->hi = g[i].hi;
            row->user_name = row->team_name = "";
            for (size_t u = 0; u < nu; u++) {
                if (strcmp(users[u].uuid, g[i].user_uuid) != 0)
                    continue;
                const store_user_t *us = &users[u];
                row->user_name = us->first_name[0] || us->last_name[0]
                                     ? arena_printf(&r->arena, "%s%s%s", us->first_name,
                                                    us->first_name[0] && us->last_name[0] ? " " : "", us->last_name)
                                     : us->email;
                for (size_t t = 0; t < nt; t++)
                    if (strcmp(teams[t].uuid, us->primary_team_uuid) == 0)
                        row->team_name = teams[t].name;
            }
            if (!row->user_name)
                row->user_name = "";
        }
        sc_row_t *row = &rows[nr - 1];
        row->n++;
        row->metrics += g[i].n;
        row->total += g[i].total;
        row->wtotal += g[i].wtotal;
        row->wsum += g[i].wsum;
        row->lo = g[i].lo < row->lo ? g[i].lo : row->lo;
        row->hi = g[i].hi > row->hi ? g[i].hi : row->hi;
    }
    qsort(rows, nr, sizeof *rows, sc_row_cmp);
    jsonw_arr_begin(w);
    for (size_t k = 0; k < nr; k++) {
        const sc_row_t *row = &rows[k];
        double overall = row->wsum > 0 ? row->wtotal / row->wsum : row->total / (double)row->metrics;
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "userName", row->user_name);
        jsonw_kv_string(w, "teamName", row->team_name);
        jsonw_kv_number(w, "overallScoreTotals", scorecard_round2(overall));
        jsonw_kv_int(w, "metricsCount", row->metrics);
        jsonw_kv_number(w, "min", row->lo);
        jsonw_kv_number(w, "max", row->hi);
        jsonw_key(w, "itemAverageTotals");
        for (size_t i = 0; i < row->n; i++) {
            const store_summary_group_t *gi = &g[row->first + i];
            avgs[i].item = NULL;
            for (size_t t = 0; t < ni; t++)
                if (strcmp(items[t].uuid, gi->item_uuid) == 0)
                    avgs[i].item = &items[t];
            avgs[i].average = scorecard_round2(gi->total / (double)gi->n);
        }
        qsort(avgs, row->n, sizeof *avgs, sc_avg_cmp);
        jsonw_arr_begin(w);
        for (size_t i = 0; i < row->n; i++) {
            jsonw_obj_begin(w);
            jsonw_kv_string(w, "title", avgs[i].item ? avgs[i].item->title : "");
            jsonw_kv_number(w, "average", avgs[i].average);
            jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
}

/* POST /v2/scorecards/summary: body per scorecard_summary_parse (400); 404
 * for an unknown scorecard. Answers {data:[{userName, teamName,
 * overallScoreTotals, metricsCount, min, max, itemAverageTotals:[{title,
 * average}]}]}, one row per user (the owner of the scored conversations),
 * by userName, computed by the store's GROUP BY. A deleted user's results
 * still count, under the name kept for display (beyond.md §4, as a
 * conversation keeps its owner). Any key. */
void api_scorecards_summary(req_t *r)
{
    json_t *root = sc_body(r);
    if (!root)
        return;
    scorecard_summary_req_t f;
    char err[512];
    if (scorecard_summary_parse(&r->arena, root, &f, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    json_decref(root); /* f lives in the arena */
    scorecard_item_t *items;
    size_t ni;
    if (sc_items_load(r, f.scorecard_uuid, true, &items, &ni) != 0)
        return;
    buf_t groups, users, teams; /* owned here */
    buf_init(&groups);
    buf_init(&users);
    buf_init(&teams);
    store_rc_t rc = store_scorecard_summary(r->store, r->scope.org_uuid, &f, sc_group_cb, &groups);
    if (rc == STORE_OK)
        rc = store_user_list_with_deleted(r->store, r->scope.org_uuid, sc_user_cb, &users); /* named as kept */
    if (rc == STORE_OK)
        rc = store_team_list(r->store, r->scope.org_uuid, sc_team_cb, &teams);
    if (rc != STORE_OK || groups.oom || users.oom || teams.oom) {
        problem_internal(r);
    } else {
        jsonw_t w;
        req_json_begin(r, 200, &w);
        jsonw_obj_begin(&w);
        jsonw_key(&w, "data");
        sc_summary_write(r, &w, (const store_summary_group_t *)groups.data, groups.len / sizeof(store_summary_group_t),
                         (const store_user_t *)users.data, users.len / sizeof(store_user_t),
                         (const store_team_t *)teams.data, teams.len / sizeof(store_team_t), items, ni);
        jsonw_obj_end(&w);
        if (w.err)
            problem_internal(r);
    }
    buf_free(&groups);
    buf_free(&users);
    buf_free(&teams);
}
