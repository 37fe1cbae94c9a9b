/* ask.c - Ask Attention's extractive answerer (beyond.md §2): the word tokenizer both backends index with, the segments of a stored transcript, the request body, and the BM25 ranking. */
#include "model/ask.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jfield.h"
#include "lib/json_arena.h"
#include "lib/strutil.h"
#include "lib/uuid.h"

/* ---- words ------------------------------------------------------------------ */

/* Decodes the UTF-8 sequence at s[0..n) into *cp and returns its length, or 0
 * when it is not well-formed (overlong, surrogate, above U+10FFFF, cut). */
static size_t ask_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* True when code point cp (>= 0x80) belongs to a word (see ask_next_word). */
static inline bool ask_word_cp(uint32_t cp)
{
    if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || cp == 0xFEFF)
        return false;
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x1F000 && cp <= 0x1FAFF))
        return false;
    return true;
}

/* ASCII bytes: 0 separator, else the byte as a word keeps it (letters lowercased). */
static const unsigned char ask_ascii[128] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7',
    ['8'] = '8', ['9'] = '9',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h',
    ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p',
    ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
    ['y'] = 'y', ['z'] = 'z',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h',
    ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p',
    ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
    ['Y'] = 'y', ['Z'] = 'z',
};

/* The length of the character at p[0..n) when it belongs to a word, else 0;
 * *sep gets the bytes to skip when it does not (1 for a byte that is not
 * well-formed UTF-8). */
static inline size_t ask_word_at(const unsigned char *p, size_t n, size_t *sep)
{
    if (p[0] < 0x80) {
        *sep = 1;
        return ask_ascii[p[0]] ? 1 : 0;
    }
    uint32_t cp = 0;
    size_t len = ask_utf8(p, n, &cp);
    *sep = len ? len : 1;
    return len && ask_word_cp(cp) ? len : 0;
}

size_t ask_next_word(const char *s, size_t n, size_t *pos, char out[ASK_TERM_MAX + 1])
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = *pos, len, sep;
    while (i < n) {
        if (!(len = ask_word_at(p + i, n - i, &sep))) {
            i += sep;
            continue;
        }
        /* a word: copy it (ASCII letters lowercased) while it fits */
        size_t w = 0;
        bool too_long = false;
        do {
            if (w + len > ASK_TERM_MAX)
                too_long = true;
            else if (len == 1)
                out[w++] = (char)ask_ascii[p[i]];
            else
                for (size_t k = 0; k < len; k++)
                    out[w++] = (char)p[i + k];
            i += len;
        } while (i < n && (len = ask_word_at(p + i, n - i, &sep)));
        if (too_long)
            continue;
        out[w] = '\0';
        *pos = i;
        return w;
    }
    *pos = n;
    out[0] = '\0';
    return 0;
}

int64_t ask_length(const char *s)
{
    if (!s || !*s)
        return 0;
    int64_t n = 1;
    for (; *s; s++)
        n += *s == ' ';
    return n;
}

/* FNV-1a of w[0..n). */
static uint32_t ask_hash(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h;
}

int ask_tsvector(const char *text, buf_t *out)
{
    /* the distinct words so far: slots of (offset of the word in out + 1, its length) */
    enum { SLOTS = 8192 }; /* a power of two above twice ASK_TSVECTOR_WORDS_MAX */
    _Static_assert(SLOTS >= 2 * ASK_TSVECTOR_WORDS_MAX && (SLOTS & (SLOTS - 1)) == 0, "ask_tsvector's table");
    struct { size_t off, len; } *seen = calloc(SLOTS, sizeof *seen); /* owned here */
    if (!seen)
        return -1;
    char w[ASK_TERM_MAX + 1];
    size_t pos = 0, n = strlen(text), len, distinct = 0;
    while (distinct < ASK_TSVECTOR_WORDS_MAX && (len = ask_next_word(text, n, &pos, w)) > 0) {
        size_t k = ask_hash(w, len) & (SLOTS - 1);
        bool dup = false;
        for (; seen[k].off && !dup; k = (k + 1) & (SLOTS - 1))
            dup = seen[k].len == len && memcmp(out->data + seen[k].off - 1, w, len) == 0;
        if (dup)
            continue;
        if (distinct++)
            buf_putc(out, ' ');
        buf_putc(out, '\'');
        if (out->oom)
            break;
        seen[k].off = out->len + 1;
        seen[k].len = len;
        buf_append(out, w, len);
        buf_putc(out, '\'');
    }
    free(seen);
    return out->oom ? -1 : 0;
}

/* ---- segments of a stored transcript ---------------------------------------- */

int ask_segments_each(const char *v1_json, ask_segment_cb cb, void *ctx)
{
    if (!v1_json || !*v1_json)
        return 0;
    /* The nodes come from a local arena (jparse, no malloc per node): an
     * import of 20,000 segments parses its transcript again here. */
    arena_t a;
    arena_init(&a);
    json_t *root = json_arena_loadb(&a, v1_json, strlen(v1_json), 0, NULL); /* owned here, in a */
    json_t *final = root ? json_object_get(root, "final") : NULL;
    if (!json_is_array(final)) {
        json_decref(root);
        arena_free(&a);
        return -1;
    }
    int n = 0;
    size_t i;
    json_t *seg;
    json_array_foreach(final, i, seg) {
        const char *text = json_string_value(json_object_get(seg, "sentence"));
        ask_segment_t s = {(int)i, json_number_value(json_object_get(seg, "startTimestamp")),
                           json_number_value(json_object_get(seg, "endTimestamp")), text ? text : ""};
        if (cb(ctx, &s) != 0) {
            json_decref(root);
            arena_free(&a);
            return -1;
        }
        n++;
    }
    json_decref(root);
    arena_free(&a);
    return n;
}

/* ---- the request ------------------------------------------------------------ */

/* Number of UTF-8 characters of s (continuation bytes not counted). */
static size_t ask_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Reads conversations_ids into out (duplicates dropped). Returns 0 or -1. */
static int ask_ids(arena_t *a, const json_t *root, ask_request_t *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(root, "conversations_ids");
    char shown[STR_SHOWN_MAX + 4];
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return str_fail(err, errlen, "conversations_ids must be an array of strings");
    size_t n = json_array_size(v);
    if (n > ASK_CONVERSATIONS_MAX)
        return str_fail(err, errlen, "conversations_ids has %zu entries; the limit is %d", n, ASK_CONVERSATIONS_MAX);
    if (n == 0)
        return 0;
    out->conversation_ids = arena_alloc(a, n * sizeof *out->conversation_ids);
    if (!out->conversation_ids)
        return str_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_string(e))
            return str_fail(err, errlen, "conversations_ids[%zu] must be a string", i);
        const char *s = json_string_value(e);
        size_t len = json_string_length(e);
        if (len == 0 || len > ASK_ID_MAX || strlen(s) != len)
            return str_fail(err, errlen, "conversations_ids[%zu] must be 1-%d bytes without NUL, got \"%s\"", i,
                            ASK_ID_MAX, str_shown(s, shown, sizeof shown));
        uuid_str_t u;
        const char *id = arena_strdup(a, uuid_parse(s, u) ? u : s);
        if (!id)
            return str_fail(err, errlen, "out of memory");
        bool dup = false;
        for (size_t k = 0; k < out->n_conversations && !dup; k++)
            dup = strcmp(out->conversation_ids[k], id) == 0;
        if (!dup)
            out->conversation_ids[out->n_conversations++] = id;
    }
    return 0;
}

int ask_body_parse(arena_t *a, const json_t *root, ask_request_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(root))
        return str_fail(err, errlen, "the body must be a JSON object");
    if (ask_ids(a, root, out, err, errlen) != 0)
        return -1;
    const char *deal = NULL;
    if (jfield_string(root, "deal_id", "deal_id", ASK_ID_MAX, &deal, err, errlen) < 0)
        return -1;
    out->deal_id = deal && *deal ? arena_strdup(a, deal) : NULL;
    if (deal && *deal && !out->deal_id)
        return str_fail(err, errlen, "out of memory");
    if (out->deal_id && out->n_conversations)
        return str_fail(err, errlen, "you must provide either a deal ID or conversation IDs, not both");
    if (!out->deal_id && !out->n_conversations)
        return str_fail(err, errlen, "at least one of deal_id or conversations_ids is required");

    int rc = jfield_string(root, "prompt", "prompt", 4 * ASK_PROMPT_MAX, &out->prompt, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1 || !out->prompt[0])
        return str_fail(err, errlen, "prompt is required (a non-empty string)");
    size_t chars = ask_chars(out->prompt);
    if (chars > ASK_PROMPT_MAX)
        return str_fail(err, errlen, "prompt is %zu characters; the limit is %d", chars, ASK_PROMPT_MAX);
    if (!(out->prompt = arena_strdup(a, out->prompt)))
        return str_fail(err, errlen, "out of memory");
    size_t pos = 0, n = strlen(out->prompt);
    char w[ASK_TERM_MAX + 1];
    while (out->n_terms < ASK_TERMS_MAX && ask_next_word(out->prompt, n, &pos, w) > 0) {
        bool dup = false;
        for (size_t k = 0; k < out->n_terms && !dup; k++)
            dup = strcmp(out->terms[k], w) == 0;
        if (!dup) {
            out->term_len[out->n_terms] = strlen(w);
            memcpy(out->terms[out->n_terms++], w, sizeof w);
        }
    }
    if (out->n_terms == 0)
        return str_fail(err, errlen, "prompt has no words to search for (letters or digits)");
    return 0;
}

/* ---- ranking ---------------------------------------------------------------- */

#define ASK_K1 1.2
#define ASK_B 0.75

/* Counts in h->tf how often h's text holds each term (saturating at 255);
 * returns the bit set of the terms it holds. */
static uint32_t ask_match(const ask_request_t *rq, ask_hit_t *h)
{
    char w[ASK_TERM_MAX + 1];
    size_t pos = 0, n = strlen(h->text), len;
    uint32_t mask = 0;
    memset(h->tf, 0, sizeof h->tf);
    while ((len = ask_next_word(h->text, n, &pos, w)) > 0) {
        for (size_t t = 0; t < rq->n_terms; t++) {
            if (rq->term_len[t] == len && memcmp(rq->terms[t], w, len) == 0) {
                mask |= 1u << t;
                if (h->tf[t] < 255)
                    h->tf[t]++;
                break;
            }
        }
    }
    return mask;
}

/* Best first: score descending, then conv, then seq. */
static int ask_by_score(const void *x, const void *y)
{
    const ask_hit_t *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->conv != b->conv)
        return a->conv < b->conv ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Answer order: conv, then start, then seq. */
static int ask_by_time(const void *x, const void *y)
{
    const ask_hit_t *a = x, *b = y;
    if (a->conv != b->conv)
        return a->conv < b->conv ? -1 : 1;
    if (a->start_sec != b->start_sec)
        return a->start_sec < b->start_sec ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

size_t ask_rank(const ask_request_t *rq, ask_hit_t *hits, size_t n, ask_stats_t *st, size_t k)
{
    bool count = !st->have_df;
    if (count) {
        memset(st->df, 0, sizeof st->df);
        st->have_df = true;
    }
    for (size_t i = 0; i < n; i++) {
        hits[i].terms = ask_match(rq, &hits[i]);
        for (size_t t = 0; count && t < rq->n_terms; t++)
            st->df[t] += (hits[i].terms >> t) & 1;
    }
    if (n == 0)
        return 0;
    const int64_t *df = st->df;
    double segments = (double)(st->segments > (int64_t)n ? st->segments : (int64_t)n);
    double avgdl = st->segments > 0 && st->length > 0 ? (double)st->length / (double)st->segments : 1.0;
    double idf[ASK_TERMS_MAX];
    for (size_t t = 0; t < rq->n_terms; t++)
        idf[t] = log(1.0 + (segments - (double)df[t] + 0.5) / ((double)df[t] + 0.5));
    for (size_t i = 0; i < n; i++) {
        hits[i].score = 0;
        if (!hits[i].terms)
            continue;
        const uint8_t *tf = hits[i].tf;
        double norm = ASK_K1 * (1.0 - ASK_B + ASK_B * (double)ask_length(hits[i].text) / avgdl);
        for (size_t t = 0; t < rq->n_terms; t++)
            if (tf[t])
                hits[i].score += idf[t] * (double)tf[t] * (ASK_K1 + 1.0) / ((double)tf[t] + norm);
    }
    qsort(hits, n, sizeof *hits, ask_by_score);
    size_t picked = 0;
    while (picked < k && picked < n && hits[picked].score > 0)
        picked++;
    qsort(hits, picked, sizeof *hits, ask_by_time);
    return picked;
}
