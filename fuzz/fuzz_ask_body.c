/* fuzz_ask_body.c - libFuzzer target: the Ask Attention body, its words and ranking, and the scorecard bodies (beyond.md §2, §3). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "lib/uuid.h"
#include "model/ask.h"
#include "model/scorecard.h"

/* Every word of s[0..n) (any bytes): non-empty, at most ASK_TERM_MAX bytes,
 * valid UTF-8, no ASCII upper case or ASCII non-alphanumeric; the scan ends. */
static void fuzz_check_words(const char *s, size_t n)
{
    char w[ASK_TERM_MAX + 1];
    size_t pos = 0, len, last = 0;
    while ((len = ask_next_word(s, n, &pos, w)) > 0) {
        FUZZ_CHECK(len <= ASK_TERM_MAX && strlen(w) == len, "a word fits and has no NUL");
        FUZZ_CHECK(pos > last && pos <= n, "the scan moves forward");
        last = pos;
        fuzz_assert_text(w, "word");
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)w[i];
            FUZZ_CHECK(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'), "word characters");
        }
    }
    FUZZ_CHECK(pos == n, "the scan reaches the end");
}

/* The ranking over pseudo-segments cut from the prompt: at most k picks, all
 * with a positive score and a term, in answer order. */
static void fuzz_check_rank(arena_t *a, const ask_request_t *rq)
{
    size_t n = 0, len = strlen(rq->prompt);
    ask_hit_t hits[16];
    for (size_t off = 0; off < len && n < 16; off += 1 + len / 8, n++) {
        hits[n] = (ask_hit_t){.seq = (int)n, .start_sec = (double)(16 - n), .end_sec = (double)(17 - n),
                              .text = arena_strdup(a, rq->prompt + off)};
        FUZZ_CHECK(hits[n].text != NULL, "arena");
    }
    ask_stats_t st = {.segments = (int64_t)n, .length = (int64_t)len};
    size_t k = ask_rank(rq, hits, n, &st, ASK_ANSWER_SEGMENTS);
    FUZZ_CHECK(k <= ASK_ANSWER_SEGMENTS && k <= n, "at most five picks");
    for (size_t i = 0; i < k; i++) {
        FUZZ_CHECK(hits[i].score > 0 && hits[i].terms != 0, "a pick matches the prompt");
        if (i)
            FUZZ_CHECK(hits[i - 1].start_sec <= hits[i].start_sec, "picks in time order");
    }
}

/* The first byte picks the decoder, the rest is the request body (decoded like the server does). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    int mode = data[0] % 8;
    if (mode == 7) { /* raw bytes through the tokenizer */
        fuzz_check_words((const char *)data + 1, n - 1);
        return 0;
    }
    req_t r;
    fuzz_req_init(&r, data + 1, n - 1);
    json_t *body = fuzz_json_body(&r);
    if (!body) {
        fuzz_req_free(&r);
        return 0;
    }
    char err[512];
    err[0] = '\0';
    int rc;
    unsigned set = 0;
    buf_t out;
    buf_init(&out);
    jsonw_t w;
    jsonw_init(&w, &out);
    switch (mode) {
    case 0: {
        ask_request_t *rq = arena_alloc(&r.arena, sizeof *rq);
        FUZZ_CHECK(rq != NULL, "arena");
        rc = ask_body_parse(&r.arena, body, rq, err, sizeof err);
        if (rc == 0) {
            FUZZ_CHECK((rq->deal_id != NULL) != (rq->n_conversations > 0), "exactly one of deal and ids");
            FUZZ_CHECK(rq->n_terms > 0 && rq->n_terms <= ASK_TERMS_MAX, "some words, not too many");
            FUZZ_CHECK(rq->n_conversations <= ASK_CONVERSATIONS_MAX, "at most 100 conversations");
            fuzz_check_words(rq->prompt, strlen(rq->prompt));
            fuzz_check_rank(&r.arena, rq);
        }
        break;
    }
    case 1:
    case 2: {
        scorecard_t s;
        memset(&s, 0, sizeof s);
        scorecard_defaults(&s);
        s.title = "t";
        rc = scorecard_body_parse(&r.arena, body, mode == 1, &s, &set, err, sizeof err);
        if (rc == 0) {
            FUZZ_CHECK(mode == 1 || set != 0, "a PATCH sets something");
            FUZZ_CHECK(s.all_teams != (s.team_uuid[0] != '\0') || (mode == 2 && !(set & SC_F_TEAM)),
                       "teamUUID xor allTeams");
            scorecard_render(&w, &s);
            fuzz_assert_json(out.data, out.len, "scorecard");
        }
        break;
    }
    case 3:
    case 4: {
        scorecard_item_t it;
        memset(&it, 0, sizeof it);
        scorecard_item_defaults(&it);
        it.title = "t";
        rc = scorecard_item_body_parse(body, mode == 3, &it, &set, err, sizeof err);
        if (rc == 0) {
            FUZZ_CHECK(it.num_min < it.num_max && it.num_min <= it.num_middle && it.num_middle <= it.num_max,
                       "a range that holds its middle");
            FUZZ_CHECK(it.weight >= 0 && it.weight <= 100, "weight 0-100");
            scorecard_item_render(&w, &it);
            fuzz_assert_json(out.data, out.len, "scorecard item");
        }
        break;
    }
    case 5: {
        scorecard_result_req_t rq;
        rc = scorecard_result_parse(&r.arena, body, &rq, err, sizeof err);
        if (rc == 0) {
            FUZZ_CHECK((rq.conversation_uuid != NULL) != (rq.chat_uuid != NULL), "conversation xor chat");
            FUZZ_CHECK(rq.n_items >= 1 && rq.n_items <= SCORECARD_RESULT_ITEMS_MAX, "1-200 items");
            scorecard_result_render(&out, "r", "t", &rq, NULL, 0);
            fuzz_assert_json(out.data, out.len, "scorecardResults entry");
            buf_t merged;
            buf_init(&merged);
            FUZZ_CHECK(scorecard_results_append("[{\"a\":1}]", out.data, &merged) == 0, "append");
            fuzz_assert_json(merged.data, merged.len, "appended scorecardResults");
            buf_free(&merged);
        }
        break;
    }
    default: {
        scorecard_summary_req_t f;
        rc = scorecard_summary_parse(&r.arena, body, &f, err, sizeof err);
        if (rc == 0)
            FUZZ_CHECK(f.scorecard_uuid && f.from_ms <= f.to_ms, "a scorecard and an ordered range");
        break;
    }
    }
    if (rc != 0)
        fuzz_assert_err(&r, err);
    buf_free(&out);
    json_decref(body);
    fuzz_req_free(&r);
    return 0;
}
