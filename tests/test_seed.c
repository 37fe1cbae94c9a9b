/* test_seed.c - unit tests of the `parley seed` generator: determinism, distributions, canonical transcripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "cli/progress.h"
#include "model/seed.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jsonw.h"
#include "model/conversation.h"
#include "model/transcript.h"
#include "store/store.h"

#define T_NOW 1718000000LL /* 2024-06-10T06:13:20Z */
#define T_DOMAIN "seedco.example"

/* A fresh database in its own temporary directory with one organization. */
typedef struct t_db {
    char dir[64];
    char path[96];
    store_t *st;
    uuid_str_t org, admin, team;
} t_db_t;

static void t_db_open(t_db_t *d)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/parley_seed_XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->path, sizeof d->path, "%s/t.db", d->dir);
    char err[256] = "";
    store_opts_t so = {.url = d->path, .durability = STORE_DURABILITY_NORMAL};
    d->st = store_open(&so, err, sizeof err);
    if (!d->st)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_org_create(d->st, "Seed Co", "Admin@" T_DOMAIN, d->org, d->admin, d->team), STORE_OK);
}

static void t_db_close(t_db_t *d)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[128];
    store_close(d->st);
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", d->path, sfx[i]);
        unlink(p);
    }
    rmdir(d->dir);
}

static int t_seed(t_db_t *d, long count, uint64_t seed, char *err, size_t errlen)
{
    seed_opts_t o = {.org_uuid = d->org, .count = count, .seed = seed, .now = T_NOW, .progress = NULL};
    return seed_run(d->st, &o, err, errlen);
}

typedef struct t_each_ctx {
    store_conv_cb cb;
    void *ctx;
} t_each_ctx_t;

/* Gives the callback a conversation whose fields are filled from the stored
 * document (conv_doc_parse), as a writer sees it. */
static int t_each_parse(void *ctx, const conv_t *row)
{
    t_each_ctx_t *e = ctx;
    arena_t a;
    arena_init(&a);
    conv_t c = *row;
    assert_int_equal(conv_doc_parse(&a, &c), 0);
    int rc = e->cb(e->ctx, &c);
    arena_free(&a);
    return rc;
}

/* Calls cb on every conversation of d's organization (archived and empty
 * included), with its fields filled from the stored document. */
static int64_t t_each(t_db_t *d, store_conv_cb cb, void *ctx)
{
    conv_filter_t f;
    memset(&f, 0, sizeof f);
    f.archived = CONV_ARCHIVED_INCLUDE;
    f.hide_empty = false;
    f.page = 1;
    f.size = 1000000;
    store_scope_t sc = {.org_uuid = d->org, .user_uuid = NULL};
    int64_t total = -1;
    t_each_ctx_t e = {.cb = cb, .ctx = ctx};
    assert_int_equal(store_conv_list(d->st, &sc, &f, &total, t_each_parse, &e), STORE_OK);
    return total;
}

/* ---- determinism ------------------------------------------------------------ */

typedef struct t_render {
    buf_t b;
    long rows;
} t_render_t;

static int t_render_cb(void *ctx, const conv_t *c)
{
    t_render_t *r = ctx;
    jsonw_t w;
    conv_render_opts_t o = conv_render_opts_single();
    o.include_internal_participants = true;
    o.include_import_metadata = true;
    o.include_zoom_metadata = true;
    jsonw_init(&w, &r->b);
    conv_render(&w, c, &o);
    buf_printf(&r->b, "\n%s|%s\n", c->external_id ? c->external_id : "-",
               c->application_name ? c->application_name : "-");
    r->rows++;
    return 0;
}

/* Replaces every occurrence of from (36 chars) in s with to (same length). */
static void t_replace(char *s, const char *from, const char *to)
{
    size_t n = strlen(from);
    assert_int_equal(n, strlen(to));
    for (char *p = strstr(s, from); p; p = strstr(p + n, from))
        memcpy(p, to, n);
}

/* Renders every row of d; team uuids (made by the store, not the seed) are
 * replaced by placeholders. The caller frees the result. */
static char *t_render_all(t_db_t *d, long *rows)
{
    static const char *const teams[] = {"Sales", "Customer Success", "Solutions Engineering"};
    static const char *const ph[] = {"TEAM0000-0000-0000-0000-000000000000", "TEAM1111-1111-1111-1111-111111111111",
                                     "TEAM2222-2222-2222-2222-222222222222"};
    t_render_t r = {.rows = 0};
    buf_init(&r.b);
    t_each(d, t_render_cb, &r);
    assert_false(r.b.oom);
    for (int i = 0; i < 3; i++) {
        uuid_str_t t;
        assert_int_equal(store_team_resolve(d->st, d->org, teams[i], t), STORE_OK);
        t_replace(r.b.data, t, ph[i]);
    }
    *rows = r.rows;
    return buf_detach(&r.b, NULL);
}

static void test_same_seed_same_rows(void **state)
{
    (void)state;
    t_db_t a, b, c;
    char err[256] = "";
    t_db_open(&a);
    t_db_open(&b);
    t_db_open(&c);
    assert_int_equal(t_seed(&a, 300, 42, err, sizeof err), 0);
    assert_int_equal(t_seed(&b, 300, 42, err, sizeof err), 0);
    assert_int_equal(t_seed(&c, 300, 43, err, sizeof err), 0);
    long na, nb, nc;
    char *ra = t_render_all(&a, &na), *rb = t_render_all(&b, &nb), *rc = t_render_all(&c, &nc);
    assert_int_equal(na, 300);
    assert_int_equal(nb, 300);
    assert_int_equal(nc, 300);
    assert_string_equal(ra, rb);
    assert_true(strcmp(ra, rc) != 0); /* another seed gives other data */
    free(ra);
    free(rb);
    free(rc);
    t_db_close(&a);
    t_db_close(&b);
    t_db_close(&c);
}

/* ---- distributions and invariants ------------------------------------------ */

typedef struct t_stats {
    t_db_t *d;
    long rows, priv, internal, empty, pending, failed, archived, v2, with_ext_id, scored, crm, labelled;
    long min_parts, max_parts, min_segs, max_segs, min_words, max_words;
    long no_opportunity, attendees, attendees_no_email, call_with, sub_second;
    char owners[64][37];
    int nowners;
    char ext_ids[600][64];
    int next_ids;
    int64_t prev_created;
    char prev_uuid[37];
} t_stats_t;

/* Asserts that every speaker of v1 is the name of a participant. */
static void t_check_speakers(json_t *v1, json_t *parts)
{
    size_t i, k;
    json_t *seg, *p;
    json_array_foreach(json_object_get(v1, "final"), i, seg) {
        const char *sp = json_string_value(json_object_get(seg, "speaker"));
        bool found = false;
        json_array_foreach(parts, k, p) {
            if (strcmp(json_string_value(json_object_get(p, "name")), sp) == 0)
                found = true;
        }
        if (!found)
            fail_msg("speaker %s is not a participant", sp);
    }
}

static int t_stats_cb(void *ctx, const conv_t *c)
{
    t_stats_t *s = ctx;
    s->rows++;
    s->priv += c->is_private;
    s->internal += c->is_internal;
    s->empty += c->is_empty;
    s->archived += c->archived;
    s->v2 += c->transcript_v2_json != NULL;
    s->scored += strcmp(c->scorecards_json, "[]") != 0;
    s->crm += strcmp(c->linked_crm_json, "[]") != 0;
    s->labelled += strcmp(c->labels_json, "{}") != 0;
    if (strcmp(c->import_status, "PENDING") == 0)
        s->pending++;
    if (strcmp(c->import_status, "FAILED") == 0)
        s->failed++;

    /* list order: createdAt desc, uuid desc; ids are time-ordered */
    if (s->rows > 1) {
        assert_true(c->created_at <= s->prev_created);
        assert_true(strcmp(c->uuid, s->prev_uuid) < 0);
    }
    s->prev_created = c->created_at;
    memcpy(s->prev_uuid, c->uuid, 37);
    /* times are milliseconds, most with a fraction of a second (beyond.md §0) */
    assert_true(c->created_at >= (T_NOW - 365 * 86400LL) * 1000 && c->created_at <= T_NOW * 1000);
    s->sub_second += c->created_at % 1000 != 0;
    assert_true(uuid_parse(c->uuid, NULL));
    if (c->archived)
        assert_true(c->archived_at >= c->created_at && c->archived_at <= T_NOW * 1000);
    else
        assert_int_equal(c->archived_at, 0);

    assert_true(conv_media_status_valid(c->video_status));
    assert_true(conv_media_status_valid(c->media_storage_status));
    assert_true(conv_import_status_valid(c->import_status));
    assert_true(conv_transcript_status_valid(c->transcript_status));
    assert_true(conv_crm_export_status_valid(c->crm_export_status));
    assert_true(strlen(c->title) > 0);
    s->call_with += strncmp(c->title, "Call with ", 10) == 0;
    s->no_opportunity += c->external_opportunity_json == NULL || strcmp(c->external_opportunity_json, "null") == 0 ||
                         strcmp(c->external_opportunity_json, "{}") == 0;

    /* owners are the generated users, never the admin */
    assert_string_not_equal(c->user_uuid, s->d->admin);
    int o;
    for (o = 0; o < s->nowners && strcmp(s->owners[o], c->user_uuid) != 0; o++)
        ;
    if (o == s->nowners && o < 64)
        memcpy(s->owners[s->nowners++], c->user_uuid, 37);

    if (c->external_id) {
        for (int k = 0; k < s->next_ids; k++)
            assert_string_not_equal(s->ext_ids[k], c->external_id);
        if (s->next_ids < 600)
            snprintf(s->ext_ids[s->next_ids++], 64, "%s", c->external_id);
        s->with_ext_id++;
    }

    /* participants: 2-8, all valid JSON; external view has no org-domain email */
    json_t *parts = json_loads(c->participants_json, 0, NULL);
    json_t *ext = json_loads(c->participants_ext_json, 0, NULL);
    json_t *att = json_loads(c->attendees_json, 0, NULL);
    assert_non_null(parts);
    assert_non_null(ext);
    assert_non_null(att);
    long np = (long)json_array_size(parts);
    s->min_parts = np < s->min_parts ? np : s->min_parts;
    s->max_parts = np > s->max_parts ? np : s->max_parts;
    assert_true(json_array_size(ext) < json_array_size(parts));
    if (c->is_internal)
        assert_int_equal(json_array_size(ext), 0);
    size_t i;
    json_t *p;
    json_array_foreach(ext, i, p) {
        const char *email = json_string_value(json_object_get(p, "email"));
        assert_non_null(email);
        assert_null(strstr(email, "@" T_DOMAIN));
        /* an external participant's id is its email; no status (beyond.md §0) */
        assert_string_equal(json_string_value(json_object_get(p, "id")), email);
        assert_null(json_object_get(p, "status"));
    }
    /* attendees: {id, name} plus email and organizer when known */
    json_array_foreach(att, i, p) {
        const char *key;
        json_t *v;
        assert_non_null(json_string_value(json_object_get(p, "id")));
        assert_non_null(json_string_value(json_object_get(p, "name")));
        json_object_foreach(p, key, v) {
            if (strcmp(key, "id") != 0 && strcmp(key, "name") != 0 && strcmp(key, "email") != 0 &&
                strcmp(key, "organizer") != 0)
                fail_msg("attendee of %s has key %s", c->uuid, key);
        }
        s->attendees++;
        s->attendees_no_email += json_object_get(p, "email") == NULL;
    }
    int organizers = 0;
    json_array_foreach(parts, i, p) {
        organizers += json_is_true(json_object_get(p, "organizer"));
        assert_non_null(json_string_value(json_object_get(p, "id")));
    }
    assert_int_equal(organizers, 1);

    /* every other fragment parses */
    const char *frags[] = {c->bots_json, c->boards_json, c->talktracks_json, c->scorecards_json,
                           c->external_opportunity_json ? c->external_opportunity_json : "null",
                           c->import_metadata_json, c->zoom_metadata_json,
                           c->linked_crm_json, c->external_accounts_json, c->external_contacts_json,
                           c->extracted_intel_json, c->confirmed_intel_json, c->labels_json,
                           c->label_tags_na_json, c->deprecated_label_categories_json};
    for (size_t k = 0; k < sizeof frags / sizeof frags[0]; k++) {
        json_t *j = json_loads(frags[k], JSON_DECODE_ANY, NULL);
        if (!j)
            fail_msg("fragment %zu of %s does not parse: %s", k, c->uuid, frags[k]);
        json_decref(j);
    }

    if (c->is_empty) {
        assert_null(c->transcript_v1_json);
        assert_null(c->transcript_v2_json);
        assert_string_equal(c->scorecards_json, "[]");
    } else {
        assert_string_equal(c->import_status, "FINISHED");
        assert_string_equal(c->video_status, "READY");
        json_t *v1 = json_loads(c->transcript_v1_json, 0, NULL);
        assert_non_null(v1);
        json_t *final = json_object_get(v1, "final");
        long ns = (long)json_array_size(final);
        s->min_segs = ns < s->min_segs ? ns : s->min_segs;
        s->max_segs = ns > s->max_segs ? ns : s->max_segs;
        json_t *seg;
        json_array_foreach(final, i, seg) {
            const char *sentence = json_string_value(json_object_get(seg, "sentence"));
            long words = 1;
            for (const char *q = sentence; *q; q++)
                words += *q == ' ';
            s->min_words = words < s->min_words ? words : s->min_words;
            s->max_words = words > s->max_words ? words : s->max_words;
        }
        double last_end = json_number_value(json_object_get(json_array_get(final, (size_t)ns - 1), "endTimestamp"));
        assert_true(c->media_duration >= last_end);
        assert_true(c->finished_at >= c->created_at + (int64_t)(last_end * 1000));
        t_check_speakers(v1, parts);
        json_decref(v1);
    }
    json_decref(parts);
    json_decref(ext);
    json_decref(att);
    return 0;
}

/* seed_opts_t.progress: moves the meter, as `parley seed` does. */
static void t_progress(void *ctx, long done)
{
    progress_update(ctx, done);
}

static void test_distribution(void **state)
{
    (void)state;
    t_db_t d;
    char err[256] = "";
    t_db_open(&d);
    FILE *progress = tmpfile();
    assert_non_null(progress);
    progress_t meter; /* off, as when stderr is not a terminal: writes nothing */
    progress_start(&meter, progress, false, "seed", "conversations", 500, NULL);
    seed_opts_t o = {.org_uuid = d.org, .count = 500, .seed = 7, .now = T_NOW, .progress = t_progress,
                     .progress_ctx = &meter};
    assert_int_equal(seed_run(d.st, &o, err, sizeof err), 0);
    progress_finish(&meter);
    assert_int_equal(ftell(progress), 0);
    fclose(progress);
    t_stats_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->d = &d;
    s->min_parts = s->min_segs = s->min_words = 1000;
    assert_int_equal(t_each(&d, t_stats_cb, s), 500);
    assert_int_equal(s->rows, 500);
    /* each kind is present, and rare */
    assert_in_range(s->priv, 5, 60);
    assert_in_range(s->internal, 5, 60);
    assert_in_range(s->empty, 15, 120); /* empty + pending + failed */
    assert_in_range(s->pending, 3, 40);
    assert_in_range(s->failed, 1, 20);
    assert_in_range(s->archived, 1, 30);
    assert_in_range(s->v2, 50, 250);
    assert_in_range(s->with_ext_id, 25, 200);
    assert_in_range(s->scored, 180, 320); /* about half: seed_insights.c */
    assert_in_range(s->crm, 100, 400);
    assert_in_range(s->labelled, 200, 480);
    assert_in_range(s->min_parts, 2, 2);
    assert_in_range(s->max_parts, 8, 8);
    assert_in_range(s->min_segs, 10, 12);
    assert_in_range(s->max_segs, 120, 200);
    assert_in_range(s->min_words, 3, 12);
    assert_in_range(s->max_words, 3, 12);
    assert_true(s->nowners >= 10); /* spread over the 12 generated users */
    /* the shapes of real data (beyond.md §0) */
    assert_in_range(s->no_opportunity, 150, 250);              /* about 40% */
    assert_in_range(s->attendees_no_email * 100 / s->attendees, 10, 50);
    assert_in_range(s->call_with, 3, 60);
    assert_true(s->sub_second > 400);
    free(s);
    t_db_close(&d);
}

/* ---- canonical transcripts --------------------------------------------------- */

typedef struct t_canon {
    long checked, v2;
} t_canon_t;

/* Feeds the stored transcript back through transcript_build as an import
 * would send it (v2 alone when there is one, else v1) and compares. */
static int t_canon_cb(void *ctx, const conv_t *c)
{
    t_canon_t *t = ctx;
    if (!c->transcript_v1_json)
        return 0;
    json_t *tr = json_object();
    const char *src = c->transcript_v2_json ? c->transcript_v2_json : c->transcript_v1_json;
    json_t *form = json_loads(src, 0, NULL);
    assert_non_null(form);
    json_object_set_new(tr, c->transcript_v2_json ? "v2" : "v1", form);
    json_t *parts = json_loads(c->participants_json, 0, NULL);
    arena_t a;
    arena_init(&a);
    transcript_out_t out;
    char err[256] = "";
    if (transcript_build(&a, tr, parts, &out, err, sizeof err) != 0)
        fail_msg("transcript_build rejected seeded transcript %s: %s", c->uuid, err);
    assert_string_equal(out.v1_json, c->transcript_v1_json);
    if (c->transcript_v2_json) {
        assert_non_null(out.v2_json);
        assert_string_equal(out.v2_json, c->transcript_v2_json);
        t->v2++;
    } else {
        assert_null(out.v2_json);
    }
    assert_true(out.segments >= 10 && out.segments <= 200);
    assert_true(c->media_duration >= out.last_end);
    arena_free(&a);
    json_decref(parts);
    json_decref(tr);
    t->checked++;
    return 0;
}

static void test_transcripts_are_canonical(void **state)
{
    (void)state;
    t_db_t d;
    char err[256] = "";
    t_db_open(&d);
    assert_int_equal(t_seed(&d, 200, 99, err, sizeof err), 0);
    t_canon_t t = {0, 0};
    t_each(&d, t_canon_cb, &t);
    assert_true(t.checked >= 150);
    assert_true(t.v2 >= 10);
    assert_true(t.checked - t.v2 >= 10);
    t_db_close(&d);
}

/* ---- users, reruns and errors ------------------------------------------------ */

static int t_render_cb_count_only(void *ctx, const conv_t *c)
{
    (void)ctx;
    (void)c;
    return 0;
}

static int t_count_user(void *ctx, const store_user_t *u)
{
    (void)u;
    (*(int *)ctx)++;
    return 0;
}

static void test_users_reruns_and_errors(void **state)
{
    (void)state;
    t_db_t d;
    char err[256] = "";
    t_db_open(&d);

    /* count 0 still creates the users and teams, once */
    assert_int_equal(t_seed(&d, 0, 1, err, sizeof err), 0);
    int users = 0;
    assert_int_equal(store_user_list(d.st, d.org, t_count_user, &users), STORE_OK);
    assert_int_equal(users, 13);
    store_user_t u;
    assert_int_equal(store_user_resolve(d.st, d.org, "admin@" T_DOMAIN, &u), STORE_OK);
    uuid_str_t team;
    assert_int_equal(store_team_resolve(d.st, d.org, "Customer Success", team), STORE_OK);

    /* two different seeds in one organization: no applicationExternalID clash, no new users */
    assert_int_equal(t_seed(&d, 120, 1, err, sizeof err), 0);
    assert_int_equal(t_seed(&d, 120, 2, err, sizeof err), 0);
    users = 0;
    assert_int_equal(store_user_list(d.st, d.org, t_count_user, &users), STORE_OK);
    assert_int_equal(users, 13);
    assert_int_equal(t_each(&d, t_render_cb_count_only, NULL), 240);

    /* the same seed again is refused up front and inserts nothing */
    err[0] = '\0';
    assert_int_equal(t_seed(&d, 120, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "already"));
    assert_int_equal(t_each(&d, t_render_cb_count_only, NULL), 240);
    /* ... also with another count (other ids, same applicationExternalIDs); the batch is rolled back */
    err[0] = '\0';
    assert_int_equal(t_seed(&d, 50, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "another --seed"));
    assert_int_equal(t_each(&d, t_render_cb_count_only, NULL), 240);

    /* errors */
    seed_opts_t o = {.org_uuid = "01900000-0000-7000-8000-000000000000", .count = 5, .seed = 1, .now = T_NOW};
    err[0] = '\0';
    assert_int_equal(seed_run(d.st, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "not found"));
    o.org_uuid = d.org;
    o.count = -1;
    err[0] = '\0';
    assert_int_equal(seed_run(d.st, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "count"));
    t_db_close(&d);
}

static double t_clock_now;
/* A fake clock that moves 1/64 s at every reading. */
static double t_ticking_clock(void)
{
    return t_clock_now += 1 / 64.0;
}

/* The meter is updated after every row: on a terminal, the line is redrawn
 * (at most every 0.1 s) and finishes at the count. */
static void test_progress_meter(void **state)
{
    (void)state;
    t_db_t d;
    char err[256] = "", line[4096];
    t_db_open(&d);
    FILE *f = tmpfile();
    assert_non_null(f);
    progress_t meter;
    progress_start(&meter, f, true, "seed", "conversations", 300, t_ticking_clock);
    seed_opts_t o = {.org_uuid = d.org, .count = 300, .seed = 6, .now = T_NOW, .progress = t_progress,
                     .progress_ctx = &meter};
    assert_int_equal(seed_run(d.st, &o, err, sizeof err), 0);
    assert_int_equal(meter.count, 300);
    progress_finish(&meter);
    rewind(f);
    size_t n = fread(line, 1, sizeof line - 1, f);
    line[n] = '\0';
    /* 300 readings 1/64 s apart: a redraw every 7th (0.109 s) */
    int redraws = 0;
    for (const char *p = line; (p = strchr(p, '\r')) != NULL; p++)
        redraws++;
    assert_int_equal(redraws, 300 / 7 + 1);
    assert_non_null(strstr(line, "\rseed: 7/300 conversations, 64/s, ETA 0:05"));
    assert_non_null(strstr(line, "\rseed: 300/300 conversations, 64/s, done in 0:05\n"));
    assert_int_equal(line[n - 1], '\n');
    fclose(f);
    t_db_close(&d);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_rows),
        cmocka_unit_test(test_distribution),
        cmocka_unit_test(test_transcripts_are_canonical),
        cmocka_unit_test(test_users_reruns_and_errors),
        cmocka_unit_test(test_progress_meter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
