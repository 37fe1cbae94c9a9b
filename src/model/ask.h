/* ask.h - Ask Attention's extractive answerer (beyond.md §2): the word tokenizer both backends index with, the segments of a stored transcript, the request body, and the BM25 ranking. */
#ifndef PARLEY_MODEL_ASK_H
#define PARLEY_MODEL_ASK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"

#define ASK_TERM_MAX 255          /* bytes of a word; longer words are neither indexed nor searched */
#define ASK_TERMS_MAX 32          /* distinct words of a prompt that are searched (the first ones) */
#define ASK_PROMPT_MAX 10000      /* characters of a prompt */
#define ASK_CONVERSATIONS_MAX 100 /* conversations_ids entries; conversations a deal_id selects */
#define ASK_ID_MAX 256            /* bytes of one conversations_ids entry or of deal_id */
#define ASK_ANSWER_SEGMENTS 5     /* segments in one answer */

/* ---- words ------------------------------------------------------------------ */

/* Reads the next word of s[0..n) from *pos on: a maximal run of ASCII letters
 * and digits and of non-ASCII characters other than punctuation and symbols
 * (U+0080-U+00BF, U+00D7, U+00F7, U+2000-U+2BFF, U+3000-U+303F, U+FEFF,
 * U+1F000-U+1FAFF are separators, as is every other ASCII character and any
 * byte that is not well-formed UTF-8), with ASCII letters lowercased. Words
 * longer than ASK_TERM_MAX bytes are skipped. Copies the word NUL-terminated
 * into out and returns its length; 0 at the end (*pos then is n). The
 * PostgreSQL migration 008 cuts words with the same rule (a regular expression). */
size_t ask_next_word(const char *s, size_t n, size_t *pos, char out[ASK_TERM_MAX + 1]);

/* The length of a segment for BM25: its spaces + 1, 0 when it is empty (the
 * migrations compute the same in SQL). */
int64_t ask_length(const char *s);

#define ASK_TSVECTOR_WORDS_MAX 4000 /* distinct words of one segment in its tsvector (255 bytes each: < 1 MB) */

/* Appends the distinct words of text, the first ASK_TSVECTOR_WORDS_MAX of
 * them, as a PostgreSQL tsvector literal ('w1' 'w2' …; words hold no quote or
 * backslash) to out. Returns 0, or -1 when memory ran out. */
int ask_tsvector(const char *text, buf_t *out);

/* ---- segments of a stored transcript ---------------------------------------- */

typedef struct ask_segment {
    int seq;                   /* 0-based position */
    double start_sec, end_sec;
    const char *text;          /* the sentence; borrowed, valid during the callback */
} ask_segment_t;

/* Called once per segment; non-zero stops. */
typedef int (*ask_segment_cb)(void *ctx, const ask_segment_t *s);

/* Calls cb for every segment of the stored canonical v1 transcript v1_json
 * ({pieceInFlux, final:[{speaker,sentence,startTimestamp,endTimestamp}]}), in
 * order; NULL or "" has none. Returns the number of segments, or -1 when the
 * JSON does not parse as such a transcript or cb stopped. */
int ask_segments_each(const char *v1_json, ask_segment_cb cb, void *ctx);

/* ---- the request ------------------------------------------------------------ */

typedef struct ask_request {
    const char **conversation_ids; /* arena; canonical lowercase when a UUID, else as given; no duplicates */
    size_t n_conversations;
    const char *deal_id;           /* arena; NULL when absent or "" */
    const char *prompt;            /* arena */
    char terms[ASK_TERMS_MAX][ASK_TERM_MAX + 1]; /* the prompt's distinct words, first ones first */
    size_t term_len[ASK_TERMS_MAX];
    size_t n_terms;
} ask_request_t;

/* Decodes the body {conversations_ids, deal_id, prompt} (unknown members
 * ignored) into out, its strings copied into a (root may go). Exactly one
 * of a non-empty conversations_ids (at most ASK_CONVERSATIONS_MAX strings of
 * at most ASK_ID_MAX bytes) and a non-empty deal_id; prompt 1-ASK_PROMPT_MAX
 * characters with at least one word. Returns 0, or -1 with the reason in err
 * (the two decided messages of beyond.md §2 for both / neither). */
int ask_body_parse(arena_t *a, const json_t *root, ask_request_t *out, char *err, size_t errlen);

/* ---- ranking ---------------------------------------------------------------- */

/* One candidate segment: it contains at least one of the terms. */
typedef struct ask_hit {
    int conv;                  /* the caller's index of its conversation */
    int seq;
    double start_sec, end_sec;
    const char *text;          /* owned by the caller (outlives the ranking) */
    uint32_t terms;            /* bit t: it contains terms[t] (ask_rank sets it) */
    double score;              /* ask_rank sets it */
    uint8_t tf[ASK_TERMS_MAX]; /* how often it holds each term, at most 255 (ask_rank sets it) */
} ask_hit_t;

/* The collection the hits were found in: its segments, their total length
 * and how many hold each term. */
typedef struct ask_stats {
    int64_t segments;
    int64_t length;            /* sum of ask_length over the segments */
    bool have_df;              /* df is given; else ask_rank counts it among the hits and sets it */
    int64_t df[ASK_TERMS_MAX]; /* segments holding terms[t] */
} ask_stats_t;

/* Scores the hits of one collection with Okapi BM25 (k1 1.2, b 0.75, idf
 * ln(1 + (N - n + 0.5) / (n + 0.5)), N = st->segments, the length of a
 * segment ask_length, the average st->length / st->segments), the document
 * frequencies n from st->df, or, without them, counted among the hits (every
 * segment of the collection that holds a term must then be one of them; they
 * are left in st->df), then reorders hits so that the best k
 * come first, in answer order (conv, then start, then seq); hits that match
 * no term score 0 and are not picked. Ties in score go to the lower conv,
 * then the lower seq, so the same data gives the same answer. Returns the
 * number picked (<= k). Can't fail. */
size_t ask_rank(const ask_request_t *rq, ask_hit_t *hits, size_t n, ask_stats_t *st, size_t k);

#endif
