/* seed_insights.c - what `parley seed` adds for beyond.md §3 and §6: two scorecards with items, their results on about half the conversations, and some Ask Attention history. */
#include "model/seed_insights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/jsonw.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "model/ask.h"
#include "model/scorecard.h"
#include "store/insights.h"

#define SI_CARDS 2
#define SI_ITEMS 4
#define SI_NOTES 8   /* seeded conversations the history questions are about */
#define SI_DAY_MS 86400000LL

/* The two seeded scorecards. */
static const struct {
    const char *title;
    int n;
    const char *items[SI_ITEMS];
    double weights[SI_ITEMS];
} si_cards[SI_CARDS] = {
    {"Sales Discovery Scorecard", 4,
     {"Identified pain points", "Asked about budget", "Confirmed decision makers", "Agreed next steps"},
     {30, 20, 25, 25}},
    {"Demo Excellence", 3, {"Tailored demo to use case", "Handled objections", "Clear call to action", NULL},
     {40, 30, 30, 0}},
};

static const char *const si_prompts[] = {
    "What did the customer say about pricing?",
    "Which competitors came up and how did we position against them?",
    "What are the next steps we agreed on?",
    "Who is involved in the decision and what is the timeline?",
    "What concerns did they raise about security?",
    "How did they react to the pilot proposal?",
};

/* A conversation the history may cite. */
typedef struct si_note {
    uuid_str_t uuid;
    char title[128];
    char line[160];            /* one sentence of its transcript */
} si_note_t;

struct seed_insights {
    store_t *st;
    uuid_str_t org;
    uint64_t base;
    int64_t now;
    uuid_str_t cards[SI_CARDS];
    scorecard_item_t items[SI_CARDS][SI_ITEMS]; /* titles static; uuids, weights, range 0-100 */
    buf_t out;                 /* the last scorecardResults fragment; owned */
    buf_t entry;               /* one entry while rendering; owned */
    /* the results of the last row, for seed_insights_store */
    int npending;
    struct {
        uuid_str_t uuid;
        int card;
        int64_t created_at;
        const char *summary;   /* static */
        scorecard_result_item_t items[SI_ITEMS];
        double weights[SI_ITEMS];
        uuid_str_t item_ids[SI_ITEMS];
    } pending[SI_CARDS];
    si_note_t notes[SI_NOTES];
    int nnotes;
};

/* splitmix64, as the rest of the seed generator uses. */
static uint64_t si_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t si_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    return si_mix(*s);
}

static uint32_t si_below(uint64_t *s, uint32_t n)
{
    return n ? (uint32_t)(si_next(s) % n) : 0;
}

/* A UUIDv7 at ms with random bits from s. */
static void si_uuid(uint64_t *s, int64_t ms, uuid_str_t out)
{
    uint8_t rnd[16];
    uint64_t a = si_next(s), b = si_next(s);
    memcpy(rnd, &a, 8);
    memcpy(rnd + 8, &b, 8);
    uuid_v7_from(out, ms, rnd);
}

seed_insights_t *seed_insights_open(store_t *st, const char *org_uuid, uint64_t seed, int64_t now, char *err,
                                    size_t errlen)
{
    seed_insights_t *si = calloc(1, sizeof *si); /* owned by the caller (seed_insights_free) */
    if (!si) {
        str_fail(err, errlen, "out of memory");
        return NULL;
    }
    si->st = st;
    snprintf(si->org, sizeof si->org, "%s", org_uuid);
    si->base = si_mix(seed ^ 0x73636f7265ULL); /* "score" */
    si->now = now;
    buf_init(&si->out);
    buf_init(&si->entry);
    uint64_t s = si->base;
    int64_t ms0 = (now - 400 * 86400LL) * 1000;
    for (int k = 0; k < SI_CARDS; k++) {
        scorecard_t sc;
        memset(&sc, 0, sizeof sc);
        scorecard_defaults(&sc);
        si_uuid(&s, ms0 + k, sc.uuid);
        snprintf(sc.org_uuid, sizeof sc.org_uuid, "%s", org_uuid);
        sc.title = si_cards[k].title;
        sc.all_teams = true;
        sc.scorecard_prompt = "Score the call against the sales playbook.";
        sc.created_at = sc.updated_at = ms0 + k;
        store_rc_t rc = store_scorecard_create(st, &sc, si->cards[k]);
        if (rc == STORE_CONFLICT)
            memcpy(si->cards[k], sc.uuid, sizeof si->cards[k]); /* this seed ran before: keep them */
        else if (rc != STORE_OK)
            goto fail;
        for (int i = 0; i < si_cards[k].n; i++) {
            scorecard_item_t *it = &si->items[k][i];
            scorecard_item_defaults(it);
            si_uuid(&s, ms0 + 10 + i, it->uuid);
            snprintf(it->org_uuid, sizeof it->org_uuid, "%s", org_uuid);
            memcpy(it->scorecard_uuid, si->cards[k], sizeof it->scorecard_uuid);
            it->title = si_cards[k].items[i];
            it->position = i;
            it->weight = si_cards[k].weights[i];
            it->created_at = it->updated_at = ms0 + 10 + i;
            uuid_str_t id;
            rc = store_scorecard_item_create(st, it, id);
            if (rc != STORE_OK && rc != STORE_CONFLICT)
                goto fail;
        }
    }
    return si;
fail:
    str_fail(err, errlen, "creating the seeded scorecards failed");
    seed_insights_free(si);
    return NULL;
}

void seed_insights_free(seed_insights_t *si)
{
    if (!si)
        return;
    buf_free(&si->out);
    buf_free(&si->entry);
    free(si);
}

/* ask_segment_cb: copies the first non-empty sentence into the note (ctx); stops there. */
static int si_first_line(void *ctx, const ask_segment_t *seg)
{
    si_note_t *n = ctx;
    size_t len = strcspn(seg->text, "\n");
    if (len == 0)
        return 0;
    if (len >= sizeof n->line)
        len = 0; /* too long to cut without splitting a character: leave it out */
    memcpy(n->line, seg->text, len);
    n->line[len] = '\0';
    return 1;
}

/* Remembers c (when it has a transcript) as a conversation the history may cite. */
static void si_note(seed_insights_t *si, const conv_t *c)
{
    if (!c->transcript_v1_json || !c->transcript_v1_json[0])
        return;
    si_note_t tmp = {.line = ""};
    ask_segments_each(c->transcript_v1_json, si_first_line, &tmp); /* -1: stopped at the line, or none */
    if (!tmp.line[0])
        return;
    si_note_t *n = &si->notes[si->nnotes < SI_NOTES ? si->nnotes++ : (int)(si_mix((uint64_t)si->nnotes++) % SI_NOTES)];
    *n = tmp;
    memcpy(n->uuid, c->uuid, sizeof n->uuid);
    snprintf(n->title, sizeof n->title, "%s", c->title ? c->title : "");
}

const char *seed_insights_results(seed_insights_t *si, long row, const conv_t *c)
{
    uint64_t s = si_mix(si->base ^ (0x2545f4914f6cdd1dULL * (uint64_t)(row + 1)));
    si->npending = 0;
    si_note(si, c);
    bool scored = si_below(&s, 1000) < 540;
    if (!scored)
        return "[]";
    int first = (int)si_below(&s, SI_CARDS), n = si_below(&s, 10) == 0 ? 2 : 1;
    buf_reset(&si->out);
    buf_putc(&si->out, '[');
    for (int k = 0; k < n; k++) {
        int card = (first + k) % SI_CARDS;
        __typeof__(si->pending[0]) *p = &si->pending[si->npending++];
        p->card = card;
        p->created_at = c->finished_at + (int64_t)(60 + si_below(&s, 3600)) * 1000 + si_below(&s, 1000);
        si_uuid(&s, p->created_at, p->uuid);
        int skill = 35 + (int)si_below(&s, 61), sum = 0;
        scorecard_result_req_t rq = {.scorecard_uuid = si->cards[card], .conversation_uuid = c->uuid,
                                     .items = p->items, .n_items = (size_t)si_cards[card].n};
        for (int i = 0; i < si_cards[card].n; i++) {
            int score = skill + (int)si_below(&s, 51) - 25;
            score = score < 0 ? 0 : score > 100 ? 100 : score;
            score -= score % 5;
            sum += score;
            memcpy(p->item_ids[i], si->items[card][i].uuid, sizeof p->item_ids[i]);
            p->items[i] = (scorecard_result_item_t){p->item_ids[i],
                                                    score >= 70   ? "Covered clearly in the call."
                                                    : score >= 40 ? "Partly covered."
                                                                  : "Not covered.",
                                                    true, (double)score};
            p->weights[i] = si->items[card][i].weight;
        }
        int avg = sum / si_cards[card].n;
        p->summary = rq.summary = avg >= 80   ? "Strong call: clear next steps and good discovery."
                                  : avg >= 60 ? "Solid call with room to improve qualification."
                                              : "Needs coaching on discovery and objection handling.";
        buf_reset(&si->entry);
        scorecard_result_render(&si->entry, p->uuid, si_cards[card].title, &rq, si->items[card],
                                (size_t)si_cards[card].n);
        if (k)
            buf_putc(&si->out, ',');
        buf_append(&si->out, si->entry.data, si->entry.len);
    }
    buf_putc(&si->out, ']');
    return si->out.oom || si->entry.oom ? NULL : si->out.data;
}

int seed_insights_store(seed_insights_t *si, const conv_t *c, char *err, size_t errlen)
{
    store_scope_t sc = {.org_uuid = si->org, .user_uuid = NULL};
    for (int k = 0; k < si->npending; k++) {
        const __typeof__(si->pending[0]) *p = &si->pending[k];
        store_scorecard_result_t r = {.org_uuid = si->org, .scorecard_uuid = si->cards[p->card],
                                      .conversation_uuid = c->uuid, .summary = p->summary,
                                      .created_at = p->created_at, .items = p->items, .weights = p->weights,
                                      .n_items = (size_t)si_cards[p->card].n, .entry_json = NULL};
        memcpy(r.uuid, p->uuid, sizeof r.uuid);
        store_rc_t rc = store_scorecard_result_create(si->st, &r, &sc);
        if (rc != STORE_OK)
            return str_fail(err, errlen, "storing the scorecard result of conversation %s failed: %s", c->uuid,
                            store_rc_str(rc));
    }
    si->npending = 0;
    return 0;
}

int seed_insights_history(seed_insights_t *si, const store_user_t *users, size_t n, char *err, size_t errlen)
{
    if (si->nnotes == 0)
        return 0;
    uint64_t s = si_mix(si->base ^ 0x686973746f7279ULL); /* "history" */
    buf_t items, convs; /* owned here */
    buf_init(&items);
    buf_init(&convs);
    int rc = 0;
    for (size_t u = 0; u < n && u < 3 && rc == 0; u++) {
        int entries = 1 + (int)si_below(&s, 3);
        for (int e = 0; e < entries && rc == 0; e++) {
            const char *prompt = si_prompts[si_below(&s, sizeof si_prompts / sizeof si_prompts[0])];
            const si_note_t *a = &si->notes[si_below(&s, (uint32_t)(si->nnotes < SI_NOTES ? si->nnotes : SI_NOTES))];
            store_gi_entry_t g = {.title = prompt, .prompt = prompt, .synthesis = a->line,
                                  .created_at = (si->now - (int64_t)si_below(&s, 60) * 86400 -
                                                 (int64_t)si_below(&s, 86400)) * 1000};
            si_uuid(&s, g.created_at, g.uuid);
            si_uuid(&s, g.created_at, g.result_uuid);
            memcpy(g.org_uuid, si->org, sizeof g.org_uuid);
            memcpy(g.user_uuid, users[u].uuid, sizeof g.user_uuid);
            buf_reset(&items);
            buf_reset(&convs);
            jsonw_t w, wc;
            jsonw_init(&w, &items);
            jsonw_init(&wc, &convs);
            jsonw_arr_begin(&w);
            jsonw_obj_begin(&w);
            jsonw_kv_string(&w, "conversation_id", a->uuid);
            jsonw_kv_string(&w, "title", a->title);
            jsonw_kv_string(&w, "output", a->line);
            jsonw_kv_string(&w, "error", "");
            jsonw_obj_end(&w);
            jsonw_arr_end(&w);
            jsonw_arr_begin(&wc);
            jsonw_string(&wc, a->uuid);
            jsonw_arr_end(&wc);
            g.items_json = items.data;
            g.conversations_json = convs.data;
            if (items.oom || convs.oom) {
                rc = str_fail(err, errlen, "out of memory");
            } else {
                store_rc_t src = store_gi_add(si->st, &g);
                if (src != STORE_OK)
                    rc = str_fail(err, errlen, "adding history for user %s failed: %s", users[u].uuid,
                                  store_rc_str(src));
            }
        }
    }
    buf_free(&items);
    buf_free(&convs);
    return rc;
}
