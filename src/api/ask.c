/* ask.c - POST /ask_attention/v2: the extractive answer of each conversation to a prompt, from the transcript-segment index (beyond.md §2), recorded in the asking user's history (§6). */
#include "api/api.h"

#include <stdint.h>
#include <string.h>

#include "http/problem.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "model/ask.h"
#include "store/insights.h"

#define ASK_HISTORY_TITLE_MAX 100 /* characters of the prompt a history entry's title keeps */

/* One conversation of the answer. */
typedef struct ask_item {
    const char *id;            /* arena: as asked, or the found uuid */
    const char *title;         /* arena; "" when not found */
    bool found;
    int64_t segments, length;
    ask_stats_t stats;         /* after its ranking: df of its segments */
    ask_hit_t picks[ASK_ANSWER_SEGMENTS]; /* texts in the request's arena */
    size_t npicks;
} ask_item_t;

/* The state of one request's search. */
typedef struct ask_run {
    req_t *r;
    const ask_request_t *rq;
    ask_item_t *items;         /* arena; cap entries */
    size_t n, cap;
    int cur;                   /* the item whose hits are being collected; -1 none */
    buf_t hits;                /* its ask_hit_t records; owned, freed by ask_run_free */
    arena_t scratch;           /* their texts; owned, freed per item and by ask_run_free */
    bool oom;
} ask_run_t;

static void ask_run_free(ask_run_t *x)
{
    buf_free(&x->hits);
    arena_free(&x->scratch);
}

/* store_ask_conv_cb: one item per conversation, in order. */
static int ask_conv_cb(void *ctx, const store_ask_conv_t *c)
{
    ask_run_t *x = ctx;
    if (x->n >= x->cap || c->index != (int)x->n)
        return 1;
    ask_item_t *it = &x->items[x->n];
    memset(it, 0, sizeof *it);
    it->found = c->found;
    it->id = arena_strdup(&x->r->arena, c->found ? c->uuid : c->id);
    it->title = arena_strdup(&x->r->arena, c->found && c->title ? c->title : "");
    it->segments = c->found ? c->segments : 0;
    it->length = c->found ? c->length : 0;
    it->stats.have_df = true; /* no hits (yet): no term in any segment */
    if (!it->id || !it->title)
        return 1;
    x->n++;
    return 0;
}

/* Ranks the hits collected for the current item and keeps its best ones. */
static int ask_finish(ask_run_t *x)
{
    if (x->cur < 0)
        return 0;
    ask_item_t *it = &x->items[x->cur];
    ask_hit_t *hits = (ask_hit_t *)x->hits.data;
    size_t n = x->hits.len / sizeof *hits;
    it->stats = (ask_stats_t){.segments = it->segments, .length = it->length};
    it->npicks = ask_rank(x->rq, hits, n, &it->stats, ASK_ANSWER_SEGMENTS);
    for (size_t i = 0; i < it->npicks; i++) {
        it->picks[i] = hits[i];
        if (!(it->picks[i].text = arena_strdup(&x->r->arena, hits[i].text)))
            return 1;
    }
    buf_reset(&x->hits);
    arena_free(&x->scratch);
    arena_init(&x->scratch);
    x->cur = -1;
    return 0;
}

/* store_ask_segment_cb: collects the hits of one item at a time. */
static int ask_hit_cb(void *ctx, const store_ask_segment_t *s)
{
    ask_run_t *x = ctx;
    if (s->index < 0 || (size_t)s->index >= x->n)
        return 1;
    if (s->index != x->cur) {
        if (ask_finish(x) != 0)
            return 1;
        x->cur = s->index;
    }
    ask_hit_t h = {.conv = s->index, .seq = s->seq, .start_sec = s->start_sec, .end_sec = s->end_sec,
                   .text = arena_strdup(&x->scratch, s->text)};
    if (!h.text)
        return 1;
    return buf_append(&x->hits, &h, sizeof h);
}

/* The summary's picks: the items' own best segments re-ranked with the
 * statistics of all of them. Returns the count (<= ASK_ANSWER_SEGMENTS) in out. */
static size_t ask_summary(const ask_run_t *x, ask_hit_t out[ASK_ANSWER_SEGMENTS])
{
    ask_hit_t all[ASK_CONVERSATIONS_MAX * ASK_ANSWER_SEGMENTS];
    size_t n = 0;
    ask_stats_t st = {.have_df = true};
    for (size_t i = 0; i < x->n; i++) {
        const ask_item_t *it = &x->items[i];
        st.segments += it->segments;
        st.length += it->length;
        for (size_t t = 0; t < x->rq->n_terms; t++)
            st.df[t] += it->stats.df[t];
        for (size_t k = 0; k < it->npicks; k++)
            all[n++] = it->picks[k];
    }
    size_t picked = ask_rank(x->rq, all, n, &st, ASK_ANSWER_SEGMENTS);
    memcpy(out, all, picked * sizeof *out);
    return picked;
}

/* The error of an item ("" when it has an answer). */
static const char *ask_error(const ask_item_t *it)
{
    if (!it->found)
        return "not found";
    if (it->segments == 0)
        return "conversation transcript is empty";
    if (it->npicks == 0)
        return "no transcript segment matches the prompt";
    return "";
}

/* Appends the picks' sentences joined by one space to b. */
static void ask_output(buf_t *b, const ask_hit_t *picks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ' ');
        buf_puts(b, picks[i].text);
    }
}

/* Writes one answer item {conversation_id, title, output, error, segments}. */
static void ask_write_item(jsonw_t *w, buf_t *scratch, const char *id, const char *title, const char *error,
                           const ask_hit_t *picks, size_t n, bool timestamps)
{
    buf_reset(scratch);
    ask_output(scratch, picks, n);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "conversation_id", id);
    jsonw_kv_string(w, "title", title);
    jsonw_key(w, "output");
    jsonw_stringn(w, scratch->data ? scratch->data : "", scratch->len);
    jsonw_kv_string(w, "error", error);
    jsonw_key(w, "segments");
    jsonw_arr_begin(w);
    for (size_t i = 0; timestamps && i < n; i++) {
        jsonw_obj_begin(w);
        jsonw_kv_number(w, "start_sec", picks[i].start_sec);
        jsonw_kv_number(w, "end_sec", picks[i].end_sec);
        jsonw_kv_string(w, "text", picks[i].text);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_obj_end(w);
}

/* Records the question of a user-level key in its user's history: one entry
 * whose one result holds the synthesis (the summary's answer) and the items.
 * Returns 0, or -1 after replying 500. */
static int ask_record(req_t *r, const ask_run_t *x, const ask_hit_t *sum, size_t nsum)
{
    buf_t items, convs, synthesis; /* owned here */
    buf_init(&items);
    buf_init(&convs);
    buf_init(&synthesis);
    jsonw_t w, wc;
    jsonw_init(&w, &items);
    jsonw_init(&wc, &convs);
    jsonw_arr_begin(&w);
    jsonw_arr_begin(&wc);
    buf_t out;
    buf_init(&out);
    for (size_t i = 0; i < x->n; i++) {
        const ask_item_t *it = &x->items[i];
        buf_reset(&out);
        ask_output(&out, it->picks, it->npicks);
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "conversation_id", it->id);
        jsonw_kv_string(&w, "title", it->title);
        jsonw_key(&w, "output");
        jsonw_stringn(&w, out.data ? out.data : "", out.len);
        jsonw_kv_string(&w, "error", ask_error(it));
        jsonw_obj_end(&w);
        if (!ask_error(it)[0])
            jsonw_string(&wc, it->id);
    }
    jsonw_arr_end(&w);
    jsonw_arr_end(&wc);
    ask_output(&synthesis, sum, nsum);
    /* the title: the prompt's first characters, cut on a character boundary */
    const char *p = x->rq->prompt;
    size_t cut = 0, chars = 0;
    while (p[cut] && chars < ASK_HISTORY_TITLE_MAX) {
        cut++;
        while (((unsigned char)p[cut] & 0xC0) == 0x80)
            cut++;
        chars++;
    }
    const char *title = arena_strndup(&r->arena, p, cut);
    store_gi_entry_t e = {.title = title, .prompt = p, .synthesis = synthesis.data ? synthesis.data : "",
                          .items_json = items.data, .conversations_json = convs.data,
                          .created_at = ptime_now_ms()};
    uuid_v7(e.uuid);
    uuid_v7(e.result_uuid);
    snprintf(e.org_uuid, sizeof e.org_uuid, "%s", r->scope.org_uuid);
    snprintf(e.user_uuid, sizeof e.user_uuid, "%s", r->scope.user_uuid);
    int rc = 0;
    if (!title || items.oom || convs.oom || synthesis.oom || out.oom || w.err || wc.err ||
        store_gi_add(r->store, &e) != STORE_OK) {
        problem_internal(r);
        rc = -1;
    }
    buf_free(&items);
    buf_free(&convs);
    buf_free(&synthesis);
    buf_free(&out);
    return rc;
}

/* A boolean query parameter (default false). Returns 0, or -1 after a 400. */
static int ask_flag(req_t *r, const char *key, bool *out)
{
    *out = false;
    if (query_get_bool(&r->query, key, out) < 0) {
        char shown[STR_SHOWN_MAX + 4];
        problem_send(r, 400, "invalid_parameter", "%s must be a boolean (true, false, 1 or 0), got \"%s\"", key,
                     str_shown(query_get(&r->query, key), shown, sizeof shown));
        return -1;
    }
    return 0;
}

/* POST /v2/ask_attention/v2: body per ask_body_parse (400), query
 * include_timestamps and summarize (booleans, 400). Answers 200 with a bare
 * array, one item per conversation (per-conversation failures in `error`),
 * plus the summary item when summarize. A user-level key's question is
 * recorded in its user's history. */
void api_ask_attention(req_t *r)
{
    bool timestamps, summarize;
    if (ask_flag(r, "include_timestamps", &timestamps) != 0 || ask_flag(r, "summarize", &summarize) != 0)
        return;
    ask_request_t *rq = arena_alloc(&r->arena, sizeof *rq);
    if (!rq) {
        problem_internal(r);
        return;
    }
    json_t *root = req_json_body(r, true); /* owner: this function, until parsed */
    if (!root)
        return;
    char err[512];
    int bad = ask_body_parse(&r->arena, root, rq, err, sizeof err);
    json_decref(root); /* rq holds copies */
    if (bad) {
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    ask_run_t x = {.r = r, .rq = rq, .cur = -1};
    buf_init(&x.hits);
    arena_init(&x.scratch);
    x.cap = rq->deal_id ? ASK_CONVERSATIONS_MAX : rq->n_conversations;
    x.items = arena_alloc(&r->arena, x.cap * sizeof *x.items);
    store_ask_query_t q = {rq->conversation_ids, rq->n_conversations, rq->deal_id, ASK_CONVERSATIONS_MAX,
                           rq->terms, rq->n_terms};
    store_rc_t rc = x.items ? store_ask_search(r->store, &r->scope, &q, ask_conv_cb, ask_hit_cb, &x)
                            : STORE_ERROR;
    if (rc != STORE_OK || ask_finish(&x) != 0) {
        ask_run_free(&x);
        problem_internal(r);
        return;
    }
    ask_hit_t sum[ASK_ANSWER_SEGMENTS];
    size_t nsum = ask_summary(&x, sum);
    if (r->scope.user_uuid && ask_record(r, &x, sum, nsum) != 0) {
        ask_run_free(&x);
        return;
    }

    buf_t scratch; /* owned here: one output at a time */
    buf_init(&scratch);
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < x.n; i++) {
        const ask_item_t *it = &x.items[i];
        ask_write_item(&w, &scratch, it->id, it->title, ask_error(it), it->picks, it->npicks, timestamps);
    }
    if (summarize)
        ask_write_item(&w, &scratch, "summary", "", nsum ? "" : "no transcript segment matches the prompt", sum, nsum,
                       timestamps);
    jsonw_arr_end(&w);
    if (scratch.oom)
        problem_internal(r);
    buf_free(&scratch);
    ask_run_free(&x);
}
