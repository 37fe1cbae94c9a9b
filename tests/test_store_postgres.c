/* test_store_postgres.c - the PostgreSQL store: the same operations on SQLite and PostgreSQL give byte-identical results (conversations, logs, organization administration, snippets, the library); pool, retry, 503 path, concurrency. Needs PARLEY_TEST_PG (skipped without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/jsonw.h"
#include "store/store.h"

/* ---- fixture: a fresh PostgreSQL database and a SQLite file ------------------- */

typedef struct side {
    store_t *st;
    uuid_str_t org, admin, team;
} side_t;

typedef struct fx {
    char dbname[64];
    char url[512];
    char dir[64], path[128];
    side_t pg, sq;
} fx_t;

/* Runs one admin command on PARLEY_TEST_PG; 0 on success. */
static int admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("PARLEY_TEST_PG"));
    int ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "admin_exec: %s", PQerrorMessage(c));
        PQclear(r);
    }
    PQfinish(c);
    return ok ? 0 : -1;
}

/* The URL of database name on the PARLEY_TEST_PG server (its path replaced). */
static void db_url(const char *name, char *out, size_t n)
{
    const char *admin = getenv("PARLEY_TEST_PG");
    const char *slash = strchr(strstr(admin, "://") + 3, '/');
    size_t host = slash ? (size_t)(slash - admin) : strlen(admin);
    snprintf(out, n, "%.*s/%s", (int)host, admin, name);
}

static store_t *open_url(const char *url, int pool)
{
    store_opts_t o = {.url = url, .durability = STORE_DURABILITY_NORMAL, .pool_size = pool};
    char err[512] = "";
    store_t *st = store_open(&o, err, sizeof err);
    if (!st)
        fprintf(stderr, "store_open: %s\n", err);
    return st;
}

/* True when PARLEY_TEST_PG names a server to test against. */
static bool have_pg(void)
{
    const char *u = getenv("PARLEY_TEST_PG");
    return u && *u;
}

/* Without PARLEY_TEST_PG every test reports itself skipped (make test always sets it). */
#define PG_REQUIRED()                                                                                              \
    do {                                                                                                           \
        if (!have_pg())                                                                                            \
            skip();                                                                                                \
    } while (0)

static int fx_setup(void **state)
{
    *state = NULL;
    if (!have_pg())
        return 0;
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    uint32_t r = randombytes_random();
    snprintf(f->dbname, sizeof f->dbname, "parley_unit_%d_%08x", (int)getpid(), r);
    char sql[160];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", f->dbname);
    assert_int_equal(admin_exec(sql), 0);
    db_url(f->dbname, f->url, sizeof f->url);
    assert_non_null(f->pg.st = open_url(f->url, 3));
    snprintf(f->dir, sizeof f->dir, "/tmp/parley_pgunit_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_non_null(f->sq.st = open_url(f->path, 0));
    side_t *sides[] = {&f->pg, &f->sq};
    for (int i = 0; i < 2; i++)
        assert_int_equal(store_org_create(sides[i]->st, "Parity", "Admin@Parity.example", sides[i]->org,
                                          sides[i]->admin, sides[i]->team),
                         STORE_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    if (!f)
        return 0;
    store_close(f->pg.st);
    store_close(f->sq.st);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", f->dbname);
    admin_exec(sql);
    char p[200];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- rendering results for comparison ---------------------------------------- */

/* Collects every conversation a store call hands over, rendered (object
 * transcript, everything included), with the side's generated ids replaced
 * by placeholders so the two backends compare byte for byte. */
typedef struct out {
    buf_t b;
    const side_t *s;
} out_t;

static int out_conv(void *ctx, const conv_t *c)
{
    out_t *o = ctx;
    jsonw_t w;
    jsonw_init(&w, &o->b);
    conv_render_opts_t ro = conv_render_opts_single();
    ro.include_import_metadata = ro.include_zoom_metadata = ro.include_internal_participants = true;
    conv_render(&w, c, &ro);
    buf_putc(&o->b, '\n');
    return 0;
}

/* o->b's text with the side's org/admin/team ids replaced; caller frees. */
static char *normalized(const out_t *o)
{
    char *s = strdup(o->b.data ? o->b.data : "");
    assert_non_null(s);
    const char *ids[] = {o->s->org, o->s->admin, o->s->team};
    const char *names[] = {"<org-uuid-placeholder...............>", "<admin-uuid-placeholder.............>",
                           "<team-uuid-placeholder..............>"};
    for (int i = 0; i < 3; i++)
        for (char *p = s; (p = strstr(p, ids[i])) != NULL; p += UUID_STR_LEN)
            memcpy(p, names[i], UUID_STR_LEN);
    return s;
}

/* ---- the shared scenario -------------------------------------------------------- */

#define NCONV 48
static uuid_str_t conv_ids[NCONV];
static const char *const U1 = "01900000-0000-7000-8000-0000000000a1";
static const char *const U2 = "01900000-0000-7000-8000-0000000000a2";
static const char *const T1 = "01900000-0000-7000-8000-0000000000f1";

static const char *const titles[] = {"Weekly sync", "WEEKLY review", "Ünïcode Über call", "100% done_ok",
                                     "back\\slash", NULL, "Discovery", "discovery follow-up"};
static const char *const parts[] = {
    "[{\"id\":\"p1\",\"email\":\"Alice@Example.com\",\"name\":\"Alice\"},{\"id\":\"p2\",\"email\":\"BOB@example.com\"}]",
    "[{\"id\":\"p3\",\"email\":\"carol@example.com\"},{\"id\":\"p4\"}]", "[]", NULL};
static const char *const crms[] = {
    "[{\"id\":\"crm-1\",\"code\":\"opportunity\"},{\"id\":\"crm-2\",\"code\":\"account\"}]",
    "[{\"id\":42,\"code\":\"opportunity\",\"stage\":\"won\"}]",
    "[{\"id\":\"crm-1\",\"code\":\"account\",\"flag\":true}]", "[]", NULL, "[{\"id\":\"crm-3\"}]"};
static const char *const opps[] = {"{\"uuid\":\"opp-1\",\"title\":\"A\"}", "{}", NULL, "{\"uuid\":\"opp-2\"}"};
static const char *const statuses[] = {"FINISHED", "PENDING", "IN_PROGRESS", "FAILED", "DISCARDED", NULL};

/* Fills conversation i of the scenario (the same on both sides except the side's ids). */
static void scenario_conv(const side_t *s, int i, conv_t *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->uuid, conv_ids[i], sizeof c->uuid); /* both uuid_str_t; snprintf here trips -O3 -Wformat-truncation */
    snprintf(c->org_uuid, sizeof c->org_uuid, "%s", s->org);
    const char *owner = i % 3 == 0 ? s->admin : i % 3 == 1 ? U1 : U2;
    snprintf(c->user_uuid, sizeof c->user_uuid, "%s", owner);
    snprintf(c->team_uuid, sizeof c->team_uuid, "%s", i % 3 == 2 ? T1 : s->team);
    c->title = titles[i % 8];
    c->created_at = 1700000000 + (i % 20) * 3600; /* ties on purpose: uuid breaks them */
    c->finished_at = c->created_at + 60;
    c->is_private = i % 5 == 0;
    c->is_internal = i % 7 == 0;
    c->is_empty = i % 11 == 0;
    c->media_duration = i * 1.25 + 0.1;
    c->import_status = statuses[i % 6];
    c->transcript_status = "COMPLETED";
    c->video_status = c->media_storage_status = "READY";
    c->crm_export_status = "NONE";
    static char ext[NCONV][16];
    snprintf(ext[i], sizeof ext[i], "ext-%d", i);
    c->external_id = i % 4 ? ext[i] : NULL;
    c->participants_json = parts[i % 4];
    c->participants_ext_json = parts[(i + 1) % 4];
    c->linked_crm_json = crms[i % 6];
    c->external_opportunity_json = opps[i % 4];
    c->scorecards_json = i % 6 == 1 ? "[{\"uuid\":\"sc\"}]" : "[]";
    c->extracted_intel_json = i % 6 == 2 ? "{\"k\":{\"id\":\"x\"}}" : "{}";
    c->confirmed_intel_json = i % 2 ? "{ \"a\" : {\"id\":\"1\"}, \"b\":{\"id\":\"2\"} }" : NULL;
    c->labels_json = "{\"stage\":\"won\"}";
    c->transcript_v2_json = "{\"final\":[{\"speaker\":\"A\",\"words\":[{\"text\":\"hi\"}]}]}";
}

/* Builds the scenario on one side: users, a team, NCONV conversations, changes, archives. */
static void scenario(side_t *s)
{
    uuid_str_t out;
    assert_int_equal(store_team_create(s->st, s->org, "Sales", NULL, T1, out), STORE_OK);
    store_user_new_t u1 = {.org_uuid = s->org, .email = "Bob@Example.com", .first_name = "Bob", .uuid = U1};
    store_user_new_t u2 = {.org_uuid = s->org, .email = "carol@example.com", .team_uuid = T1, .uuid = U2,
                           .transcript_lang = "de"};
    assert_int_equal(store_user_create(s->st, &u1, out), STORE_OK);
    assert_int_equal(store_user_create(s->st, &u2, out), STORE_OK);
    assert_int_equal(store_user_create(s->st, &u1, out), STORE_CONFLICT);
    store_user_new_t u3 = {.org_uuid = s->org, .email = "BOB@example.COM"};
    assert_int_equal(store_user_create(s->st, &u3, out), STORE_CONFLICT);
    assert_int_equal(store_batch_begin(s->st), STORE_OK);
    for (int i = 0; i < NCONV; i++) {
        conv_t c;
        scenario_conv(s, i, &c);
        uuid_str_t existing;
        assert_int_equal(store_conv_insert(s->st, &c, existing), STORE_OK);
    }
    assert_int_equal(store_batch_end(s->st, true), STORE_OK);
    /* a duplicate external id: CONFLICT naming the first */
    conv_t dup;
    scenario_conv(s, 1, &dup);
    uuid_v7(dup.uuid);
    uuid_str_t existing;
    assert_int_equal(store_conv_insert(s->st, &dup, existing), STORE_CONFLICT);
    assert_string_equal(existing, conv_ids[1]);

    store_scope_t org = {s->org, NULL}, user1 = {s->org, U1};
    for (int i = 0; i < NCONV; i += 5)
        assert_int_equal(store_conv_set_archived(s->st, &org, conv_ids[i], true, 1700100000 + i, NULL, NULL),
                         STORE_OK);
    assert_int_equal(store_conv_set_archived(s->st, &org, conv_ids[0], true, 1800000000, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_set_archived(s->st, &user1, conv_ids[0], false, 1700200000, NULL, NULL),
                     STORE_NOT_FOUND); /* private, owned by the admin */
    assert_int_equal(store_conv_set_archived(s->st, &user1, conv_ids[3], false, 1700200000, NULL, NULL),
                     STORE_FORBIDDEN);
    conv_update_t up = {.privacy = CONV_PRIVACY_KEEP, .confirm_intel_json = "{\"b\":{\"id\":\"9\",\"v\":1.50},\"c\":{}}",
                        .workflow_name = "crm_confirmed"};
    for (int i = 0; i < 6; i++)
        assert_int_equal(store_conv_update(s->st, &org, conv_ids[i], &up, 1700300000, NULL, NULL), STORE_OK);
    conv_update_t t = {.title = "Renamed", .privacy = CONV_PRIVACY_TOGGLE, .labels_json = "{\"x\":[1,2]}",
                       .linked_crm_json = "[{\"id\":\"new\",\"code\":\"deal\"}]",
                       .external_opportunity_json = "{\"uuid\":\"opp-3\"}", .workflow_name = "update"};
    assert_int_equal(store_conv_update(s->st, &user1, conv_ids[1], &t, 1700300001, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_update(s->st, &user1, conv_ids[2], &t, 1700300001, NULL, NULL), STORE_FORBIDDEN);
    assert_int_equal(store_workflow_log_fail(s->st, s->org, conv_ids[2], "update", "refused", 1700300002), STORE_OK);
    assert_int_equal(store_workflow_log_fail(s->st, s->org, U1, "update", "x", 1700300002), STORE_NOT_FOUND);
}

/* Renders a list call of each side and compares them; returns the total. */
static int64_t compare_list(fx_t *f, const conv_filter_t *flt, bool user_scope)
{
    char *got[2];
    int64_t total[2];
    side_t *sides[] = {&f->pg, &f->sq};
    for (int i = 0; i < 2; i++) {
        out_t o = {.s = sides[i]};
        buf_init(&o.b);
        store_scope_t sc = {sides[i]->org, user_scope ? U1 : NULL};
        assert_int_equal(store_conv_list(sides[i]->st, &sc, flt, &total[i], out_conv, &o), STORE_OK);
        got[i] = normalized(&o);
        buf_free(&o.b);
    }
    assert_int_equal(total[0], total[1]);
    assert_string_equal(got[0], got[1]);
    free(got[0]);
    free(got[1]);
    return total[0];
}

#define SL(...) ((strlist_t){(const char *[]){__VA_ARGS__}, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)})

static void test_parity(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    for (int i = 0; i < NCONV; i++)
        uuid_v7(conv_ids[i]);
    scenario(&f->pg);
    scenario(&f->sq);

    conv_filter_t base = {.page = 1, .size = 100};
    conv_filter_t cases[24];
    int n = 0;
    cases[n++] = base;
    cases[n] = base, cases[n].size = 7, cases[n].page = 3, n++;
    cases[n] = base, cases[n].size = 7, cases[n].page = 99, n++;
    cases[n] = base, cases[n].archived = CONV_ARCHIVED_INCLUDE, n++;
    cases[n] = base, cases[n].archived = CONV_ARCHIVED_ONLY, n++;
    cases[n] = base, cases[n].has_from = cases[n].has_to = true, cases[n].from = 1700003600,
    cases[n].to = 1700036000, n++;
    cases[n] = base, cases[n].owner_ids = SL("01900000-0000-7000-8000-0000000000a1"), n++;
    cases[n] = base, cases[n].owner_emails = SL("carol@example.com", "nobody@x"), n++;
    cases[n] = base, cases[n].title = "weekly", n++;
    cases[n] = base, cases[n].title = "ü", n++;
    cases[n] = base, cases[n].title = "%", n++;
    cases[n] = base, cases[n].title = "_", n++;
    cases[n] = base, cases[n].title = "\\", n++;
    cases[n] = base, cases[n].participant_emails = SL("alice@example.com"), n++;
    cases[n] = base, cases[n].opportunity_ids = SL("opp-1", "opp-3"), n++;
    cases[n] = base, cases[n].team_ids = SL("01900000-0000-7000-8000-0000000000f1", "x"), n++;
    cases[n] = base, cases[n].crm_values = SL("crm-1"), n++;
    cases[n] = base, cases[n].crm_values = SL("42"), cases[n].crm_entity_code = "opportunity", n++;
    cases[n] = base, cases[n].crm_entity_code = "account", n++;
    cases[n] = base, cases[n].crm_field_name = "flag", cases[n].crm_values = SL("1"), n++;
    cases[n] = base, cases[n].hide_internal = cases[n].hide_empty = true, n++;
    cases[n] = base, cases[n].hide_non_analyzed = true, n++;
    cases[n] = base, cases[n].hide_pending = cases[n].hide_failed = true, n++;
    cases[n] = base, cases[n].size = 0, n++;
    int nonempty = 0;
    for (int i = 0; i < n; i++) {
        nonempty += compare_list(f, &cases[i], false) > 0;
        compare_list(f, &cases[i], true);
    }
    assert_true(nonempty >= n - 2); /* the cases select something (not trivially equal) */

    /* single reads, by id and external id, and the export walk */
    side_t *sides[] = {&f->pg, &f->sq};
    char *got[2];
    for (int i = 0; i < 2; i++) {
        out_t o = {.s = sides[i]};
        buf_init(&o.b);
        store_scope_t sc = {sides[i]->org, NULL};
        for (int k = 0; k < NCONV; k++)
            assert_int_equal(store_conv_get(sides[i]->st, &sc, conv_ids[k], out_conv, &o), STORE_OK);
        assert_int_equal(store_conv_get_by_external_id(sides[i]->st, &sc, "ext-5", out_conv, &o), STORE_OK);
        assert_int_equal(store_conv_get_by_external_id(sides[i]->st, &sc, "ext-0", out_conv, &o), STORE_NOT_FOUND);
        assert_int_equal(store_conv_each(sides[i]->st, sides[i]->org, true, out_conv, &o), STORE_OK);
        assert_int_equal(store_conv_each(sides[i]->st, sides[i]->org, false, out_conv, &o), STORE_OK);
        got[i] = normalized(&o);
        buf_free(&o.b);
    }
    assert_string_equal(got[0], got[1]);
    /* the merge is SQLite's json_patch, byte for byte */
    assert_non_null(strstr(got[0], "\"confirmedExtractedIntelligence\":{\"a\":{\"id\":\"1\"},\"b\":{\"id\":\"9\",\"v\":1.50},\"c\":{}}"));
    free(got[0]);
    free(got[1]);
}

/* ---- workflow logs, keys, users, teams compared ------------------------------ */

typedef struct logs {
    buf_t b;
} logs_t;

static int out_log(void *ctx, const store_workflow_log_t *l)
{
    logs_t *o = ctx;
    buf_printf(&o->b, "%s %s %d %s\n", l->conversation_uuid, l->workflow_name, l->success, l->error);
    return 0;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* s's lines sorted (entry times follow the clock, so only the set is compared here; the
 * order is checked end to end by tests/api/test_workflow_logs.py on both backends). */
static char *sorted_lines(const char *s)
{
    char *copy = strdup(s), *save = NULL;
    assert_non_null(copy);
    char *lines[1024];
    size_t n = 0;
    for (char *l = strtok_r(copy, "\n", &save); l && n < 1024; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, n, sizeof lines[0], cmp_lines);
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s\n", lines[i]);
    free(copy);
    char *out = buf_detach(&b, NULL);
    return out ? out : strdup("");
}

static void test_parity_logs(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    for (int i = 0; i < NCONV; i++)
        uuid_v7(conv_ids[i]);
    scenario(&f->pg);
    scenario(&f->sq);
    store_workflow_filter_t cases[4] = {
        {.success = -1, .limit = 1000},
        {.success = 0, .limit = 1000},
        {.success = 1, .limit = 1000, .has_from = true, .from = 1700100000},
        {.success = -1, .limit = 1000, .conversation_uuids = {(const char *[]){conv_ids[0], conv_ids[2]}, 2}},
    };
    side_t *sides[] = {&f->pg, &f->sq};
    for (int k = 0; k < 4; k++) {
        for (int scope = 0; scope < 2; scope++) {
            char *got[2];
            int64_t total[2];
            for (int i = 0; i < 2; i++) {
                logs_t o;
                buf_init(&o.b);
                store_scope_t sc = {sides[i]->org, scope ? U1 : NULL};
                assert_int_equal(store_workflow_log_list(sides[i]->st, &sc, &cases[k], &total[i], out_log, &o),
                                 STORE_OK);
                got[i] = sorted_lines(o.b.data ? o.b.data : "");
                buf_free(&o.b);
            }
            assert_int_equal(total[0], total[1]);
            assert_string_equal(got[0], got[1]);
            free(got[0]);
            free(got[1]);
        }
    }
}

/* ---- PostgreSQL only ----------------------------------------------------------------- */

static int count_cb(void *ctx, const conv_t *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

/* A connection killed by the server is re-established and the call retried. */
static void test_lost_connection_retried(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    conv_t c;
    for (int i = 0; i < NCONV; i++)
        uuid_v7(conv_ids[i]);
    scenario_conv(&f->pg, 3, &c);
    snprintf(c.user_uuid, sizeof c.user_uuid, "%s", f->pg.admin);
    snprintf(c.team_uuid, sizeof c.team_uuid, "%s", f->pg.team);
    uuid_str_t ex;
    assert_int_equal(store_conv_insert(f->pg.st, &c, ex), STORE_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()",
             f->dbname);
    store_scope_t sc = {f->pg.org, NULL};
    for (int round = 0; round < 3; round++) {
        assert_int_equal(admin_exec(sql), 0);
        int n = 0;
        assert_int_equal(store_conv_get(f->pg.st, &sc, c.uuid, count_cb, &n), STORE_OK);
        assert_int_equal(n, 1);
        assert_int_equal(admin_exec(sql), 0);
        conv_update_t u = {.title = "again", .privacy = CONV_PRIVACY_KEEP, .workflow_name = "update"};
        assert_int_equal(store_conv_update(f->pg.st, &sc, c.uuid, &u, 1700000000, NULL, NULL), STORE_OK);
    }
}

/* No database to reach: STORE_UNAVAILABLE (never a crash), then it recovers. */
static void test_unavailable(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    char sql[256];
    snprintf(sql, sizeof sql, "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS false", f->dbname);
    assert_int_equal(admin_exec(sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()",
             f->dbname);
    assert_int_equal(admin_exec(sql), 0);
    uuid_str_t out;
    assert_int_equal(store_org_resolve(f->pg.st, "Parity", out), STORE_UNAVAILABLE);
    assert_true(store_last_unavailable());
    assert_int_equal(store_team_create(f->pg.st, f->pg.org, "Never", NULL, NULL, out), STORE_UNAVAILABLE);
    snprintf(sql, sizeof sql, "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS true", f->dbname);
    assert_int_equal(admin_exec(sql), 0);
    assert_int_equal(store_org_resolve(f->pg.st, "Parity", out), STORE_OK);
    assert_false(store_last_unavailable());
    assert_string_equal(out, f->pg.org);
    assert_int_equal(store_team_resolve(f->pg.st, f->pg.org, "Never", out), STORE_NOT_FOUND);
    /* an unreachable server at open: NULL with a reason, no password in it */
    store_opts_t o = {.url = "postgresql://u:secret@127.0.0.1:1/x?connect_timeout=2"};
    char err[512];
    assert_null(store_open(&o, err, sizeof err));
    assert_null(strstr(err, "secret"));
    char shown[128];
    store_url_redact(o.url, shown, sizeof shown);
    assert_string_equal(shown, "postgresql://u:***@127.0.0.1:1/x?connect_timeout=2");
    store_url_redact("host=/tmp password=hunter2 dbname=x", shown, sizeof shown);
    assert_string_equal(shown, "host=/tmp password=*** dbname=x");
}

typedef struct racer {
    store_t *st;
    const char *org, *conv;
    int id;
    store_rc_t rc;
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    char patch[64];
    snprintf(patch, sizeof patch, "{\"k%d\":{\"id\":\"%d\"}}", r->id, r->id);
    store_scope_t sc = {r->org, NULL};
    conv_update_t u = {.privacy = CONV_PRIVACY_KEEP, .confirm_intel_json = patch, .workflow_name = "crm_confirmed"};
    r->rc = store_conv_update(r->st, &sc, r->conv, &u, 1700000000, NULL, NULL);
    return NULL;
}

/* Copies the stored confirmedExtractedIntelligence (from the document) into ctx. */
static int grab_intel(void *ctx, const conv_t *row)
{
    arena_t a;
    arena_init(&a);
    conv_t c = *row;
    assert_int_equal(conv_doc_parse(&a, &c), 0);
    snprintf(ctx, 4096, "%s", c.confirmed_intel_json ? c.confirmed_intel_json : "");
    arena_free(&a);
    return 0;
}

/* Concurrent merges through two stores (two "instances", 3 connections each) lose nothing. */
static void test_concurrent_updates(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    store_t *other = open_url(f->url, 3);
    assert_non_null(other);
    conv_t c;
    for (int i = 0; i < NCONV; i++)
        uuid_v7(conv_ids[i]);
    scenario_conv(&f->pg, 0, &c);
    snprintf(c.user_uuid, sizeof c.user_uuid, "%s", f->pg.admin);
    snprintf(c.team_uuid, sizeof c.team_uuid, "%s", f->pg.team);
    c.confirmed_intel_json = "{}";
    uuid_str_t ex;
    assert_int_equal(store_conv_insert(f->pg.st, &c, ex), STORE_OK);
    enum { N = 12 };
    pthread_t th[N];
    racer_t rs[N];
    for (int i = 0; i < N; i++) {
        rs[i] = (racer_t){i % 2 ? other : f->pg.st, f->pg.org, c.uuid, i, STORE_ERROR};
        assert_int_equal(pthread_create(&th[i], NULL, race, &rs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].rc, STORE_OK);
    }
    char intel[4096];
    store_scope_t sc = {f->pg.org, NULL};
    assert_int_equal(store_conv_get(other, &sc, c.uuid, grab_intel, intel), STORE_OK);
    for (int i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof k, "\"k%d\"", i);
        assert_non_null(strstr(intel, k));
    }
    store_close(other);
}

/* ---- conversation_counts (migration 002) ------------------------------------------ */

/* The integer in the first row and column of sql run on url; aborts the test on failure. */
static long long db_int(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        fail_msg("db_int: %s: %s", sql, PQerrorMessage(c));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Keys whose summed deltas differ from the conversations they count: 0 when exact. */
static const char *const COUNT_MISMATCHES =
    "SELECT count(*) FROM (SELECT org_uuid, user_uuid, archived, is_empty, is_private, sum(n) AS s"
    " FROM conversation_counts GROUP BY 1, 2, 3, 4, 5) a"
    " FULL JOIN (SELECT org_uuid, user_uuid, archived, is_empty, is_private, count(*) AS s"
    " FROM conversations GROUP BY 1, 2, 3, 4, 5) b USING (org_uuid, user_uuid, archived, is_empty, is_private)"
    " WHERE coalesce(a.s, 0) <> coalesce(b.s, 0)";

typedef struct toggler {
    store_t *st;
    const char *org;
    int first, n;              /* conversations conv_ids[first .. first+n) */
    int rounds;
    store_rc_t rc;             /* the first failure, or STORE_OK */
} toggler_t;

/* Archives and unarchives its conversations rounds times (each a committed write). */
static void *toggle(void *arg)
{
    toggler_t *t = arg;
    store_scope_t sc = {t->org, NULL};
    t->rc = STORE_OK;
    for (int k = 0; k < t->rounds && t->rc == STORE_OK; k++)
        for (int i = t->first; i < t->first + t->n && t->rc == STORE_OK; i++)
            t->rc = store_conv_set_archived(t->st, &sc, conv_ids[i], k % 2 == 0, 1700500000 + k, NULL, NULL);
    return NULL;
}

typedef struct compactor {
    const char *url;
    atomic_bool *stop;
    int runs;
} compactor_t;

/* Calls parley_compact_conversation_counts() on its own connection until *stop. */
static void *compact_loop(void *arg)
{
    compactor_t *c = arg;
    while (!atomic_load(c->stop)) {
        db_int(c->url, "SELECT parley_compact_conversation_counts()");
        c->runs++;
    }
    return NULL;
}

/* The per-owner counts stay exact through inserts, archives, privacy changes,
 * deletes, TRUNCATE and concurrent writers of the same owners on two stores
 * while compactions run; compaction folds them to one row per key (and runs by itself every 256
 * writes and after a batch); a list without other filters takes its totalRecords from them. */
static void test_conversation_counts(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    for (int i = 0; i < NCONV; i++)
        uuid_v7(conv_ids[i]);
    scenario(&f->pg);
    assert_int_equal(db_int(f->url, COUNT_MISMATCHES), 0);
    assert_true(db_int(f->url, "SELECT count(*) FROM conversation_counts WHERE NOT folded") > 0);

    /* a compaction folds every key into one row and keeps every sum */
    assert_true(db_int(f->url, "SELECT parley_compact_conversation_counts()") > 0);
    assert_int_equal(db_int(f->url, COUNT_MISMATCHES), 0);
    assert_int_equal(db_int(f->url, "SELECT count(*) FROM conversation_counts WHERE NOT folded"), 0);
    assert_int_equal(db_int(f->url, "SELECT count(*) FROM (SELECT 1 FROM conversation_counts"
                                    " GROUP BY org_uuid, user_uuid, archived, is_empty, is_private"
                                    " HAVING count(*) > 1) x"),
                     0);

    /* the list's total comes from the counts exactly when no other filter applies */
    conv_filter_t plain = {.page = 1, .size = 5, .archived = CONV_ARCHIVED_EXCLUDE};
    conv_filter_t internal = plain;
    internal.hide_internal = true;
    store_scope_t org = {f->pg.org, NULL}, user1 = {f->pg.org, U1};
    int64_t t_plain, t_user, t_internal, t;
    assert_int_equal(store_conv_list(f->pg.st, &org, &plain, &t_plain, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_list(f->pg.st, &user1, &plain, &t_user, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t_internal, NULL, NULL), STORE_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n)"
             " VALUES ('%s', '%s', false, false, false, 1000) RETURNING n",
             f->pg.org, f->pg.admin);
    assert_int_equal(db_int(f->url, sql), 1000);
    assert_int_equal(store_conv_list(f->pg.st, &org, &plain, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, t_plain + 1000);
    assert_int_equal(store_conv_list(f->pg.st, &user1, &plain, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, t_user + 1000); /* the admin's non-private conversations are visible to U1 */
    assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, t_internal);
    assert_int_equal(db_int(f->url, "WITH d AS (DELETE FROM conversation_counts WHERE n = 1000 RETURNING 1)"
                                    " SELECT count(*) FROM d"),
                     1);
    assert_int_equal(store_conv_list(f->pg.st, &org, &plain, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, t_plain);

    /* two stores toggle conversations of the same three owners (the same keys)
     * while compactions run: no failure (no deadlock), every sum exact afterwards */
    store_t *other = open_url(f->url, 3);
    assert_non_null(other);
    atomic_bool stop = false;
    compactor_t comp = {f->url, &stop, 0};
    pthread_t ct, th[4];
    assert_int_equal(pthread_create(&ct, NULL, compact_loop, &comp), 0);
    toggler_t tg[4];
    for (int i = 0; i < 4; i++) {
        tg[i] = (toggler_t){i % 2 ? other : f->pg.st, f->pg.org, 12 * i, 12, 8, STORE_ERROR};
        assert_int_equal(pthread_create(&th[i], NULL, toggle, &tg[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(tg[i].rc, STORE_OK);
    }
    atomic_store(&stop, true);
    pthread_join(ct, NULL);
    assert_true(comp.runs > 0);
    store_close(other);
    assert_int_equal(db_int(f->url, COUNT_MISMATCHES), 0);
    assert_int_equal(store_conv_list(f->pg.st, &org, &plain, &t, NULL, NULL), STORE_OK);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM conversations WHERE org_uuid = '%s' AND NOT archived", f->pg.org);
    assert_int_equal(t, db_int(f->url, sql));

    /* 600 writes through one store: it compacted by itself (without, 1,200 delta rows) */
    toggler_t one = {f->pg.st, f->pg.org, 2, 3, 200, STORE_ERROR};
    toggle(&one);
    assert_int_equal(one.rc, STORE_OK);
    assert_true(db_int(f->url, "SELECT count(*) FROM conversation_counts WHERE NOT folded") < 2 * 256);
    assert_int_equal(db_int(f->url, COUNT_MISMATCHES), 0);
    /* a batch (seed, load) is folded as soon as it commits */
    assert_int_equal(store_batch_begin(f->pg.st), STORE_OK);
    one.rounds = 3;
    toggle(&one);
    assert_int_equal(one.rc, STORE_OK);
    assert_int_equal(store_batch_end(f->pg.st, true), STORE_OK);
    assert_int_equal(db_int(f->url, "SELECT count(*) FROM conversation_counts WHERE NOT folded"), 0);
    assert_int_equal(db_int(f->url, COUNT_MISMATCHES), 0);

    /* deleting conversations (one statement, many rows) and TRUNCATE keep the sums */
    snprintf(sql, sizeof sql,
             "WITH d AS (DELETE FROM conversations WHERE org_uuid = '%s' AND user_uuid = '%s' RETURNING 1)"
             " SELECT count(*) FROM d",
             f->pg.org, U2);
    assert_true(db_int(f->url, sql) > 0);
    assert_int_equal(db_int(f->url, COUNT_MISMATCHES), 0);
    db_int(f->url, "SELECT parley_compact_conversation_counts()");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conversation_counts WHERE user_uuid = '%s'", U2);
    assert_int_equal(db_int(f->url, sql), 0); /* keys summing to 0 leave no row */
    assert_int_equal(db_int(f->url, "TRUNCATE conversations CASCADE; SELECT count(*) FROM conversation_counts"), 0);
}

/* A filtered list's count is cached per snapshot (lists.c): it follows every
 * write, through this store or another session, and inside a batch (an open
 * transaction) it is counted, not cached. */
static void test_filtered_count_cache(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    for (int i = 0; i < NCONV; i++)
        uuid_v7(conv_ids[i]);
    scenario(&f->pg);
    conv_filter_t internal = {.page = 1, .size = 5, .archived = CONV_ARCHIVED_EXCLUDE, .hide_internal = true};
    store_scope_t org = {f->pg.org, NULL};
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM conversations WHERE org_uuid = '%s' AND NOT archived AND NOT is_internal", f->pg.org);
    int64_t want = db_int(f->url, sql), t = -1;
    assert_true(want > 2);
    for (int i = 0; i < 2; i++) { /* counted, then the same snapshot again */
        assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t, NULL, NULL), STORE_OK);
        assert_int_equal(t, want);
    }
    /* another session's write: a new snapshot, a new count */
    snprintf(sql, sizeof sql,
             "WITH u AS (UPDATE conversations SET is_internal = true WHERE id = (SELECT min(id) FROM conversations"
             " WHERE org_uuid = '%s' AND NOT archived AND NOT is_internal) RETURNING 1) SELECT count(*) FROM u",
             f->pg.org);
    assert_int_equal(db_int(f->url, sql), 1);
    assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, want - 1);
    /* this store's own write */
    int k = -1;
    for (int i = 0; i < NCONV && k < 0; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM conversations WHERE uuid = '%s' AND NOT archived AND NOT is_internal", conv_ids[i]);
        if (db_int(f->url, sql) == 1)
            k = i;
    }
    assert_true(k >= 0);
    assert_int_equal(store_conv_set_archived(f->pg.st, &org, conv_ids[k], true, 1800000100, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, want - 2);
    /* inside a batch the open transaction's own writes count */
    assert_int_equal(store_batch_begin(f->pg.st), STORE_OK);
    assert_int_equal(store_conv_set_archived(f->pg.st, &org, conv_ids[k], false, 1800000200, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, want - 1);
    assert_int_equal(store_batch_end(f->pg.st, false), STORE_OK); /* rolled back */
    assert_int_equal(store_conv_list(f->pg.st, &org, &internal, &t, NULL, NULL), STORE_OK);
    assert_int_equal(t, want - 2);
}

/* A batch rolled back leaves nothing; nesting is refused; schema version is reported. */
static void test_batch_and_version(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    assert_true(store_schema_version(f->pg.st) >= 1);
    assert_int_equal(store_batch_begin(f->pg.st), STORE_OK);
    assert_int_equal(store_batch_begin(f->pg.st), STORE_ERROR);
    uuid_str_t t;
    assert_int_equal(store_team_create(f->pg.st, f->pg.org, "Temp", NULL, NULL, t), STORE_OK);
    assert_int_equal(store_team_create(f->pg.st, f->pg.org, "Temp", NULL, NULL, t), STORE_CONFLICT);
    assert_int_equal(store_batch_end(f->pg.st, false), STORE_OK);
    assert_int_equal(store_batch_end(f->pg.st, true), STORE_ERROR);
    assert_int_equal(store_team_resolve(f->pg.st, f->pg.org, "Temp", t), STORE_NOT_FOUND);
    /* keys: create, get, list, revoke */
    key_hash_t h;
    memset(h, 7, sizeof h);
    uuid_str_t kid;
    assert_int_equal(store_key_create(f->pg.st, f->pg.org, NULL, true, "k", h, "abcd", kid), STORE_OK);
    assert_int_equal(store_key_create(f->pg.st, f->pg.org, NULL, true, "k", h, "abcd", kid), STORE_CONFLICT);
    store_key_t k;
    assert_int_equal(store_key_lookup(f->pg.st, h, &k), STORE_OK);
    assert_string_equal(k.user_uuid, f->pg.admin);
    assert_true(k.org_level);
    store_key_info_t ki;
    assert_int_equal(store_key_get(f->pg.st, f->pg.org, kid, &ki), STORE_OK);
    assert_string_equal(ki.last4, "abcd");
    assert_int_equal(store_key_revoke(f->pg.st, f->pg.org, kid), STORE_OK);
    assert_int_equal(store_key_revoke(f->pg.st, f->pg.org, kid), STORE_NOT_FOUND);
    assert_int_equal(store_key_lookup(f->pg.st, h, &k), STORE_NOT_FOUND);
    assert_int_equal(store_key_get(f->pg.st, f->pg.org, "not-a-key\xff", &ki), STORE_NOT_FOUND);
}

/* ---- organization administration, snippets, the library (beyond.md §1, §4, §5) ------------------ */

/* Collects folders as "name:elements/folders[h]" lines. */
static int out_folder(void *ctx, const store_folder_t *fo)
{
    buf_printf(ctx, "%s:%lld/%lld%s\n", fo->name, (long long)fo->total_elements, (long long)fo->total_folders,
               fo->hidden ? "h" : "");
    return 0;
}

/* Copies the snippet a lookup hands over (strings into the test's buffers). */
typedef struct snip_copy {
    store_snippet_t s;
    char title[64], notes[64];
} snip_copy_t;

static int copy_snippet(void *ctx, const store_snippet_t *sn)
{
    snip_copy_t *c = ctx;
    c->s = *sn;
    snprintf(c->title, sizeof c->title, "%s", sn->title);
    snprintf(c->notes, sizeof c->notes, "%s", sn->notes);
    c->s.title = c->title;
    c->s.notes = c->notes;
    return 0;
}

/* The same changes on one side, with the same answers on both. */
static void admin_scenario(side_t *d, const char *code)
{
    store_t *st = d->st;
    uuid_str_t t1, t2, t3, u, other_org, other_admin, other_team;
    assert_int_equal(store_team_create(st, d->org, "T1", NULL, NULL, t1), STORE_OK);
    assert_int_equal(store_team_create(st, d->org, "T2", t1, NULL, t2), STORE_OK);
    assert_int_equal(store_team_create(st, d->org, "T3", NULL, NULL, t3), STORE_OK);
    assert_int_equal(store_org_create(st, "Other", "x@other.example", other_org, other_admin, other_team), STORE_OK);
    store_org_t o;
    assert_int_equal(store_org_get(st, d->org, &o), STORE_OK);
    assert_string_equal(o.name, "Parity");
    assert_int_equal(store_org_get(st, "01900000-0000-7000-8000-000000000000", &o), STORE_NOT_FOUND);

    /* a user in three teams; a team of another organization is refused */
    const char *more[] = {t2, t3};
    store_user_new_t n = {.org_uuid = d->org, .email = "u@parity.example", .first_name = "Una", .team_uuid = t1,
                          .more_teams = more, .n_more_teams = 2, .seat_type = "listener", .role = "manager"};
    assert_int_equal(store_user_create(st, &n, u), STORE_OK);
    const char *foreign[] = {other_team};
    store_user_new_t bad = {.org_uuid = d->org, .email = "v@parity.example", .more_teams = foreign, .n_more_teams = 1};
    uuid_str_t v;
    assert_int_equal(store_user_create(st, &bad, v), STORE_NOT_FOUND);
    store_user_t got;
    assert_int_equal(store_user_resolve(st, d->org, u, &got), STORE_OK);
    assert_string_equal(got.role, "manager");
    assert_string_equal(got.seat_type, "listener");
    assert_string_equal(got.primary_team_uuid, t1);

    /* change it: names, bot, deals, role; leave the primary team (the earliest left becomes primary) */
    const char *rm[] = {t1};
    store_user_change_t ch = {.first_name = "Uma", .bot_name = "Bot", .deals_enabled = 1, .role = "member",
                              .teams_remove = rm, .n_remove = 1};
    assert_int_equal(store_user_update(st, d->org, u, &ch), STORE_OK);
    assert_int_equal(store_user_resolve(st, d->org, u, &got), STORE_OK);
    assert_string_equal(got.first_name, "Uma");
    assert_string_equal(got.bot_name, "Bot");
    assert_true(got.deals_enabled);
    assert_string_equal(got.role, "member");
    assert_string_equal(got.primary_team_uuid, t2);
    store_user_change_t clear = {.bot_name = "", .deals_enabled = -1, .teams_add = rm, .n_add = 1, .primary_team = t1};
    assert_int_equal(store_user_update(st, d->org, u, &clear), STORE_OK);
    assert_int_equal(store_user_resolve(st, d->org, u, &got), STORE_OK);
    assert_string_equal(got.bot_name, "");
    assert_true(got.deals_enabled);
    assert_string_equal(got.primary_team_uuid, t1);
    const char *all3[] = {t1, t2, t3};
    store_user_change_t none = {.deals_enabled = -1, .teams_remove = all3, .n_remove = 3};
    assert_int_equal(store_user_update(st, d->org, u, &none), STORE_FORBIDDEN);
    store_user_change_t demote = {.deals_enabled = -1, .role = "manager"};
    assert_int_equal(store_user_update(st, d->org, d->admin, &demote), STORE_CONFLICT);
    assert_int_equal(store_user_update(st, other_org, u, &demote), STORE_NOT_FOUND);
    assert_int_equal(store_user_update(st, d->org, "nope", &demote), STORE_NOT_FOUND);

    /* teams: a cycle, a taken name, a move to the top */
    assert_int_equal(store_team_update(st, d->org, t1, NULL, t2), STORE_FORBIDDEN);
    assert_int_equal(store_team_update(st, d->org, t1, NULL, t1), STORE_FORBIDDEN);
    assert_int_equal(store_team_update(st, d->org, t3, "T1", NULL), STORE_CONFLICT);
    assert_int_equal(store_team_update(st, d->org, t3, "T3b", t2), STORE_OK);
    assert_int_equal(store_team_update(st, d->org, t3, NULL, other_team), STORE_NOT_FOUND);
    assert_int_equal(store_team_update(st, other_org, t3, "x", NULL), STORE_NOT_FOUND);
    store_team_t tt;
    assert_int_equal(store_team_get(st, d->org, t3, &tt), STORE_OK);
    assert_string_equal(tt.name, "T3b");
    assert_string_equal(tt.parent_uuid, t2);
    assert_int_equal(store_team_update(st, d->org, t3, NULL, ""), STORE_OK);
    assert_int_equal(store_team_get(st, d->org, t3, &tt), STORE_OK);
    assert_string_equal(tt.parent_uuid, "");

    /* snippets into the library */
    store_snippet_t sn = {.title = "T", .notes = "N", .start_time = 1.25, .end_time = 3, .duration = 1.75,
                          .internal = true, .has_reference = true, .ref_char_start = 1, .ref_char_end = 2,
                          .ref_version = "V2", .in_library = true, .created_at = 1700000000123};
    snprintf(sn.uuid, sizeof sn.uuid, "%s", "01900000-0000-7000-8000-0000000000e1");
    snprintf(sn.org_uuid, sizeof sn.org_uuid, "%s", d->org);
    snprintf(sn.user_uuid, sizeof sn.user_uuid, "%s", u);
    snprintf(sn.conversation_uuid, sizeof sn.conversation_uuid, "%s", "01900000-0000-7000-8000-0000000000c1");
    snprintf(sn.share_code, sizeof sn.share_code, "%s", code);
    assert_int_equal(store_snippet_create(st, &sn, "/A/B", 1700000000), STORE_OK);
    assert_int_equal(store_snippet_create(st, &sn, "/A/B", 1700000000), STORE_CONFLICT);
    snprintf(sn.uuid, sizeof sn.uuid, "%s", "01900000-0000-7000-8000-0000000000e2");
    snprintf(sn.share_code, sizeof sn.share_code, "%sX", code);
    sn.has_reference = false;
    assert_int_equal(store_snippet_create(st, &sn, "/A", 1700000000), STORE_OK);
    snprintf(sn.uuid, sizeof sn.uuid, "%s", "01900000-0000-7000-8000-0000000000e3");
    snprintf(sn.share_code, sizeof sn.share_code, "%sY", code);
    sn.my_library = true;
    assert_int_equal(store_snippet_create(st, &sn, "/Mine", 1700000000), STORE_OK);
    uuid_str_t hidden;
    assert_int_equal(store_folder_ensure(st, d->org, "", "/Z/Hidden", d->admin, true, 1, hidden), STORE_OK);
    snip_copy_t c;
    assert_int_equal(store_snippet_by_code(st, code, copy_snippet, &c), STORE_OK);
    assert_string_equal(c.s.org_uuid, d->org);
    assert_string_equal(c.title, "T");
    assert_true(c.s.start_time == 1.25 && c.s.end_time == 3 && c.s.duration == 1.75);
    assert_true(c.s.internal && !c.s.notify_views && c.s.has_reference && c.s.in_library && !c.s.my_library);
    assert_int_equal(c.s.ref_char_end, 2);
    assert_string_equal(c.s.ref_version, "V2");
    assert_int_equal(c.s.created_at, 1700000000123);
    assert_true(c.s.folder_uuid[0]);
    assert_int_equal(store_snippet_by_code(st, "nope", copy_snippet, &c), STORE_NOT_FOUND);
    buf_t b;
    buf_init(&b);
    assert_int_equal(store_folder_children(st, d->org, "", "", false, out_folder, &b), STORE_OK);
    assert_string_equal(b.data, "A:1/1\nZ:0/0\n");
    buf_reset(&b);
    assert_int_equal(store_folder_children(st, d->org, "", "", true, out_folder, &b), STORE_OK);
    assert_string_equal(b.data, "A:1/1\nZ:0/1\n");
    buf_reset(&b);
    assert_int_equal(store_folder_children(st, d->org, u, "", false, out_folder, &b), STORE_OK);
    assert_string_equal(b.data, "Mine:1/0\n");
    store_folder_t fo;
    assert_int_equal(store_folder_get(st, d->org, c.s.folder_uuid, &fo), STORE_OK);
    assert_string_equal(fo.path, "/A/B");
    assert_string_equal(fo.name, "B");
    assert_string_equal(fo.user_uuid, u);
    buf_reset(&b);
    assert_int_equal(store_folder_children(st, d->org, "", fo.parent_uuid, false, out_folder, &b), STORE_OK);
    assert_string_equal(b.data, "B:1/0\n");
    buf_free(&b);
    assert_int_equal(store_folder_get(st, other_org, c.s.folder_uuid, &fo), STORE_NOT_FOUND);
    assert_int_equal(store_folder_get(st, d->org, "x", &fo), STORE_NOT_FOUND);

    /* delete the user: gone from lookups and teams, its keys revoked, its email free; the last admin stays */
    key_hash_t h;
    memset(h, code[0], sizeof h);
    uuid_str_t kid;
    assert_int_equal(store_key_create(st, d->org, u, false, "k", h, "abcd", kid), STORE_OK);
    assert_int_equal(store_user_delete(st, d->org, u, 1700000100), STORE_OK);
    assert_int_equal(store_user_delete(st, d->org, u, 1700000100), STORE_NOT_FOUND);
    store_key_t k;
    assert_int_equal(store_key_lookup(st, h, &k), STORE_NOT_FOUND);
    assert_int_equal(store_user_resolve(st, d->org, u, &got), STORE_NOT_FOUND);
    assert_int_equal(store_user_resolve(st, d->org, "u@parity.example", &got), STORE_NOT_FOUND);
    store_user_new_t again = {.org_uuid = d->org, .email = "U@parity.example"};
    assert_int_equal(store_user_create(st, &again, v), STORE_OK);
    assert_string_not_equal(v, u);
    assert_int_equal(store_user_delete(st, d->org, d->admin, 1), STORE_CONFLICT);
    assert_int_equal(store_user_delete(st, other_org, v, 1), STORE_NOT_FOUND);
    assert_int_equal(store_org_delete(st, other_org), STORE_OK);
}

static void test_parity_admin_library(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    admin_scenario(&f->pg, "pppppppppppppppppppppp");
    admin_scenario(&f->sq, "ssssssssssssssssssssss");
}

/* Two admins deleting each other at once: one of them stays (the organization keeps an admin). */
typedef struct del_arg {
    store_t *st;
    const char *org, *user;
    store_rc_t rc;
} del_arg_t;

static void *del_main(void *p)
{
    del_arg_t *a = p;
    a->rc = store_user_delete(a->st, a->org, a->user, 1);
    return NULL;
}

static void test_concurrent_last_admin(void **state)
{
    PG_REQUIRED();
    fx_t *f = *state;
    side_t *sides[] = {&f->pg, &f->sq};
    for (int s = 0; s < 2; s++) {
        for (int round = 0; round < 10; round++) {
            uuid_str_t second;
            char email[64];
            snprintf(email, sizeof email, "second%d@parity.example", round);
            store_user_new_t n = {.org_uuid = sides[s]->org, .email = email, .role = "admin"};
            assert_int_equal(store_user_create(sides[s]->st, &n, second), STORE_OK);
            store_user_t first;
            assert_int_equal(store_org_admin(sides[s]->st, sides[s]->org, &first), STORE_OK);
            del_arg_t a[2] = {{sides[s]->st, sides[s]->org, first.uuid, STORE_ERROR},
                              {sides[s]->st, sides[s]->org, second, STORE_ERROR}};
            pthread_t th[2];
            for (int i = 0; i < 2; i++)
                assert_int_equal(pthread_create(&th[i], NULL, del_main, &a[i]), 0);
            for (int i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
            assert_true((a[0].rc == STORE_OK) != (a[1].rc == STORE_OK));
            assert_int_equal(a[0].rc == STORE_OK ? a[1].rc : a[0].rc, STORE_CONFLICT);
            assert_int_equal(store_org_admin(sides[s]->st, sides[s]->org, &first), STORE_OK);
        }
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parity, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_parity_logs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lost_connection_retried, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unavailable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_updates, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch_and_version, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_conversation_counts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_filtered_count_cache, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_parity_admin_library, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_last_admin, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
