/* test_store_updates.c - unit tests for conversation changes and workflow logs in the SQLite store (store_conv_update, store_workflow_log_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include "lib/ptime.h"
#include "store/store.h"

/* A time after every import entry of a test (imports log the real clock). */
static int64_t T0;

/* ---- fixture: a fresh database with two organizations ---------------------- */

typedef struct fx {
    char dir[64];
    char path[128];
    store_t *st;
    uuid_str_t org, admin, team;   /* Acme */
    uuid_str_t alice, bob;         /* members of Acme */
    uuid_str_t org2, admin2, team2; /* Other */
} fx_t;

static store_t *open_store(const char *path, store_durability_t d)
{
    store_opts_t o = {.url = path, .durability = d};
    char err[256] = "";
    store_t *st = store_open(&o, err, sizeof(err));
    if (!st)
        fprintf(stderr, "store_open(%s): %s\n", path, err);
    return st;
}

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/parley_upd_test_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    f->st = open_store(f->path, STORE_DURABILITY_NORMAL);
    assert_non_null(f->st);
    T0 = ptime_now_ms() + 100000000; /* times are milliseconds */
    assert_int_equal(store_org_create(f->st, "Acme", "admin@acme.test", f->org, f->admin, f->team), STORE_OK);
    assert_int_equal(store_org_create(f->st, "Other", "admin@other.test", f->org2, f->admin2, f->team2), STORE_OK);
    store_user_new_t u = {.org_uuid = f->org, .email = "alice@acme.test"};
    assert_int_equal(store_user_create(f->st, &u, f->alice), STORE_OK);
    u.email = "bob@acme.test";
    assert_int_equal(store_user_create(f->st, &u, f->bob), STORE_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    char p[160];
    store_close(f->st);
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* One integer from a query run on a separate connection. */
static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* Inserts a conversation of org owned by user; out receives its uuid. */
static void add_conv(fx_t *f, const char *org, const char *user, const char *team, bool is_private,
                     const char *confirmed_json, uuid_str_t out)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    uuid_v7(c.uuid);
    snprintf(c.org_uuid, sizeof c.org_uuid, "%s", org);
    snprintf(c.user_uuid, sizeof c.user_uuid, "%s", user);
    snprintf(c.team_uuid, sizeof c.team_uuid, "%s", team);
    c.created_at = 1000;
    c.title = "Original";
    c.is_private = is_private;
    c.labels_json = "{\"old\":\"x\"}";
    c.confirmed_intel_json = confirmed_json;
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    memcpy(out, c.uuid, sizeof(uuid_str_t));
}

/* The state a callback sees, copied. */
typedef struct snap {
    int calls;
    char title[600];
    bool is_private;
    char labels[4096];
    char crm[1024];
    char opp[256];
    char confirmed[16384];
} snap_t;

static void cp(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "(null)");
}

/* Copies what the store gives back, its fields filled from the stored
 * document (conv_doc_parse) as a writer sees them. */
static int take(void *ctx, const conv_t *row)
{
    snap_t *s = ctx;
    arena_t a;
    arena_init(&a);
    conv_t parsed = *row, *c = &parsed;
    assert_int_equal(conv_doc_parse(&a, c), 0);
    s->calls++;
    cp(s->title, sizeof s->title, c->title);
    s->is_private = c->is_private;
    cp(s->labels, sizeof s->labels, c->labels_json);
    cp(s->crm, sizeof s->crm, c->linked_crm_json);
    cp(s->opp, sizeof s->opp, c->external_opportunity_json);
    cp(s->confirmed, sizeof s->confirmed, c->confirmed_intel_json);
    arena_free(&a);
    return 0;
}

static int fail_cb(void *ctx, const conv_t *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 1;
}

static conv_update_t upd(const char *workflow)
{
    return (conv_update_t){.privacy = CONV_PRIVACY_KEEP, .workflow_name = workflow};
}

/* Collected workflow-log entries. */
typedef struct logs {
    int n;
    char names[64][40];
    uuid_str_t convs[64];
    bool success[64];
    char errors[64][160];
    int64_t at[64];
} logs_t;

static int take_log(void *ctx, const store_workflow_log_t *l)
{
    logs_t *g = ctx;
    if (g->n < 64) {
        cp(g->names[g->n], sizeof g->names[0], l->workflow_name);
        memcpy(g->convs[g->n], l->conversation_uuid, sizeof(uuid_str_t));
        g->success[g->n] = l->success;
        cp(g->errors[g->n], sizeof g->errors[0], l->error);
        g->at[g->n] = l->created_at;
    }
    g->n++;
    return 0;
}

static store_workflow_filter_t all_logs(void)
{
    return (store_workflow_filter_t){.success = -1, .limit = 1000};
}

/* Lists with f in scope sc into g (reset first); returns total. */
static int64_t list_logs(fx_t *f, const store_scope_t *sc, const store_workflow_filter_t *flt, logs_t *g)
{
    int64_t total = -1;
    memset(g, 0, sizeof *g);
    assert_int_equal(store_workflow_log_list(f->st, sc, flt, &total, take_log, g), STORE_OK);
    return total;
}

/* ---- the changes ------------------------------------------------------------ */

static void test_update_each_field(void **state)
{
    fx_t *f = *state;
    store_scope_t sc = {.org_uuid = f->org};
    uuid_str_t id;
    add_conv(f, f->org, f->alice, f->team, false, NULL, id);
    snap_t s = {0};

    conv_update_t u = upd("title_changed");
    u.title = "Renamed \xc3\xa9";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 0, take, &s), STORE_OK);
    assert_int_equal(s.calls, 1);
    assert_string_equal(s.title, "Renamed \xc3\xa9");
    assert_string_equal(s.labels, "{\"old\":\"x\"}"); /* untouched */
    assert_false(s.is_private);

    u = upd("labels_changed");
    u.labels_json = "{\"Stage\":\"Won\"}";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 1, take, &s), STORE_OK);
    assert_string_equal(s.labels, "{\"Stage\":\"Won\"}");
    assert_string_equal(s.title, "Renamed \xc3\xa9");

    /* the title filter sees the new title at once */
    conv_filter_t flt = {.page = 1, .size = 10, .title = "renamed", .archived = CONV_ARCHIVED_INCLUDE};
    int64_t total = 0;
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 1);
    flt.title = "original";
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 0);

    u = upd("privacy_changed");
    u.privacy = CONV_PRIVACY_TOGGLE;
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 2, take, &s), STORE_OK);
    assert_true(s.is_private);
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 3, take, &s), STORE_OK);
    assert_false(s.is_private);
    u.privacy = CONV_PRIVACY_PRIVATE;
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 4, take, &s), STORE_OK);
    assert_true(s.is_private);
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 5, take, &s), STORE_OK);
    assert_true(s.is_private);
    u.privacy = CONV_PRIVACY_PUBLIC;
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 6, take, &s), STORE_OK);
    assert_false(s.is_private);

    u = upd("linked_crm_records_changed");
    u.linked_crm_json = "[{\"id\":\"001\",\"code\":\"account\"}]";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 7, take, &s), STORE_OK);
    assert_string_equal(s.crm, "[{\"id\":\"001\",\"code\":\"account\"}]");
    /* the CRM filter reads the new set */
    flt = (conv_filter_t){.page = 1, .size = 10, .crm_entity_code = "account", .archived = CONV_ARCHIVED_INCLUDE};
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 1);

    u = upd("opportunity_changed");
    u.external_opportunity_json = "{\"uuid\":\"opp-1\",\"title\":\"\"}";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 8, take, &s), STORE_OK);
    assert_string_equal(s.opp, "{\"uuid\":\"opp-1\",\"title\":\"\"}");
    /* the derived opportunity column follows */
    flt = (conv_filter_t){.page = 1, .size = 10, .opportunity_ids = {(const char *[]){"opp-1"}, 1},
                          .archived = CONV_ARCHIVED_INCLUDE};
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 1);
    u.external_opportunity_json = "{}";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 9, take, &s), STORE_OK);
    assert_string_equal(s.opp, "(null)"); /* no opportunity renders null (beyond.md §0) */
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 0);

    /* both at once (PUT /conversations/{id}) */
    u = upd("updated");
    u.title = "Both";
    u.labels_json = "{}";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, T0 + 10, take, &s), STORE_OK);
    assert_string_equal(s.title, "Both");
    assert_string_equal(s.labels, "{}");
    assert_string_equal(s.crm, "[{\"id\":\"001\",\"code\":\"account\"}]");

    /* a get sees the same */
    snap_t g = {0};
    assert_int_equal(store_conv_get(f->st, &sc, id, take, &g), STORE_OK);
    assert_string_equal(g.title, "Both");
    assert_false(g.is_private);

    /* one entry per change, newest first */
    logs_t l;
    store_workflow_filter_t all = all_logs();
    all.conversation_uuids = (strlist_t){(const char *[]){id}, 1};
    assert_int_equal(list_logs(f, &sc, &all, &l), 12);
    static const char *want[] = {"updated", "opportunity_changed", "opportunity_changed", "linked_crm_records_changed",
                                 "privacy_changed", "privacy_changed", "privacy_changed", "privacy_changed",
                                 "privacy_changed", "labels_changed", "title_changed", "import"};
    for (int i = 0; i < 12; i++) {
        assert_string_equal(l.names[i], want[i]);
        assert_true(l.success[i]);
        assert_string_equal(l.errors[i], "");
        assert_string_equal(l.convs[i], id);
    }
    assert_int_equal(l.at[0], T0 + 10);
    assert_int_equal(l.at[10], T0 + 0);
}

static void test_confirm_merge(void **state)
{
    fx_t *f = *state;
    store_scope_t sc = {.org_uuid = f->org};
    uuid_str_t id, empty;
    add_conv(f, f->org, f->alice, f->team, false,
             "{\"a\":{\"id\":\"1\",\"key\":\"a\",\"value\":\"A\",\"title\":\"\",\"category\":\"\",\"source\":\"\"},"
             "\"b\":{\"id\":\"2\",\"key\":\"b\",\"value\":\"B\",\"title\":\"\",\"category\":\"\",\"source\":\"\","
             "\"extra\":true}}",
             id);
    add_conv(f, f->org, f->alice, f->team, false, NULL, empty);
    snap_t s = {0};
    conv_update_t u = upd("crm_confirmed");
    u.confirm_intel_json = "{\"b\":{\"id\":\"9\",\"key\":\"b\",\"value\":\"B2\",\"title\":\"T\",\"category\":\"\","
                           "\"source\":\"\"},"
                           "\"c\":{\"id\":\"3\",\"key\":\"c\",\"value\":3,\"title\":\"\",\"category\":\"\",\"source\":\"\"}}";
    assert_int_equal(store_conv_update(f->st, &sc, id, &u, 3000, take, &s), STORE_OK);
    /* a kept, b replaced whole (its extra member gone), c added */
    assert_string_equal(s.confirmed,
                        "{\"a\":{\"id\":\"1\",\"key\":\"a\",\"value\":\"A\",\"title\":\"\",\"category\":\"\",\"source\":\"\"},"
                        "\"b\":{\"id\":\"9\",\"key\":\"b\",\"value\":\"B2\",\"title\":\"T\",\"category\":\"\",\"source\":\"\"},"
                        "\"c\":{\"id\":\"3\",\"key\":\"c\",\"value\":3,\"title\":\"\",\"category\":\"\",\"source\":\"\"}}");
    assert_string_equal(s.opp, "(null)"); /* not asked for */

    /* onto nothing stored, with an opportunity */
    u.external_opportunity_json = "{\"uuid\":\"o-7\",\"title\":\"\"}";
    u.confirm_intel_json = "{\"k\":{\"id\":\"\",\"key\":\"k\",\"value\":true,\"title\":\"\",\"category\":\"\","
                           "\"source\":\"\"}}";
    assert_int_equal(store_conv_update(f->st, &sc, empty, &u, 3001, take, &s), STORE_OK);
    assert_string_equal(s.confirmed,
                        "{\"k\":{\"id\":\"\",\"key\":\"k\",\"value\":true,\"title\":\"\",\"category\":\"\",\"source\":\"\"}}");
    assert_string_equal(s.opp, "{\"uuid\":\"o-7\",\"title\":\"\"}");
    /* an empty object changes nothing but is still an event */
    u.external_opportunity_json = NULL;
    u.confirm_intel_json = "{}";
    assert_int_equal(store_conv_update(f->st, &sc, empty, &u, 3002, take, &s), STORE_OK);
    assert_string_equal(s.confirmed,
                        "{\"k\":{\"id\":\"\",\"key\":\"k\",\"value\":true,\"title\":\"\",\"category\":\"\",\"source\":\"\"}}");
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name = 'crm_confirmed'"), 3);
}

static void test_update_scope(void **state)
{
    fx_t *f = *state;
    store_scope_t org = {.org_uuid = f->org};
    store_scope_t alice = {.org_uuid = f->org, .user_uuid = f->alice};
    store_scope_t bob = {.org_uuid = f->org, .user_uuid = f->bob};
    store_scope_t other = {.org_uuid = f->org2};
    uuid_str_t pub, priv;
    add_conv(f, f->org, f->alice, f->team, false, NULL, pub);
    add_conv(f, f->org, f->alice, f->team, true, NULL, priv);
    conv_update_t u = upd("title_changed");
    u.title = "by someone";
    snap_t s = {0};
    int64_t before = raw_int(f->path, "SELECT count(*) FROM workflow_logs");

    assert_int_equal(store_conv_update(f->st, &bob, pub, &u, 4000, take, &s), STORE_FORBIDDEN);
    assert_int_equal(store_conv_update(f->st, &bob, priv, &u, 4000, take, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_update(f->st, &other, pub, &u, 4000, take, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_update(f->st, &org, "not-a-uuid", &u, 4000, take, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_update(f->st, &org, "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", &u, 4000, take, &s),
                     STORE_NOT_FOUND);
    assert_int_equal(s.calls, 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE title = 'by someone'"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), before);

    /* a failing callback rolls the change and its entry back */
    int calls = 0;
    assert_int_equal(store_conv_update(f->st, &org, pub, &u, 4000, fail_cb, &calls), STORE_ERROR);
    assert_int_equal(calls, 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE title = 'by someone'"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), before);
    /* a missing workflow name is a caller bug */
    conv_update_t bad = u;
    bad.workflow_name = NULL;
    assert_int_equal(store_conv_update(f->st, &org, pub, &bad, 4000, NULL, NULL), STORE_ERROR);

    /* the owner (user-level) and the org may; upper-case ids work; no callback is fine */
    char upper[40];
    snprintf(upper, sizeof upper, "%s", priv);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(store_conv_update(f->st, &alice, upper, &u, 4001, take, &s), STORE_OK);
    assert_string_equal(s.title, "by someone");
    assert_int_equal(store_conv_update(f->st, &org, pub, &u, 4002, NULL, NULL), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE title = 'by someone'"), 2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), before + 2);

    /* the owner making it private hides it from bob: then NOT_FOUND, not FORBIDDEN */
    u = upd("privacy_changed");
    u.privacy = CONV_PRIVACY_PRIVATE;
    assert_int_equal(store_conv_update(f->st, &alice, pub, &u, 4003, take, &s), STORE_OK);
    assert_int_equal(store_conv_update(f->st, &bob, pub, &u, 4004, take, &s), STORE_NOT_FOUND);
}

/* ---- the log ------------------------------------------------------------------ */

static void test_log_fail_and_list(void **state)
{
    fx_t *f = *state;
    store_scope_t org = {.org_uuid = f->org};
    store_scope_t bob = {.org_uuid = f->org, .user_uuid = f->bob};
    store_scope_t other = {.org_uuid = f->org2};
    uuid_str_t pub, priv, foreign;
    add_conv(f, f->org, f->alice, f->team, false, NULL, pub);   /* import entry */
    add_conv(f, f->org, f->alice, f->team, true, NULL, priv);   /* import entry */
    add_conv(f, f->org2, f->admin2, f->team2, false, NULL, foreign);

    assert_int_equal(store_workflow_log_fail(f->st, f->org, pub, "title_changed", "forbidden: nope", T0), STORE_OK);
    assert_int_equal(store_workflow_log_fail(f->st, f->org, foreign, "title_changed", "x", T0), STORE_NOT_FOUND);
    assert_int_equal(store_workflow_log_fail(f->st, f->org, "zzz", "title_changed", "x", T0), STORE_NOT_FOUND);
    assert_int_equal(store_workflow_log_fail(f->st, f->org, "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", "archive", NULL, T0),
                     STORE_NOT_FOUND);
    conv_update_t u = upd("labels_changed");
    u.labels_json = "{}";
    assert_int_equal(store_conv_update(f->st, &org, priv, &u, T0 + 1000, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_update(f->st, &org, pub, &u, T0 + 2000, NULL, NULL), STORE_OK);

    logs_t l;
    store_workflow_filter_t flt = all_logs();
    /* org-level: 2 imports (the real clock) + the failure + 2 changes, newest first */
    assert_int_equal(list_logs(f, &org, &flt, &l), 5);
    assert_string_equal(l.names[0], "labels_changed");
    assert_string_equal(l.convs[0], pub);
    assert_int_equal(l.at[0], T0 + 2000);
    assert_string_equal(l.names[1], "labels_changed");
    assert_string_equal(l.convs[1], priv);
    assert_string_equal(l.names[2], "title_changed");
    assert_false(l.success[2]);
    assert_string_equal(l.names[3], "import");
    assert_string_equal(l.names[4], "import");
    assert_true(l.at[3] >= l.at[4] && l.at[4] < T0);
    /* the failure entry */
    flt.success = 0;
    assert_int_equal(list_logs(f, &org, &flt, &l), 1);
    assert_false(l.success[0]);
    assert_string_equal(l.errors[0], "forbidden: nope");
    assert_string_equal(l.names[0], "title_changed");
    assert_int_equal(l.at[0], T0);
    flt.success = 1;
    assert_int_equal(list_logs(f, &org, &flt, &l), 4);
    for (int i = 0; i < l.n; i++)
        assert_string_equal(l.errors[i], "");

    /* user-level: not the private conversation's entries */
    flt = all_logs();
    assert_int_equal(list_logs(f, &bob, &flt, &l), 3);
    for (int i = 0; i < l.n; i++)
        assert_string_equal(l.convs[i], pub);
    /* another organization sees only its own */
    assert_int_equal(list_logs(f, &other, &flt, &l), 1);
    assert_string_equal(l.convs[0], foreign);

    /* conversation filter, time window (inclusive), paging */
    flt.conversation_uuids = (strlist_t){(const char *[]){priv, foreign}, 2};
    assert_int_equal(list_logs(f, &org, &flt, &l), 2);
    for (int i = 0; i < l.n; i++)
        assert_string_equal(l.convs[i], priv);
    flt = all_logs();
    flt.has_from = flt.has_to = true;
    flt.from = T0;
    flt.to = T0 + 1000;
    assert_int_equal(list_logs(f, &org, &flt, &l), 2);
    assert_string_equal(l.names[0], "labels_changed");
    assert_int_equal(l.at[0], T0 + 1000);
    assert_int_equal(l.at[1], T0);
    flt.from = T0 + 1;
    flt.to = T0 + 999;
    assert_int_equal(list_logs(f, &org, &flt, &l), 0);
    assert_int_equal(l.n, 0);
    flt.has_to = false;
    assert_int_equal(list_logs(f, &org, &flt, &l), 2);
    flt = all_logs();
    flt.limit = 2;
    flt.offset = 1;
    assert_int_equal(list_logs(f, &org, &flt, &l), 5);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.convs[0], priv);
    assert_string_equal(l.names[1], "title_changed");
    flt.offset = 5;
    assert_int_equal(list_logs(f, &org, &flt, &l), 5);
    assert_int_equal(l.n, 0);

    /* no callback: only the count */
    int64_t total;
    flt = all_logs();
    assert_int_equal(store_workflow_log_list(f->st, &org, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 5);
}

static int stop_log(void *ctx, const store_workflow_log_t *l)
{
    (void)l;
    (*(int *)ctx)++;
    return 1;
}

static void test_log_order_is_commit_order(void **state)
{
    fx_t *f = *state;
    store_scope_t org = {.org_uuid = f->org};
    uuid_str_t id;
    add_conv(f, f->org, f->alice, f->team, false, NULL, id);
    conv_update_t u = upd("title_changed");
    u.title = "first";
    int64_t later = 4102444800000; /* 2100-01-01: after the import entry's real clock */
    assert_int_equal(store_conv_update(f->st, &org, id, &u, later, NULL, NULL), STORE_OK);
    /* a writer whose clock read is older commits second: its entry is not
     * placed before the one it follows */
    u.title = "second";
    assert_int_equal(store_conv_update(f->st, &org, id, &u, later - 5, NULL, NULL), STORE_OK);
    assert_int_equal(store_workflow_log_fail(f->st, f->org, id, "archive", "no", later - 9), STORE_OK);
    logs_t l;
    store_workflow_filter_t flt = all_logs();
    assert_int_equal(list_logs(f, &org, &flt, &l), 4);
    assert_string_equal(l.names[0], "archive");
    assert_false(l.success[0]);
    assert_string_equal(l.names[1], "title_changed");
    assert_string_equal(l.names[2], "title_changed");
    assert_int_equal(l.at[0], later);
    assert_int_equal(l.at[1], later);
    snap_t s = {0};
    assert_int_equal(store_conv_get(f->st, &org, id, take, &s), STORE_OK);
    assert_string_equal(s.title, "second");

    int calls = 0;
    int64_t total;
    assert_int_equal(store_workflow_log_list(f->st, &org, &flt, &total, stop_log, &calls), STORE_ERROR);
    assert_int_equal(calls, 1);
}

/* ---- concurrency ----------------------------------------------------------------- */

#define UPD_THREADS 6
#define UPD_PER_THREAD 25

typedef struct worker {
    fx_t *f;
    int idx;
    const char *id;
    int errors;
} worker_t;

/* Each change confirms one key of its own and sets labels and the title. */
static void *worker_main(void *arg)
{
    worker_t *w = arg;
    store_scope_t sc = {.org_uuid = w->f->org};
    for (int i = 0; i < UPD_PER_THREAD; i++) {
        char intel[256], labels[64], title[32];
        snprintf(intel, sizeof intel,
                 "{\"k%d_%d\":{\"id\":\"\",\"key\":\"k%d_%d\",\"value\":%d,\"title\":\"\",\"category\":\"\","
                 "\"source\":\"\"}}",
                 w->idx, i, w->idx, i, i);
        snprintf(labels, sizeof labels, "{\"w\":\"%d-%d\"}", w->idx, i);
        snprintf(title, sizeof title, "t%d-%d", w->idx, i);
        conv_update_t u = upd("crm_confirmed");
        u.confirm_intel_json = intel;
        if (store_conv_update(w->f->st, &sc, w->id, &u, 8000, NULL, NULL) != STORE_OK)
            w->errors++;
        u = upd("updated");
        u.labels_json = labels;
        u.title = title;
        snap_t s = {0};
        if (store_conv_update(w->f->st, &sc, w->id, &u, 8000, take, &s) != STORE_OK || strcmp(s.title, title) != 0 ||
            strcmp(s.labels, labels) != 0)
            w->errors++;
    }
    return NULL;
}

static void test_concurrent_updates_lose_nothing(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    f->st = open_store(f->path, STORE_DURABILITY_FULL);
    assert_non_null(f->st);
    uuid_str_t id;
    add_conv(f, f->org, f->alice, f->team, false, NULL, id);
    pthread_t th[UPD_THREADS];
    worker_t w[UPD_THREADS];
    for (int i = 0; i < UPD_THREADS; i++) {
        w[i] = (worker_t){.f = f, .idx = i, .id = id};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < UPD_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].errors, 0);
    }
    /* every confirmed key is there: no merge was lost */
    /* (the stored text is "<slots>\n<document>": conv_store_prepare) */
#define UPD_DOC "json(substr(b.doc, instr(b.doc, char(10)) + 1))"
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_bodies b,"
                                      " json_each(" UPD_DOC ", '$.attributes.confirmedExtractedIntelligence')"
                                      " JOIN conversations c ON c.id = b.id"),
                     UPD_THREADS * UPD_PER_THREAD);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name IN"
                                      " ('crm_confirmed', 'updated')"),
                     2 * UPD_THREADS * UPD_PER_THREAD);
    /* title and labels come from the same (last) write */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations c JOIN conversation_bodies b ON b.id = c.id"
                                      " WHERE json_extract(" UPD_DOC ", '$.attributes.labels.w') = substr(c.title, 2)"
                                      " AND json_extract(" UPD_DOC ", '$.attributes.title') = c.title"),
                     1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_update_each_field, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_confirm_merge, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_update_scope, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_log_fail_and_list, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_log_order_is_commit_order, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_updates_lose_nothing, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
