/* transcript.c - validation of imported v1/v2 transcripts and their canonical, text and detailed forms. */
#include "model/transcript.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/json_arena.h"
#include "lib/strutil.h"

#define TRANSCRIPT_MAX_SEGMENTS 100000
#define TRANSCRIPT_MAX_WORDS 1000000

/* State of one transcript_build call. */
typedef struct tr_ctx {
    arena_t *a;      /* the caller's: owns pieceInFlux's serialisation */
    char *err;
    size_t errlen;
    size_t words;    /* words seen so far (v2), against TRANSCRIPT_MAX_WORDS */
    double max_end;  /* largest endTimestamp seen */
} tr_ctx_t;

/* Writes a formatted message into the error buffer; always returns -1. */
static int tr_fail(tr_ctx_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tr_fail(tr_ctx_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    str_vfail(t->err, t->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Where in the transcript a value is: the form ("transcript.v1"), then the
 * segment (depth 1) and the word (depth 2). Formatted only when a message
 * needs it: the loops over every word only store indexes. */
typedef struct tr_where {
    const char *form;
    int depth;
    size_t seg, word;
} tr_where_t;

/* Writes "<form>.final[<seg>]" (depth 1) or "….words[<word>]" (depth 2) into
 * out (TR_WHERE_MAX bytes) and returns out. */
#define TR_WHERE_MAX 96
static const char *tr_where(const tr_where_t *w, char *out)
{
    if (w->depth == 0)
        snprintf(out, TR_WHERE_MAX, "%s", w->form);
    else if (w->depth == 1)
        snprintf(out, TR_WHERE_MAX, "%s.final[%zu]", w->form, w->seg);
    else
        snprintf(out, TR_WHERE_MAX, "%s.final[%zu].words[%zu]", w->form, w->seg, w->word);
    return out;
}

/* Reads member `key` of obj as a required string. Returns 0 and sets *out
 * (borrowed from obj), or -1 with "<path>.<key> is required / must be a string". */
static int tr_get_string(tr_ctx_t *t, const json_t *obj, const tr_where_t *wh, const char *key, const char **out,
                         size_t *len)
{
    char path[TR_WHERE_MAX];
    json_t *v = json_object_get(obj, key);
    *out = NULL; /* set on every path: callers read them only on success, but -O3 cannot see that */
    if (len)
        *len = 0;
    if (!v)
        return tr_fail(t, "%s.%s is required", tr_where(wh, path), key);
    if (!json_is_string(v))
        return tr_fail(t, "%s.%s must be a string", tr_where(wh, path), key);
    *out = json_string_value(v);
    if (len)
        *len = json_string_length(v);
    return 0;
}

/* Reads startTimestamp and endTimestamp of obj: non-negative numbers with
 * end >= start. Returns 0, or -1 with a message naming the path. */
static int tr_get_times(tr_ctx_t *t, const json_t *obj, const tr_where_t *wh, double *start, double *end)
{
    char path[TR_WHERE_MAX];
    static const char *const keys[2] = {"startTimestamp", "endTimestamp"};
    double v[2];
    for (int i = 0; i < 2; i++) {
        json_t *j = json_object_get(obj, keys[i]);
        if (!j)
            return tr_fail(t, "%s.%s is required", tr_where(wh, path), keys[i]);
        if (!json_is_number(j))
            return tr_fail(t, "%s.%s must be a number", tr_where(wh, path), keys[i]);
        v[i] = json_number_value(j);
        if (!(v[i] >= 0))
            return tr_fail(t, "%s.%s must not be negative, got %g", tr_where(wh, path), keys[i], v[i]);
    }
    if (v[1] < v[0])
        return tr_fail(t, "%s.endTimestamp must be >= startTimestamp, got %g < %g", tr_where(wh, path), v[1],
                       v[0]);
    if (v[1] > t->max_end)
        t->max_end = v[1];
    *start = v[0];
    *end = v[1];
    return 0;
}

/* Writes the pieceInFlux member of form (a string or an object, kept as
 * given; absent or null → ""). Returns 0, or -1 on a wrong type or OOM. */
static int tr_write_piece(tr_ctx_t *t, jsonw_t *w, const json_t *form, const char *path)
{
    json_t *p = json_object_get(form, "pieceInFlux");
    jsonw_key(w, "pieceInFlux");
    if (!p || json_is_null(p)) {
        jsonw_string(w, "");
    } else if (json_is_string(p)) {
        jsonw_stringn(w, json_string_value(p), json_string_length(p));
    } else if (json_is_object(p)) {
        const char *s = json_arena_dumps(t->a, p, JSON_COMPACT); /* owned by t->a */
        if (!s)
            return tr_fail(t, "out of memory");
        jsonw_raw(w, s, "{}");
    } else {
        return tr_fail(t, "%s.pieceInFlux must be a string or an object", path);
    }
    return 0;
}

/* Returns form's "final" array (absent or null → NULL, meaning empty) in
 * *final. Returns 0, or -1 on a wrong type or too many segments. */
static int tr_get_final(tr_ctx_t *t, const json_t *form, const char *path, json_t **final)
{
    json_t *f = json_object_get(form, "final");
    *final = NULL;
    if (!f || json_is_null(f))
        return 0;
    if (!json_is_array(f))
        return tr_fail(t, "%s.final must be an array", path);
    if (json_array_size(f) > TRANSCRIPT_MAX_SEGMENTS)
        return tr_fail(t, "%s.final has %zu segments, more than the limit of %d", path, json_array_size(f),
                       TRANSCRIPT_MAX_SEGMENTS);
    *final = f;
    return 0;
}

/* Validates v1 and writes its canonical form into out. *nseg receives the
 * segment count. Returns 0 or -1. */
static int tr_build_v1(tr_ctx_t *t, const json_t *v1, buf_t *out, size_t *nseg)
{
    const char *path = "transcript.v1";
    tr_where_t wh = {.form = path, .depth = 1};
    char sp[TR_WHERE_MAX];
    json_t *final;
    jsonw_t w;

    if (!json_is_object(v1))
        return tr_fail(t, "%s must be an object", path);
    if (tr_get_final(t, v1, path, &final) != 0)
        return -1;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    if (tr_write_piece(t, &w, v1, path) != 0)
        return -1;
    jsonw_key(&w, "final");
    jsonw_arr_begin(&w);
    size_t n = final ? json_array_size(final) : 0;
    for (size_t i = 0; i < n; i++) {
        json_t *seg = json_array_get(final, i);
        const char *speaker, *sentence;
        size_t slen, tlen;
        double start, end;
        wh.seg = i;
        if (!json_is_object(seg))
            return tr_fail(t, "%s must be an object", tr_where(&wh, sp));
        if (tr_get_string(t, seg, &wh, "speaker", &speaker, &slen) != 0 ||
            tr_get_string(t, seg, &wh, "sentence", &sentence, &tlen) != 0 ||
            tr_get_times(t, seg, &wh, &start, &end) != 0)
            return -1;
        jsonw_obj_begin(&w);
        jsonw_key(&w, "speaker");
        jsonw_stringn(&w, speaker, slen);
        jsonw_key(&w, "sentence");
        jsonw_stringn(&w, sentence, tlen);
        jsonw_kv_number(&w, "startTimestamp", start);
        jsonw_kv_number(&w, "endTimestamp", end);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (w.err || out->oom)
        return tr_fail(t, "out of memory");
    *nseg = n;
    return 0;
}

/* Validates v2 and writes its canonical form into out. When derived is
 * non-NULL, also writes a v1 derived from it (sentence = words joined by one
 * space, start = first word's start, end = last word's end, pieceInFlux "").
 * *nseg receives the segment count. Returns 0 or -1. */
static int tr_build_v2(tr_ctx_t *t, const json_t *v2, buf_t *out, buf_t *derived, size_t *nseg)
{
    const char *path = "transcript.v2";
    tr_where_t wh = {.form = path, .depth = 1};
    char sp[TR_WHERE_MAX];
    json_t *final;
    jsonw_t w, dw;
    buf_t sentence; /* scratch, owned here, freed on every exit */
    int rc = -1;

    if (!json_is_object(v2))
        return tr_fail(t, "%s must be an object", path);
    if (tr_get_final(t, v2, path, &final) != 0)
        return -1;
    memset(&dw, 0, sizeof dw);
    buf_init(&sentence);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    if (tr_write_piece(t, &w, v2, path) != 0)
        goto done;
    jsonw_key(&w, "final");
    jsonw_arr_begin(&w);
    if (derived) {
        jsonw_init(&dw, derived);
        jsonw_obj_begin(&dw);
        jsonw_kv_string(&dw, "pieceInFlux", "");
        jsonw_key(&dw, "final");
        jsonw_arr_begin(&dw);
    }
    size_t n = final ? json_array_size(final) : 0;
    for (size_t i = 0; i < n; i++) {
        json_t *seg = json_array_get(final, i);
        const char *speaker;
        size_t slen;
        wh.depth = 1;
        wh.seg = i;
        if (!json_is_object(seg)) {
            tr_fail(t, "%s must be an object", tr_where(&wh, sp));
            goto done;
        }
        if (tr_get_string(t, seg, &wh, "speaker", &speaker, &slen) != 0)
            goto done;
        json_t *words = json_object_get(seg, "words");
        if (!words) {
            tr_fail(t, "%s.words is required", tr_where(&wh, sp));
            goto done;
        }
        if (!json_is_array(words)) {
            tr_fail(t, "%s.words must be an array", tr_where(&wh, sp));
            goto done;
        }
        size_t nw = json_array_size(words);
        if (nw == 0) {
            tr_fail(t, "%s.words must not be empty", tr_where(&wh, sp));
            goto done;
        }
        if (nw > TRANSCRIPT_MAX_WORDS - t->words) {
            tr_fail(t, "transcript has more than %d words (the limit)", TRANSCRIPT_MAX_WORDS);
            goto done;
        }
        t->words += nw;
        jsonw_obj_begin(&w);
        jsonw_key(&w, "speaker");
        jsonw_stringn(&w, speaker, slen);
        jsonw_key(&w, "words");
        jsonw_arr_begin(&w);
        buf_reset(&sentence);
        double first_start = 0, last_end = 0;
        for (size_t k = 0; k < nw; k++) {
            json_t *word = json_array_get(words, k);
            const char *tx;
            size_t tl;
            double start, end;
            wh.depth = 2;
            wh.word = k;
            if (!json_is_object(word)) {
                tr_fail(t, "%s must be an object", tr_where(&wh, sp));
                goto done;
            }
            if (tr_get_string(t, word, &wh, "text", &tx, &tl) != 0 || tr_get_times(t, word, &wh, &start, &end) != 0)
                goto done;
            jsonw_obj_begin(&w);
            jsonw_key(&w, "text");
            jsonw_stringn(&w, tx, tl);
            jsonw_kv_number(&w, "startTimestamp", start);
            jsonw_kv_number(&w, "endTimestamp", end);
            jsonw_obj_end(&w);
            if (derived) {
                if (k > 0)
                    buf_putc(&sentence, ' ');
                buf_append(&sentence, tx, tl);
            }
            if (k == 0)
                first_start = start;
            last_end = end;
        }
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
        if (derived) {
            const char *s = sentence.data ? sentence.data : "";
            jsonw_obj_begin(&dw);
            jsonw_key(&dw, "speaker");
            jsonw_stringn(&dw, speaker, slen);
            jsonw_key(&dw, "sentence");
            jsonw_stringn(&dw, s, sentence.len);
            jsonw_kv_number(&dw, "startTimestamp", first_start);
            jsonw_kv_number(&dw, "endTimestamp", last_end > first_start ? last_end : first_start);
            jsonw_obj_end(&dw);
        }
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (derived) {
        jsonw_arr_end(&dw);
        jsonw_obj_end(&dw);
        if (dw.err || derived->oom) {
            tr_fail(t, "out of memory");
            goto done;
        }
    }
    if (w.err || out->oom || sentence.oom) {
        tr_fail(t, "out of memory");
        goto done;
    }
    *nseg = n;
    rc = 0;
done:
    buf_free(&sentence);
    return rc;
}

/* Copies b's contents into the arena (NULL when b is empty). Sets *oom on
 * allocation failure. */
static const char *tr_to_arena(arena_t *a, const buf_t *b, bool *oom)
{
    if (b->len == 0)
        return NULL;
    char *s = arena_strndup(a, b->data, b->len);
    if (!s)
        *oom = true;
    return s;
}

/* participants is accepted for symmetry with the detailed form but not needed
 * here: speaker emails are resolved when the detailed form is written. */
int transcript_build(arena_t *a, const json_t *transcript, const json_t *participants, transcript_out_t *out,
                     char *err, size_t errlen)
{
    tr_ctx_t t = {.a = a, .err = err, .errlen = errlen, .words = 0, .max_end = 0};
    buf_t v1b, v2b; /* owned here; copied into the arena, then freed */
    size_t n1 = 0, n2 = 0;
    int rc = -1;

    (void)participants;
    memset(out, 0, sizeof *out);
    if (!transcript || json_is_null(transcript))
        return 0;
    if (!json_is_object(transcript))
        return tr_fail(&t, "transcript must be an object");
    json_t *v1 = json_object_get(transcript, "v1");
    json_t *v2 = json_object_get(transcript, "v2");
    if (v1 && json_is_null(v1))
        v1 = NULL;
    if (v2 && json_is_null(v2))
        v2 = NULL;
    if (!v1 && !v2)
        return 0;

    buf_init(&v1b);
    buf_init(&v2b);
    if (v1 && tr_build_v1(&t, v1, &v1b, &n1) != 0)
        goto done;
    if (v2 && tr_build_v2(&t, v2, &v2b, v1 ? NULL : &v1b, &n2) != 0)
        goto done;

    bool oom = false;
    out->v1_json = tr_to_arena(a, &v1b, &oom);
    out->v2_json = tr_to_arena(a, &v2b, &oom);
    if (oom) {
        memset(out, 0, sizeof *out);
        tr_fail(&t, "out of memory");
        goto done;
    }
    out->segments = v1 ? n1 : n2;
    out->last_end = t.max_end;
    rc = 0;
done:
    buf_free(&v1b);
    buf_free(&v2b);
    return rc;
}

/* Returns the email of the participant whose name equals name (ASCII
 * case-insensitive) in the parsed participants array, or "" (borrowed). */
static const char *tr_email_for(const json_t *parts, const char *name)
{
    size_t i;
    json_t *p;
    if (!json_is_array(parts) || !name || !*name)
        return "";
    json_array_foreach(parts, i, p) {
        const char *pn = json_string_value(json_object_get(p, "name"));
        const char *pe = json_string_value(json_object_get(p, "email"));
        if (pn && pe && strcasecmp(pn, name) == 0)
            return pe;
    }
    return "";
}

/* Writes one {"text","startTimestamp","endTimestamp"} entry from obj's
 * text_key member and timestamps (missing values write "" / 0). */
static void tr_write_word(jsonw_t *w, const json_t *obj, const char *text_key)
{
    json_t *tx = json_object_get(obj, text_key);
    jsonw_obj_begin(w);
    jsonw_key(w, "text");
    if (json_is_string(tx))
        jsonw_stringn(w, json_string_value(tx), json_string_length(tx));
    else
        jsonw_string(w, "");
    jsonw_kv_number(w, "startTimestamp", json_number_value(json_object_get(obj, "startTimestamp")));
    jsonw_kv_number(w, "endTimestamp", json_number_value(json_object_get(obj, "endTimestamp")));
    jsonw_obj_end(w);
}

/* Parses stored JSON into an object with a "final" array; NULL when it is
 * absent or does not parse. The caller owns (json_decref) the result. */
static json_t *tr_load_form(const char *s)
{
    if (!s || !*s)
        return NULL;
    json_t *root = json_loads(s, 0, NULL);
    if (root && !(json_is_object(root) && json_is_array(json_object_get(root, "final")))) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

int transcript_write_detailed(jsonw_t *w, const char *v1_json, const char *v2_json, const char *participants_json)
{
    bool have = (v1_json && *v1_json) || (v2_json && *v2_json);
    bool is_v2 = true;
    json_t *root = tr_load_form(v2_json); /* owned here */
    if (!root) {
        is_v2 = false;
        root = tr_load_form(v1_json);
    }
    if (!root) {
        jsonw_raw(w, "[]", "[]");
        return have ? -1 : 0;
    }
    /* owned here; NULL (no emails) when absent or unparsable */
    json_t *parts = participants_json ? json_loads(participants_json, 0, NULL) : NULL;

    json_t *final = json_object_get(root, "final");
    size_t i;
    json_t *seg;
    jsonw_arr_begin(w);
    json_array_foreach(final, i, seg) {
        if (!json_is_object(seg))
            continue;
        const char *speaker = json_string_value(json_object_get(seg, "speaker"));
        jsonw_obj_begin(w);
        jsonw_key(w, "speaker");
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "name", speaker ? speaker : "");
        jsonw_kv_string(w, "email", tr_email_for(parts, speaker));
        jsonw_obj_end(w);
        jsonw_key(w, "words");
        jsonw_arr_begin(w);
        if (is_v2) {
            size_t k;
            json_t *word;
            json_array_foreach(json_object_get(seg, "words"), k, word) {
                if (json_is_object(word))
                    tr_write_word(w, word, "text");
            }
        } else {
            tr_write_word(w, seg, "sentence");
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    json_decref(parts);
    json_decref(root);
    return 0;
}
