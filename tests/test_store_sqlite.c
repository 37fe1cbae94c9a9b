/* test_store_sqlite.c - unit tests for the SQLite store backend (store.h over src/store/sqlite/). */
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/jsonw.h"
#include "lib/strutil.h"
#include "store/insights.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/sqlite/sq.h"

/* ---- fixture: a fresh database in a private temp directory ----------------- */

typedef struct fx {
    char dir[64];
    char path[128];
    store_t *st;
    uuid_str_t org, admin, team;
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

/* Removes the database and its WAL companions, then the directory. */
static void remove_db(const char *dir, const char *path)
{
    char p[160];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    rmdir(dir);
}

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/parley_store_test_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    f->st = open_store(f->path, STORE_DURABILITY_NORMAL);
    assert_non_null(f->st);
    assert_int_equal(store_org_create(f->st, "Acme", "Admin@Acme.test", f->org, f->admin, f->team), STORE_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    remove_db(f->dir, f->path);
    free(f);
    return 0;
}

/* A value of one SQL query run on a separate connection (for checking what the store wrote). */
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

/* Fails unless FTS5's integrity-check of the title index passes: with rank 1
 * it also compares every entry with the titles in `conversations` (an entry
 * missing, or a 'delete' of one that never went in, is reported). */
static void title_index_intact(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, "INSERT INTO conversation_title_fts(conversation_title_fts, rank) VALUES ('integrity-check', 1)",
                          NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("title index: %s", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
}

static int known_version(void)
{
    int v = 0;
    for (const store_migration_t *m = store_sqlite_migrations; m->version; m++)
        v = m->version > v ? m->version : v;
    return v;
}

/* ---- conversations helpers --------------------------------------------------- */

/* A minimal conversation; strings are static. */
static void conv_min(conv_t *c, const char *org, const char *user, const char *team, int64_t created,
                     const char *title)
{
    memset(c, 0, sizeof(*c));
    uuid_v7(c->uuid);
    snprintf(c->org_uuid, sizeof(c->org_uuid), "%s", org);
    snprintf(c->user_uuid, sizeof(c->user_uuid), "%s", user);
    snprintf(c->team_uuid, sizeof(c->team_uuid), "%s", team ? team : "");
    c->created_at = created;
    c->title = title;
}

/* Collects titles "a,b,c" in callback order. */
typedef struct titles {
    char s[4096];
    int n;
} titles_t;

static int collect_titles(void *ctx, const conv_t *c)
{
    titles_t *t = ctx;
    size_t len = strlen(t->s);
    snprintf(t->s + len, sizeof(t->s) - len, "%s%s", t->n ? "," : "", c->title ? c->title : "(null)");
    t->n++;
    return 0;
}

/* Copies the state set_archived/get deliver. */
typedef struct snap {
    int calls;
    bool archived;
    int64_t archived_at;
    uuid_str_t uuid;
    char title[64];
    char user_email[64];
} snap_t;

static int take_snap(void *ctx, const conv_t *c)
{
    snap_t *s = ctx;
    s->calls++;
    s->archived = c->archived;
    s->archived_at = c->archived_at;
    snprintf(s->uuid, sizeof(s->uuid), "%s", c->uuid);
    snprintf(s->title, sizeof(s->title), "%s", c->title ? c->title : "");
    snprintf(s->user_email, sizeof(s->user_email), "%s", c->user_email ? c->user_email : "");
    return 0;
}

static int stop_cb(void *ctx, const conv_t *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 1;
}

#define SL(...) ((strlist_t){(const char *[]){__VA_ARGS__}, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)})

/* ---- open, migrations ------------------------------------------------------- */

static void test_open_creates_private_file_and_migrates(void **state)
{
    (void)state;
    char dir[64] = "/tmp/parley_store_test_XXXXXX", path[128], wal[140];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/new.db", dir);
    snprintf(wal, sizeof(wal), "%s-wal", path);

    mode_t old = umask(022); /* a plain create would make 0644 */
    store_t *st = open_store(path, STORE_DURABILITY_FULL);
    umask(old);
    assert_non_null(st);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    uuid_str_t o, a, t;
    assert_int_equal(store_org_create(st, "Perm", "a@perm.test", o, a, t), STORE_OK);
    if (stat(wal, &sb) == 0)
        assert_int_equal(sb.st_mode & 0777, 0600);

    int v = known_version();
    assert_true(v >= 1);
    assert_int_equal(store_schema_version(st), v);
    store_close(st);

    /* Reopening applies nothing twice and keeps the data. */
    st = open_store(path, STORE_DURABILITY_FULL);
    assert_non_null(st);
    assert_int_equal(store_schema_version(st), v);
    assert_int_equal(store_org_resolve(st, "Perm", o), STORE_OK);
    store_close(st);
    int64_t nmig = 0;
    for (const store_migration_t *m = store_sqlite_migrations; m->version; m++)
        nmig++;
    assert_int_equal(raw_int(path, "SELECT count(*) FROM schema_migrations"), nmig);
    assert_int_equal(raw_int(path, "SELECT max(version) FROM schema_migrations"), v);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM schema_migrations WHERE applied_at > 0 AND name <> ''"),
                     nmig);
    {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    /* An existing file keeps its mode (we never chmod). */
    st = open_store(path, STORE_DURABILITY_NORMAL);
    assert_non_null(st);
    store_close(st);
    remove_db(dir, path);
}

/* Migration 009 rebuilds users (its email is unique among live users only): a database made before it,
 * with users that keys, team memberships and conversations refer to, keeps every row and reference,
 * and foreign keys still hold afterwards. */
static void test_migration_009_keeps_users(void **state)
{
    (void)state;
    char dir[64] = "/tmp/parley_store_test_XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/old.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;"
                                      "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY,"
                                      " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (const store_migration_t *m = store_sqlite_migrations; m->version; m++) {
        if (m->version >= 9)
            continue;
        char rec[160];
        snprintf(rec, sizeof rec, "INSERT INTO schema_migrations VALUES (%d, '%s', 1)", m->version, m->name);
        assert_int_equal(sqlite3_exec(db, m->sql, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, rec, NULL, NULL, NULL), SQLITE_OK);
    }
    const char *rows =
        "INSERT INTO organizations VALUES ('01900000-0000-7000-8000-00000000000a', 'Old', "
        "'01900000-0000-7000-8000-00000000000b', 1);"
        "INSERT INTO teams(uuid, org_uuid, name, created_at) VALUES ('01900000-0000-7000-8000-00000000000b', "
        "'01900000-0000-7000-8000-00000000000a', 'Old', 1);"
        "INSERT INTO users(uuid, org_uuid, email, first_name, primary_team_uuid, role, created_at) VALUES "
        "('01900000-0000-7000-8000-0000000000a1', '01900000-0000-7000-8000-00000000000a', 'admin@old.test', 'Ada', "
        "'01900000-0000-7000-8000-00000000000b', 'admin', 1),"
        "('01900000-0000-7000-8000-0000000000a2', '01900000-0000-7000-8000-00000000000a', 'rep@old.test', 'Rex', "
        "'01900000-0000-7000-8000-00000000000b', 'member', 2);"
        "INSERT INTO team_members VALUES ('01900000-0000-7000-8000-00000000000b', "
        "'01900000-0000-7000-8000-0000000000a1'), ('01900000-0000-7000-8000-00000000000b', "
        "'01900000-0000-7000-8000-0000000000a2');"
        "INSERT INTO api_keys(id, org_uuid, user_uuid, hash, last4, org_level, created_at) VALUES "
        "('01900000-0000-7000-8000-0000000000c1', '01900000-0000-7000-8000-00000000000a', "
        "'01900000-0000-7000-8000-0000000000a2', x'00', 'abcd', 0, 1);"
        "INSERT INTO conversations(uuid, org_uuid, user_uuid, created_at) VALUES "
        "('01900000-0000-7000-8000-0000000000d1', '01900000-0000-7000-8000-00000000000a', "
        "'01900000-0000-7000-8000-0000000000a2', 5);";
    char *msg = NULL;
    if (sqlite3_exec(db, rows, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("the rows of a database before 009: %s", msg);
    sqlite3_close(db);

    store_t *st = open_store(path, STORE_DURABILITY_NORMAL);
    assert_non_null(st);
    assert_int_equal(store_schema_version(st), known_version());
    const char *org = "01900000-0000-7000-8000-00000000000a", *rep = "01900000-0000-7000-8000-0000000000a2";
    store_user_t u;
    assert_int_equal(store_user_resolve(st, org, "rep@old.test", &u), STORE_OK);
    assert_string_equal(u.uuid, rep);
    assert_string_equal(u.first_name, "Rex");
    assert_string_equal(u.role, "member");
    assert_string_equal(u.seat_type, "recording");
    assert_string_equal(u.bot_name, "");
    assert_int_equal(store_org_admin(st, org, &u), STORE_OK);
    assert_string_equal(u.first_name, "Ada");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM conversations c JOIN users u ON u.uuid = c.user_uuid"
                                   " WHERE u.email = 'rep@old.test'"),
                     1);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM team_members"), 2);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'users_before%'"), 0);
    /* deleting keeps the row for its conversation; the email is free again */
    assert_int_equal(store_user_delete(st, org, rep, 100), STORE_OK);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM conversations c JOIN users u ON u.uuid = c.user_uuid"), 1);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM api_keys WHERE revoked_at = 100"), 1);
    uuid_str_t again;
    store_user_new_t n = {.org_uuid = org, .email = "REP@old.test"};
    assert_int_equal(store_user_create(st, &n, again), STORE_OK);
    assert_int_equal(store_user_create(st, &n, again), STORE_CONFLICT); /* among live users, still unique */
    store_close(st);
    /* the foreign keys are still enforced on the rebuilt table */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM users WHERE uuid = '01900000-0000-7000-8000-0000000000a2'",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO team_members VALUES ('01900000-0000-7000-8000-00000000000b',"
                                          " '01900000-0000-7000-8000-0000000000ff')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
    remove_db(dir, path);
}

static void test_open_refuses_newer_schema(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[160];
    snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, '999_future', 1)", known_version() + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    store_opts_t o = {.url = f->path};
    char err[256] = "";
    assert_null(store_open(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "newer"));
}

static void test_open_errors(void **state)
{
    fx_t *f = *state;
    char err[256] = "";
    store_opts_t o = {.url = "/nonexistent-dir-parley/x.db"};
    assert_null(store_open(&o, err, sizeof(err)));
    assert_true(err[0] != '\0');

    err[0] = '\0';
    o.url = "postgres://localhost/parley";
    assert_null(store_open(&o, err, sizeof(err)));
    assert_true(err[0] != '\0');
    o.url = ":memory:";
    assert_null(store_open(&o, err, sizeof(err)));
    assert_null(store_open(NULL, err, sizeof(err)));

    /* A file that is not a database. */
    char junk[160];
    snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
    FILE *fp = fopen(junk, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not an sqlite database. ", fp);
    fclose(fp);
    err[0] = '\0';
    o.url = junk;
    assert_null(store_open(&o, err, sizeof(err)));
    assert_true(err[0] != '\0');
    unlink(junk);

    /* "sqlite://" prefix is accepted. */
    char url[200];
    snprintf(url, sizeof(url), "sqlite://%s", f->path);
    o.url = url;
    store_t *st = store_open(&o, err, sizeof(err));
    assert_non_null(st);
    uuid_str_t id;
    assert_int_equal(store_org_resolve(st, "Acme", id), STORE_OK);
    assert_string_equal(id, f->org);
    store_close(st);
    store_close(NULL);
    assert_string_equal(store_rc_str(STORE_CONFLICT), "conflict");
    assert_string_equal(store_rc_str(STORE_OK), "ok");
}

/* ---- organizations, users, teams ------------------------------------------- */

static void test_orgs(void **state)
{
    fx_t *f = *state;
    uuid_str_t o, a, t, got;
    assert_int_equal(store_org_create(f->st, "Acme", "other@acme.test", o, a, t), STORE_CONFLICT);
    assert_int_equal(store_org_resolve(f->st, f->org, got), STORE_OK);
    assert_string_equal(got, f->org);
    char upper[UUID_STR_LEN + 1];
    for (int i = 0; i <= UUID_STR_LEN; i++)
        upper[i] = (char)(f->org[i] >= 'a' && f->org[i] <= 'f' ? f->org[i] - 32 : f->org[i]);
    assert_int_equal(store_org_resolve(f->st, upper, got), STORE_OK);
    assert_string_equal(got, f->org);
    assert_int_equal(store_org_resolve(f->st, "Acme", got), STORE_OK);
    assert_string_equal(got, f->org);
    assert_int_equal(store_org_resolve(f->st, "acme", got), STORE_NOT_FOUND); /* exact name */
    assert_int_equal(store_org_resolve(f->st, "0190aaaa-0000-7000-8000-000000000000", got), STORE_NOT_FOUND);

    store_user_t u;
    assert_int_equal(store_org_admin(f->st, f->org, &u), STORE_OK);
    assert_string_equal(u.uuid, f->admin);
    assert_string_equal(u.email, "admin@acme.test");
    assert_string_equal(u.role, "admin");
    assert_string_equal(u.primary_team_uuid, f->team);
    assert_string_equal(u.transcript_lang, "en");
    assert_string_equal(u.org_uuid, f->org);
    assert_true(u.created_at > 1700000000);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM team_members"), 1);

    uuid_str_t team;
    assert_int_equal(store_team_resolve(f->st, f->org, "Acme", team), STORE_OK); /* default team named after org */
    assert_string_equal(team, f->team);
    assert_int_equal(store_org_admin(f->st, "0190aaaa-0000-7000-8000-000000000000", &u), STORE_NOT_FOUND);
    /* NULL outs are allowed. */
    assert_int_equal(store_org_create(f->st, "Beta", "b@beta.test", NULL, NULL, NULL), STORE_OK);
}

typedef struct ulist {
    int n;
    char emails[8][321];
} ulist_t;

static int collect_users(void *ctx, const store_user_t *u)
{
    ulist_t *l = ctx;
    if (l->n < 8)
        snprintf(l->emails[l->n], sizeof(l->emails[0]), "%s", u->email);
    l->n++;
    return 0;
}

static void test_users(void **state)
{
    fx_t *f = *state;
    uuid_str_t u1, u2, u3, t2, o2, a2, team2;
    store_user_new_t n = {.org_uuid = f->org, .email = "Jane.Doe@Example.COM", .first_name = "Jane",
                          .last_name = "Doe"};
    assert_int_equal(store_user_create(f->st, &n, u1), STORE_OK);
    store_user_t u;
    assert_int_equal(store_user_resolve(f->st, f->org, "JANE.DOE@example.com", &u), STORE_OK);
    assert_string_equal(u.uuid, u1);
    assert_string_equal(u.email, "jane.doe@example.com");
    assert_string_equal(u.first_name, "Jane");
    assert_string_equal(u.last_name, "Doe");
    assert_string_equal(u.role, "member");
    assert_string_equal(u.primary_team_uuid, f->team); /* default team */
    assert_int_equal(store_user_resolve(f->st, f->org, u1, &u), STORE_OK);
    assert_string_equal(u.email, "jane.doe@example.com");

    /* Same email in another case: conflict. */
    n.email = "jane.doe@EXAMPLE.com";
    assert_int_equal(store_user_create(f->st, &n, u2), STORE_CONFLICT);

    /* Explicit team, role, uuid. */
    assert_int_equal(store_team_create(f->st, f->org, "Sales", NULL, NULL, t2), STORE_OK);
    store_user_new_t m = {.org_uuid = f->org, .email = "bob@example.com", .team_uuid = t2, .role = "admin",
                          .uuid = "FFFFAAAA-0000-7000-8000-0000000000B0"};
    assert_int_equal(store_user_create(f->st, &m, u2), STORE_OK);
    assert_string_equal(u2, "ffffaaaa-0000-7000-8000-0000000000b0");
    assert_int_equal(store_user_resolve(f->st, f->org, "bob@example.com", &u), STORE_OK);
    assert_string_equal(u.primary_team_uuid, t2);
    assert_string_equal(u.role, "admin");
    assert_string_equal(u.first_name, "");
    /* The org's admin stays the first admin. */
    assert_int_equal(store_org_admin(f->st, f->org, &u), STORE_OK);
    assert_string_equal(u.uuid, f->admin);
    /* The same uuid again: conflict. */
    m.email = "bob2@example.com";
    assert_int_equal(store_user_create(f->st, &m, u3), STORE_CONFLICT);

    /* A team of another organization, an unknown team, an unknown org. */
    assert_int_equal(store_org_create(f->st, "Other", "x@other.test", o2, a2, team2), STORE_OK);
    store_user_new_t bad = {.org_uuid = f->org, .email = "c@example.com", .team_uuid = team2};
    assert_int_equal(store_user_create(f->st, &bad, u3), STORE_NOT_FOUND);
    bad.team_uuid = "not-a-uuid";
    assert_int_equal(store_user_create(f->st, &bad, u3), STORE_NOT_FOUND);
    bad.team_uuid = NULL;
    bad.org_uuid = "0190aaaa-0000-7000-8000-000000000000";
    assert_int_equal(store_user_create(f->st, &bad, u3), STORE_NOT_FOUND);
    /* The same email in another organization is fine; users never cross orgs. */
    store_user_new_t other = {.org_uuid = o2, .email = "jane.doe@example.com"};
    assert_int_equal(store_user_create(f->st, &other, u3), STORE_OK);
    assert_string_not_equal(u3, u1);
    assert_int_equal(store_user_resolve(f->st, o2, u1, &u), STORE_NOT_FOUND);
    assert_int_equal(store_user_resolve(f->st, f->org, "nobody@example.com", &u), STORE_NOT_FOUND);

    ulist_t l = {0};
    assert_int_equal(store_user_list(f->st, f->org, collect_users, &l), STORE_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.emails[0], "admin@acme.test");
    assert_string_equal(l.emails[1], "jane.doe@example.com");
    assert_string_equal(l.emails[2], "bob@example.com");
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM team_members"), 5);
}

static void test_teams(void **state)
{
    fx_t *f = *state;
    uuid_str_t t1, t2, got, o2, a2, team2;
    assert_int_equal(store_team_create(f->st, f->org, "Sales", NULL, NULL, t1), STORE_OK);
    assert_int_equal(store_team_create(f->st, f->org, "Sales", NULL, NULL, t2), STORE_CONFLICT);
    assert_int_equal(store_team_create(f->st, f->org, "EMEA", t1, NULL, t2), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM teams WHERE name = 'EMEA' AND parent_team_uuid IS NOT NULL"),
                     1);
    assert_int_equal(store_team_create(f->st, f->org, "Ghost", "0190aaaa-0000-7000-8000-000000000000", NULL, got),
                     STORE_NOT_FOUND);
    assert_int_equal(store_team_create(f->st, "0190aaaa-0000-7000-8000-000000000000", "X", NULL, NULL, got),
                     STORE_NOT_FOUND);
    assert_int_equal(store_team_resolve(f->st, f->org, "Sales", got), STORE_OK);
    assert_string_equal(got, t1);
    assert_int_equal(store_team_resolve(f->st, f->org, t2, got), STORE_OK);
    assert_string_equal(got, t2);
    assert_int_equal(store_team_resolve(f->st, f->org, "sales", got), STORE_NOT_FOUND);
    /* Same name in another org; teams never cross orgs (parent included). */
    assert_int_equal(store_org_create(f->st, "Other", "x@other.test", o2, a2, team2), STORE_OK);
    assert_int_equal(store_team_create(f->st, o2, "Sales", NULL, NULL, got), STORE_OK);
    assert_int_equal(store_team_resolve(f->st, o2, t1, got), STORE_NOT_FOUND);
    assert_int_equal(store_team_create(f->st, o2, "Sub", t1, NULL, got), STORE_NOT_FOUND);
}

/* ---- keys ------------------------------------------------------------------ */

static void test_keys(void **state)
{
    fx_t *f = *state;
    key_hash_t h1, h2, h3;
    memset(h1, 0x11, sizeof(h1));
    memset(h2, 0x22, sizeof(h2));
    memset(h3, 0x33, sizeof(h3));
    uuid_str_t k1, k2, u1, kx;
    store_user_new_t n = {.org_uuid = f->org, .email = "u1@acme.test"};
    assert_int_equal(store_user_create(f->st, &n, u1), STORE_OK);

    assert_int_equal(store_key_create(f->st, f->org, NULL, true, "ci", h1, "abcd", k1), STORE_OK);
    assert_int_equal(store_key_create(f->st, f->org, u1, false, "mine", h2, "wxyz", k2), STORE_OK);
    assert_string_not_equal(k1, k2);

    store_key_t k;
    assert_int_equal(store_key_lookup(f->st, h1, &k), STORE_OK);
    assert_string_equal(k.id, k1);
    assert_string_equal(k.org_uuid, f->org);
    assert_string_equal(k.user_uuid, f->admin); /* org-level key without user → admin */
    assert_true(k.org_level);
    assert_int_equal(k.last_seen_at, 0);
    assert_int_equal(store_key_lookup(f->st, h2, &k), STORE_OK);
    assert_string_equal(k.user_uuid, u1);
    assert_false(k.org_level);
    assert_int_equal(store_key_lookup(f->st, h3, &k), STORE_NOT_FOUND);

    /* Duplicate hash; a user of another org; an unknown user. */
    assert_int_equal(store_key_create(f->st, f->org, NULL, true, "dup", h1, "abcd", kx), STORE_CONFLICT);
    uuid_str_t o2, a2, t2;
    assert_int_equal(store_org_create(f->st, "Other", "x@other.test", o2, a2, t2), STORE_OK);
    assert_int_equal(store_key_create(f->st, f->org, a2, false, "x", h3, "abcd", kx), STORE_NOT_FOUND);
    assert_int_equal(store_key_create(f->st, f->org, "nope", false, "x", h3, "abcd", kx), STORE_NOT_FOUND);

    assert_int_equal(store_key_touch(f->st, k1, 1700000123), STORE_OK);
    assert_int_equal(store_key_lookup(f->st, h1, &k), STORE_OK);
    assert_int_equal(k.last_seen_at, 1700000123);
    assert_int_equal(store_key_touch(f->st, "0190aaaa-0000-7000-8000-000000000000", 1), STORE_NOT_FOUND);

    /* Revoke: wrong org → NOT_FOUND; then the key is gone; revoking again → NOT_FOUND. */
    assert_int_equal(store_key_revoke(f->st, o2, k1), STORE_NOT_FOUND);
    assert_int_equal(store_key_lookup(f->st, h1, &k), STORE_OK);
    assert_int_equal(store_key_revoke(f->st, f->org, k1), STORE_OK);
    assert_int_equal(store_key_lookup(f->st, h1, &k), STORE_NOT_FOUND);
    assert_int_equal(store_key_revoke(f->st, f->org, k1), STORE_NOT_FOUND);
    assert_int_equal(store_key_lookup(f->st, h2, &k), STORE_OK);
    /* The hash is stored, never anything else of the key. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM api_keys WHERE length(hash) = 32"), 2);
}

/* ---- conversations: round trip ---------------------------------------------- */

static conv_t full_conv(const fx_t *f)
{
    conv_t c;
    memset(&c, 0, sizeof(c));
    uuid_v7(c.uuid);
    snprintf(c.org_uuid, sizeof(c.org_uuid), "%s", f->org);
    snprintf(c.user_uuid, sizeof(c.user_uuid), "%s", f->admin);
    snprintf(c.team_uuid, sizeof(c.team_uuid), "%s", f->team);
    c.title = "Discovery call — Ünïcode";
    c.created_at = 1710756000;
    c.finished_at = 1710759600;
    c.live_started_at = 1710756060;
    c.live_ended_at = 1710759500;
    c.archived_at = 0;
    c.archived = false;
    c.referenceable = true;
    c.is_private = true;
    c.is_internal = true;
    c.is_empty = true;
    c.media_duration = 3540.25;
    c.video_uid = "vid-1";
    c.video_status = "READY";
    c.media_storage_status = "IMPORTING";
    c.transcript_status = "COMPLETED";
    c.crm_export_status = "EXPORTED";
    c.import_status = "FINISHED";
    c.deal_uuid = "deal-1";
    c.email_template_id = "tmpl-1";
    c.ext_intel_opp_id = "eio-1";
    c.zoom_url = "https://zoom.example/j/1";
    c.gmeet_url = "https://meet.example/abc";
    c.teams_url = "https://teams.example/x";
    c.webex_url = "https://webex.example/y";
    c.external_id = "ext-1";
    c.application_name = "crm-sync";
    c.user_email = "ignored@on.insert";
    c.participants_json = "[{\"id\":\"p1\",\"email\":\"Alice@Example.com\",\"name\":\"Alice\",\"organizer\":true,"
                          "\"status\":\"accepted\"},{\"id\":\"p2\",\"email\":\"bob@example.com\"},{\"id\":\"p3\"}]";
    c.participants_ext_json = "[{\"id\":\"p2\",\"email\":\"bob@example.com\"}]";
    c.attendees_json = "[{\"id\":\"a1\"}]";
    c.bots_json = "[{\"uuid\":\"b1\"}]";
    c.boards_json = "[{\"uuid\":\"bd1\"}]";
    c.talktracks_json = "[{\"uuid\":\"tt1\",\"items\":[]}]";
    c.scorecards_json = "[{\"uuid\":\"sc1\"}]";
    c.external_opportunity_json = "{\"uuid\":\"opp-9\",\"title\":\"Big deal\"}";
    c.import_metadata_json = "{\"k\":\"v\"}";
    c.zoom_metadata_json = "{\"calleeName\":\"C\"}";
    c.linked_crm_json = "[{\"id\":\"crm-1\",\"code\":\"opportunity\"}]";
    c.external_accounts_json = "[{\"id\":\"acc\",\"code\":\"account\"}]";
    c.external_contacts_json = "[{\"id\":\"con\",\"code\":\"contact\"}]";
    c.extracted_intel_json = "{\"budget\":{\"id\":\"i1\"}}";
    c.confirmed_intel_json = "{\"budget\":{\"id\":\"i2\"}}";
    c.labels_json = "{\"stage\":\"won\"}";
    c.label_tags_na_json = "[\"x\"]";
    c.deprecated_label_categories_json = "[\"y\"]";
    c.transcript_v1_json = "{\"pieceInFlux\":null,\"final\":[]}";
    c.transcript_v2_json = "{\"pieceInFlux\":null,\"final\":[{\"speaker\":\"A\",\"words\":[]}]}";
    return c;
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

typedef struct expect {
    const conv_t *want;
    const char *email, *first, *last, *lang;
    int calls;
} expect_t;

/* Renders c the way GET does with every include option on (caller frees). */
static char *render_full(const conv_t *c)
{
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    conv_render_opts_t o = conv_render_opts_single();
    o.include_internal_participants = o.include_import_metadata = o.include_zoom_metadata = true;
    conv_render(&w, c, &o);
    assert_false(b.oom);
    return buf_detach(&b, NULL);
}

/* What the store gives back renders byte for byte like what was inserted
 * (with the owner's fields joined from users), and the row's own fields match. */
static int check_conv(void *ctx, const conv_t *g)
{
    expect_t *e = ctx;
    conv_t w = *e->want;
    e->calls++;
    assert_string_equal(g->uuid, w.uuid);
    assert_string_equal(g->org_uuid, w.org_uuid);
    assert_string_equal(g->user_uuid, w.user_uuid);
    assert_string_equal(g->team_uuid, w.team_uuid);
    assert_str_eq_or_null(g->title, w.title);
    assert_int_equal(g->created_at, w.created_at);
    assert_int_equal(g->archived_at, w.archived_at);
    assert_int_equal(g->archived, w.archived);
    assert_int_equal(g->is_private, w.is_private);
    assert_int_equal(g->is_internal, w.is_internal);
    assert_int_equal(g->is_empty, w.is_empty);
    assert_str_eq_or_null(g->external_id, w.external_id);
    assert_str_eq_or_null(g->application_name, w.application_name);
    assert_non_null(g->doc);
    /* The owner, joined from users (not what the inserted struct said). */
    assert_str_eq_or_null(g->user_email, e->email);
    assert_str_eq_or_null(g->user_first_name, e->first);
    assert_str_eq_or_null(g->user_last_name, e->last);
    assert_str_eq_or_null(g->user_transcript_lang, e->lang);
    w.user_email = e->email;
    w.user_first_name = e->first;
    w.user_last_name = e->last;
    w.user_transcript_lang = e->lang;
    char *got = render_full(g), *want = render_full(&w);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "stored\n%s\ninserted\n%s\n", got, want);
        fail();
    }
    free(got);
    free(want);
    return 0;
}

static void test_conv_roundtrip(void **state)
{
    fx_t *f = *state;
    conv_t c = full_conv(f);
    uuid_str_t existing = "junk";
    assert_int_equal(store_conv_insert(f->st, &c, existing), STORE_OK);
    assert_string_equal(existing, "");
    store_scope_t org = {.org_uuid = f->org};
    expect_t e = {.want = &c, .email = "admin@acme.test", .first = NULL, .last = NULL, .lang = "en"};
    assert_int_equal(store_conv_get(f->st, &org, c.uuid, check_conv, &e), STORE_OK);
    assert_int_equal(e.calls, 1);
    assert_int_equal(store_conv_get_by_external_id(f->st, &org, "ext-1", check_conv, &e), STORE_OK);
    assert_int_equal(e.calls, 2);
    /* Participants with an email, lowercased; an import log entry. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_participants WHERE email IN"
                                      " ('alice@example.com', 'bob@example.com')"),
                     2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_participants"), 2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name = 'import'"
                                      " AND success = 1"),
                     1);

    /* NULL strings stay NULL, "" stays "", no team stays "". */
    conv_t m;
    conv_min(&m, f->org, f->admin, NULL, 1710000000, NULL);
    m.video_uid = "";
    m.archived = true;
    m.archived_at = 1710000500;
    m.linked_crm_json = "";
    assert_int_equal(store_conv_insert(f->st, &m, existing), STORE_OK);
    e = (expect_t){.want = &m, .email = "admin@acme.test", .lang = "en"};
    assert_int_equal(store_conv_get(f->st, &org, m.uuid, check_conv, &e), STORE_OK);
    assert_int_equal(e.calls, 1);
    /* Upper-case uuid input finds it; junk ids and unknown ids are NOT_FOUND. */
    char upper[UUID_STR_LEN + 1];
    for (int i = 0; i <= UUID_STR_LEN; i++)
        upper[i] = (char)(m.uuid[i] >= 'a' && m.uuid[i] <= 'f' ? m.uuid[i] - 32 : m.uuid[i]);
    assert_int_equal(store_conv_get(f->st, &org, upper, check_conv, &e), STORE_OK);
    assert_int_equal(store_conv_get(f->st, &org, "not-a-uuid", check_conv, &e), STORE_NOT_FOUND);
    assert_int_equal(store_conv_get(f->st, &org, "0190aaaa-0000-7000-8000-000000000000", check_conv, &e),
                     STORE_NOT_FOUND);
    assert_int_equal(store_conv_get_by_external_id(f->st, &org, "ext-404", check_conv, &e), STORE_NOT_FOUND);
    /* A callback that stops makes the call fail. */
    int calls = 0;
    assert_int_equal(store_conv_get(f->st, &org, m.uuid, stop_cb, &calls), STORE_ERROR);
    assert_int_equal(calls, 1);
    /* An unknown owner is a real error (foreign key), not a silent insert. */
    conv_t bad;
    conv_min(&bad, f->org, "0190aaaa-0000-7000-8000-000000000000", NULL, 1, "x");
    assert_int_equal(store_conv_insert(f->st, &bad, existing), STORE_ERROR);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), 2);
}

static void test_conv_conflicts(void **state)
{
    fx_t *f = *state;
    conv_t a, b;
    uuid_str_t existing;
    conv_min(&a, f->org, f->admin, f->team, 1000, "a");
    a.external_id = "dup";
    assert_int_equal(store_conv_insert(f->st, &a, existing), STORE_OK);
    conv_min(&b, f->org, f->admin, f->team, 2000, "b");
    b.external_id = "dup";
    assert_int_equal(store_conv_insert(f->st, &b, existing), STORE_CONFLICT);
    assert_string_equal(existing, a.uuid);
    /* Nothing of b was written: no row, no participants, no log. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), 1);

    /* The same external id in another organization is fine. */
    uuid_str_t o2, a2, t2;
    assert_int_equal(store_org_create(f->st, "Other", "x@other.test", o2, a2, t2), STORE_OK);
    conv_min(&b, o2, a2, t2, 2000, "b");
    b.external_id = "dup";
    assert_int_equal(store_conv_insert(f->st, &b, existing), STORE_OK);
    snap_t s = {0};
    store_scope_t sc1 = {.org_uuid = f->org}, sc2 = {.org_uuid = o2};
    assert_int_equal(store_conv_get_by_external_id(f->st, &sc1, "dup", take_snap, &s), STORE_OK);
    assert_string_equal(s.uuid, a.uuid);
    assert_int_equal(store_conv_get_by_external_id(f->st, &sc2, "dup", take_snap, &s), STORE_OK);
    assert_string_equal(s.uuid, b.uuid);

    /* The same uuid again: conflict naming it. No external id: many allowed. */
    conv_t c;
    conv_min(&c, f->org, f->admin, NULL, 3000, "c");
    memcpy(c.uuid, a.uuid, sizeof(c.uuid));
    assert_int_equal(store_conv_insert(f->st, &c, existing), STORE_CONFLICT);
    assert_string_equal(existing, a.uuid);
    conv_min(&c, f->org, f->admin, NULL, 3000, "c");
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    conv_min(&c, f->org, f->admin, NULL, 3000, "d");
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
}

/* ---- scope and archive ------------------------------------------------------- */

static void test_scope(void **state)
{
    fx_t *f = *state;
    uuid_str_t u1, u2, o2, a2, t2;
    store_user_new_t n1 = {.org_uuid = f->org, .email = "u1@acme.test"};
    store_user_new_t n2 = {.org_uuid = f->org, .email = "u2@acme.test"};
    assert_int_equal(store_user_create(f->st, &n1, u1), STORE_OK);
    assert_int_equal(store_user_create(f->st, &n2, u2), STORE_OK);
    assert_int_equal(store_org_create(f->st, "Other", "x@other.test", o2, a2, t2), STORE_OK);

    conv_t pub, priv;
    conv_min(&pub, f->org, u1, f->team, 1000, "public of u1");
    conv_min(&priv, f->org, u1, f->team, 2000, "private of u1");
    priv.is_private = true;
    priv.external_id = "priv-ext";
    assert_int_equal(store_conv_insert(f->st, &pub, NULL), STORE_OK);
    assert_int_equal(store_conv_insert(f->st, &priv, NULL), STORE_OK);

    store_scope_t orgsc = {.org_uuid = f->org}, other = {.org_uuid = o2};
    store_scope_t as_u1 = {.org_uuid = f->org, .user_uuid = u1}, as_u2 = {.org_uuid = f->org, .user_uuid = u2};
    store_scope_t u1_elsewhere = {.org_uuid = o2, .user_uuid = u1};
    snap_t s = {0};
    /* Another organization never sees it, whatever the user. */
    assert_int_equal(store_conv_get(f->st, &other, pub.uuid, take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_get(f->st, &u1_elsewhere, pub.uuid, take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_get_by_external_id(f->st, &other, "priv-ext", take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_set_archived(f->st, &other, pub.uuid, true, 5000, take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(s.calls, 0);
    /* Org scope sees both; u2 sees only the public one; u1 both. */
    assert_int_equal(store_conv_get(f->st, &orgsc, priv.uuid, take_snap, &s), STORE_OK);
    assert_int_equal(store_conv_get(f->st, &as_u2, pub.uuid, take_snap, &s), STORE_OK);
    assert_string_equal(s.user_email, "u1@acme.test");
    assert_int_equal(store_conv_get(f->st, &as_u2, priv.uuid, take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_get_by_external_id(f->st, &as_u2, "priv-ext", take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(store_conv_get(f->st, &as_u1, priv.uuid, take_snap, &s), STORE_OK);
    assert_int_equal(s.calls, 3);

    /* Changing: u2 may not touch u1's public one (FORBIDDEN), does not see the private one (NOT_FOUND). */
    s.calls = 0;
    assert_int_equal(store_conv_set_archived(f->st, &as_u2, pub.uuid, true, 5000, take_snap, &s), STORE_FORBIDDEN);
    assert_int_equal(store_conv_set_archived(f->st, &as_u2, priv.uuid, true, 5000, take_snap, &s),
                     STORE_NOT_FOUND);
    assert_int_equal(store_conv_set_archived(f->st, &as_u2, "junk", true, 5000, take_snap, &s), STORE_NOT_FOUND);
    assert_int_equal(s.calls, 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 1"), 0);
    /* The owner and the org may. */
    assert_int_equal(store_conv_set_archived(f->st, &as_u1, priv.uuid, true, 5000, take_snap, &s), STORE_OK);
    assert_int_equal(store_conv_set_archived(f->st, &orgsc, pub.uuid, true, 5001, take_snap, &s), STORE_OK);
    assert_int_equal(s.calls, 2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 1"), 2);
}

static void test_archive_idempotent(void **state)
{
    fx_t *f = *state;
    conv_t c;
    conv_min(&c, f->org, f->admin, f->team, 1000, "to archive");
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    store_scope_t sc = {.org_uuid = f->org};
    snap_t s = {0};

    assert_int_equal(store_conv_set_archived(f->st, &sc, c.uuid, true, 1700000100, take_snap, &s), STORE_OK);
    assert_int_equal(s.calls, 1);
    assert_true(s.archived);
    assert_int_equal(s.archived_at, 1700000100);
    assert_string_equal(s.title, "to archive");
    assert_string_equal(s.user_email, "admin@acme.test");

    /* Again, later: nothing changes, the callback still sees the row. */
    assert_int_equal(store_conv_set_archived(f->st, &sc, c.uuid, true, 1700000999, take_snap, &s), STORE_OK);
    assert_int_equal(s.calls, 2);
    assert_true(s.archived);
    assert_int_equal(s.archived_at, 1700000100);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name = 'archive'"), 1);
    assert_int_equal(raw_int(f->path, "SELECT created_at FROM workflow_logs WHERE workflow_name = 'archive'"),
                     1700000100);

    /* get still returns archived conversations. */
    snap_t g = {0};
    assert_int_equal(store_conv_get(f->st, &sc, c.uuid, take_snap, &g), STORE_OK);
    assert_true(g.archived);

    /* Unarchive (twice: one log entry). */
    assert_int_equal(store_conv_set_archived(f->st, &sc, c.uuid, false, 1700001000, take_snap, &s), STORE_OK);
    assert_false(s.archived);
    assert_int_equal(s.archived_at, 0);
    assert_int_equal(store_conv_set_archived(f->st, &sc, c.uuid, false, 1700001001, NULL, NULL), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name = 'unarchive'"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), 3); /* import, archive, unarchive */

    /* A failing callback rolls the change back. */
    int calls = 0;
    assert_int_equal(store_conv_set_archived(f->st, &sc, c.uuid, true, 1700002000, stop_cb, &calls), STORE_ERROR);
    assert_int_equal(calls, 1);
    assert_int_equal(raw_int(f->path, "SELECT archived FROM conversations"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), 3);
}

/* ---- lists --------------------------------------------------------------------- */

typedef struct list_fx {
    uuid_str_t u1, u2, t2;
} list_fx_t;

/* Inserts c01…c06 (title = name, uuid ending in the number) and one
 * conversation of another organization:
 *   c01 1000 admin  participants Bob@Example.com, scorecards, FINISHED
 *   c02 2000 u1 t2  "100% off_sale", carol, opp-1, crm opportunity/crm-1, internal, PENDING
 *   c03 3000 u2     "weekly sync", private, empty, FAILED, extracted intelligence
 *   c04 3000 u1     "Weekly planning", archived, DISCARDED, crm account/123 + opportunity/crm-2 stage won
 *   c05 4000 admin  "Another", IN_PROGRESS, invalid participants and CRM JSON
 *   c06 3000 admin  "tie", no import status */
static void list_seed(fx_t *f, list_fx_t *l)
{
    store_user_new_t n1 = {.org_uuid = f->org, .email = "u1@acme.test"};
    store_user_new_t n2 = {.org_uuid = f->org, .email = "u2@acme.test"};
    assert_int_equal(store_user_create(f->st, &n1, l->u1), STORE_OK);
    assert_int_equal(store_user_create(f->st, &n2, l->u2), STORE_OK);
    assert_int_equal(store_team_create(f->st, f->org, "Sales", NULL, NULL, l->t2), STORE_OK);

    conv_t c[6];
    conv_min(&c[0], f->org, f->admin, f->team, 1000, "c01");
    c[0].participants_json = "[{\"email\":\"Bob@Example.com\",\"name\":\"Bob\"}]";
    c[0].scorecards_json = "[{\"uuid\":\"s\"}]";
    c[0].extracted_intel_json = "{}";
    c[0].import_status = "FINISHED";
    conv_min(&c[1], f->org, l->u1, l->t2, 2000, "c02 100% off_sale");
    c[1].participants_json = "[{\"email\":\"carol@example.com\"},{\"email\":\"carol@example.com\"}]";
    c[1].external_opportunity_json = "{\"uuid\":\"opp-1\",\"title\":\"x\"}";
    c[1].linked_crm_json = "[{\"id\":\"crm-1\",\"code\":\"opportunity\"}]";
    c[1].scorecards_json = "[]";
    c[1].is_internal = true;
    c[1].import_status = "PENDING";
    conv_min(&c[2], f->org, l->u2, f->team, 3000, "c03 weekly sync");
    c[2].is_private = true;
    c[2].is_empty = true;
    c[2].import_status = "FAILED";
    c[2].extracted_intel_json = "{\"budget\":{\"id\":\"i\"}}";
    c[2].external_opportunity_json = "{}";
    conv_min(&c[3], f->org, l->u1, f->team, 3000, "c04 Weekly planning");
    c[3].archived = true;
    c[3].archived_at = 3500;
    c[3].import_status = "DISCARDED";
    c[3].linked_crm_json = "[\"junk\",{\"id\":123,\"code\":\"account\"},"
                           "{\"id\":\"crm-2\",\"code\":\"opportunity\",\"stage\":\"won\"}]";
    conv_min(&c[4], f->org, f->admin, f->team, 4000, "c05 Another");
    c[4].import_status = "IN_PROGRESS";
    c[4].participants_json = "not json";
    c[4].linked_crm_json = "not json";
    c[4].external_opportunity_json = "[1,2]";
    conv_min(&c[5], f->org, f->admin, NULL, 3000, "c06 tie");
    for (int i = 0; i < 6; i++) {
        snprintf(c[i].uuid, sizeof(c[i].uuid), "00000000-0000-7000-8000-0000000000%02d", i + 1);
        assert_int_equal(store_conv_insert(f->st, &c[i], NULL), STORE_OK);
    }
    uuid_str_t o2, a2, t2;
    assert_int_equal(store_org_create(f->st, "Other", "x@other.test", o2, a2, t2), STORE_OK);
    conv_t x;
    conv_min(&x, o2, a2, t2, 3000, "c99 other org");
    x.participants_json = "[{\"email\":\"bob@example.com\"}]";
    assert_int_equal(store_conv_insert(f->st, &x, NULL), STORE_OK);
}

/* Runs a list and returns the titles' first three characters, comma-separated. */
static const char *run_list(fx_t *f, const store_scope_t *sc, const conv_filter_t *flt, int64_t *total)
{
    static char out[1024];
    titles_t t = {0};
    int64_t tot = -1;
    assert_int_equal(store_conv_list(f->st, sc, flt, &tot, collect_titles, &t), STORE_OK);
    out[0] = '\0';
    const char *p = t.s;
    while (*p) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof(out) - len, "%s%.3s", len ? "," : "", p);
        p = strchr(p, ',');
        /* titles contain no commas except the separators we wrote */
        if (!p)
            break;
        p++;
    }
    if (total)
        *total = tot;
    else
        assert_int_equal(tot, t.n); /* one page holds everything in these tests */
    return out;
}

static conv_filter_t base_filter(void)
{
    conv_filter_t flt;
    memset(&flt, 0, sizeof(flt));
    flt.page = 1;
    flt.size = 50;
    return flt;
}

static void test_list_filters(void **state)
{
    fx_t *f = *state;
    list_fx_t l;
    list_seed(f, &l);
    store_scope_t sc = {.org_uuid = f->org};
    conv_filter_t flt = base_filter();
    int64_t total;

    /* Default: archived excluded; ties on createdAt ordered by uuid desc. */
    assert_string_equal(run_list(f, &sc, &flt, &total), "c05,c06,c03,c02,c01");
    assert_int_equal(total, 5);
    flt.archived = CONV_ARCHIVED_INCLUDE;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c06,c04,c03,c02,c01");
    flt.archived = CONV_ARCHIVED_ONLY;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04");
    flt.archived = CONV_ARCHIVED_EXCLUDE;

    flt.hide_empty = true;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c06,c02,c01");
    flt.hide_empty = false;

    /* Dates are inclusive. */
    flt.has_from = flt.has_to = true;
    flt.from = 2000;
    flt.to = 3000;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c06,c03,c02");
    flt.has_to = false;
    flt.from = 3001;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05");
    flt.has_from = false;
    flt.has_to = true;
    flt.to = 999;
    assert_string_equal(run_list(f, &sc, &flt, &total), "");
    assert_int_equal(total, 0);
    flt = base_filter();

    /* Owners by id (either case) and by email; both together AND. */
    flt.owner_ids = SL(l.u1);
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.archived = CONV_ARCHIVED_INCLUDE;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04,c02");
    flt.owner_ids = SL(l.u2, f->admin);
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c06,c03,c01");
    flt = base_filter();
    flt.owner_emails = SL("U1@acme.test", "nobody@acme.test");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.owner_ids = SL(f->admin);
    assert_string_equal(run_list(f, &sc, &flt, NULL), "");
    flt = base_filter();
    flt.owner_emails = SL("x@other.test"); /* a user of another org */
    assert_string_equal(run_list(f, &sc, &flt, NULL), "");
    flt = base_filter();

    /* Title: case-insensitive substring; % and _ are literal. */
    flt.title = "WEEKLY";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c03");
    flt.archived = CONV_ARCHIVED_INCLUDE;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04,c03");
    flt.title = "%";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.title = "f_s";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.title = "_";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.title = "0%_";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "");
    flt.title = "";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c06,c04,c03,c02,c01");
    flt = base_filter();

    /* Participants (case-insensitive; the other org's bob never shows). */
    flt.participant_emails = SL("bob@example.com");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c01");
    flt.participant_emails = SL("CAROL@example.com", "bob@example.com");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02,c01");
    flt.participant_emails = SL("nobody@example.com");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "");
    flt = base_filter();

    /* Opportunity, team. */
    flt.opportunity_ids = SL("opp-1", "opp-x");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt = base_filter();
    flt.team_ids = SL(l.t2);
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.team_ids = SL(f->team);
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c03,c01");
    flt = base_filter();

    /* CRM records. */
    flt.crm_entity_code = "opportunity";
    flt.crm_field_name = "id";
    flt.crm_values = SL("crm-1");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.archived = CONV_ARCHIVED_INCLUDE;
    flt.crm_values = SL("crm-1", "crm-2");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04,c02");
    flt.crm_entity_code = "account";
    flt.crm_values = SL("123");         /* a JSON number matches its text */
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04");
    flt.crm_values = SL("crm-2");       /* crm-2 is an opportunity, not an account */
    assert_string_equal(run_list(f, &sc, &flt, NULL), "");
    flt.crm_entity_code = NULL;         /* any entity */
    flt.crm_field_name = "stage";
    flt.crm_values = SL("won");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04");
    flt.crm_field_name = NULL;          /* defaults to id */
    flt.crm_values = SL("crm-1");
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c02");
    flt.crm_values = (strlist_t){0};    /* entity only: any record of it */
    flt.crm_entity_code = "opportunity";
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c04,c02");
    flt = base_filter();

    /* The hide_* flags. */
    flt.hide_internal = true;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c06,c03,c01");
    flt = base_filter();
    flt.hide_non_analyzed = true;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c03,c01");
    flt = base_filter();
    flt.hide_pending = true;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c06,c03,c01");
    flt = base_filter();
    flt.hide_failed = true;
    flt.archived = CONV_ARCHIVED_INCLUDE;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c05,c06,c02,c01");
    flt = base_filter();

    /* User-level scope: u1 does not see u2's private c03; u2 does. */
    store_scope_t as_u1 = {.org_uuid = f->org, .user_uuid = l.u1};
    store_scope_t as_u2 = {.org_uuid = f->org, .user_uuid = l.u2};
    assert_string_equal(run_list(f, &as_u1, &flt, &total), "c05,c06,c02,c01");
    assert_int_equal(total, 4);
    assert_string_equal(run_list(f, &as_u2, &flt, NULL), "c05,c06,c03,c02,c01");

    /* Combinations are AND. */
    flt.hide_internal = true;
    flt.owner_ids = SL(f->admin);
    flt.has_to = true;
    flt.to = 3000;
    assert_string_equal(run_list(f, &sc, &flt, NULL), "c06,c01");

    /* Every conversation delivered carries its owner. */
    snap_t s = {0};
    assert_int_equal(store_conv_get(f->st, &sc, "00000000-0000-7000-8000-000000000002", take_snap, &s), STORE_OK);
    assert_string_equal(s.user_email, "u1@acme.test");

    /* Another org sees only its own. */
    uuid_str_t o2;
    assert_int_equal(store_org_resolve(f->st, "Other", o2), STORE_OK);
    store_scope_t other = {.org_uuid = o2};
    flt = base_filter();
    assert_string_equal(run_list(f, &other, &flt, NULL), "c99");
}

static void test_list_paging(void **state)
{
    fx_t *f = *state;
    /* 25 conversations; pairs share a createdAt so ordering needs the uuid. */
    char titles[25][8];
    for (int i = 0; i < 25; i++) {
        conv_t c;
        snprintf(titles[i], sizeof(titles[i]), "p%02d", i);
        conv_min(&c, f->org, f->admin, f->team, 1000 + i / 2, titles[i]);
        assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    }
    store_scope_t sc = {.org_uuid = f->org};
    conv_filter_t flt = base_filter();
    flt.size = 10;
    int64_t total;
    assert_string_equal(run_list(f, &sc, &flt, &total), "p24,p23,p22,p21,p20,p19,p18,p17,p16,p15");
    assert_int_equal(total, 25);
    flt.page = 2;
    assert_string_equal(run_list(f, &sc, &flt, &total), "p14,p13,p12,p11,p10,p09,p08,p07,p06,p05");
    flt.page = 3;
    assert_string_equal(run_list(f, &sc, &flt, &total), "p04,p03,p02,p01,p00");
    assert_int_equal(total, 25);
    flt.page = 4; /* past the end: no rows, right total */
    assert_string_equal(run_list(f, &sc, &flt, &total), "");
    assert_int_equal(total, 25);
    flt.page = INT64_MAX;
    assert_string_equal(run_list(f, &sc, &flt, &total), "");
    assert_int_equal(total, 25);
    flt.page = 1;
    flt.size = 1;
    assert_string_equal(run_list(f, &sc, &flt, &total), "p24");

    /* A callback that stops makes the list fail. */
    int calls = 0;
    flt.size = 10;
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, stop_cb, &calls), STORE_ERROR);
    assert_int_equal(calls, 1);
}

/* ---- concurrency, batches, two stores ------------------------------------------ */

typedef struct worker {
    fx_t *f;
    int idx;
    uuid_str_t *shared;
    int nshared;
    int errors;
} worker_t;

static int count_cb(void *ctx, const conv_t *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    store_scope_t sc = {.org_uuid = w->f->org};
    char title[32];
    for (int i = 0; i < 40; i++) {
        conv_t c;
        snprintf(title, sizeof(title), "w%d-%d", w->idx, i);
        conv_min(&c, w->f->org, w->f->admin, w->f->team, 5000 + i, title);
        if (store_conv_insert(w->f->st, &c, NULL) != STORE_OK)
            w->errors++;
        if (i % 4 == 0) { /* a retitle joins a batch whose imports' titles wait for its end */
            snprintf(title, sizeof(title), "w%d-%d renamed", w->idx, i);
            conv_update_t u = {.title = title, .privacy = CONV_PRIVACY_KEEP, .workflow_name = "title"};
            if (store_conv_update(w->f->st, &sc, c.uuid, &u, 6000 + i, NULL, NULL) != STORE_OK)
                w->errors++;
        }
        const char *id = w->shared[(i + w->idx) % w->nshared];
        if (store_conv_set_archived(w->f->st, &sc, id, (i + w->idx) % 2 == 0, 6000 + i, NULL, NULL) != STORE_OK)
            w->errors++;
        if (i % 10 == 0) {
            conv_filter_t flt = base_filter();
            int64_t total;
            int n = 0;
            if (store_conv_list(w->f->st, &sc, &flt, &total, count_cb, &n) != STORE_OK)
                w->errors++;
        }
    }
    return NULL;
}

static void test_concurrency(void **state)
{
    fx_t *f = *state;
    /* FULL durability here: the realistic setting for concurrent writers. */
    store_close(f->st);
    f->st = open_store(f->path, STORE_DURABILITY_FULL);
    assert_non_null(f->st);
    uuid_str_t shared[6];
    for (int i = 0; i < 6; i++) {
        conv_t c;
        conv_min(&c, f->org, f->admin, f->team, 100 + i, "shared");
        assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
        memcpy(shared[i], c.uuid, sizeof(shared[i]));
    }
    pthread_t th[4];
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t){.f = f, .idx = i, .shared = shared, .nshared = 6};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].errors, 0);
    }
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), 6 + 4 * 40);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name = 'import'"),
                     6 + 4 * 40);
    title_index_intact(f->path);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_title_fts WHERE conversation_title_fts MATCH"
                                      " '\"renamed\"'"),
                     4 * 10);
    /* Each archive/unarchive entry matches a real state change, nothing more:
     * per conversation the entries alternate archive, unarchive, … */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM (SELECT conversation_uuid, "
                                      " sum(workflow_name = 'archive') - sum(workflow_name = 'unarchive') AS d"
                                      " FROM workflow_logs GROUP BY conversation_uuid) WHERE d NOT IN (0, 1)"),
                     0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations c WHERE archived <>"
                                      " (SELECT sum(workflow_name = 'archive') - sum(workflow_name = 'unarchive')"
                                      " FROM workflow_logs w WHERE w.conversation_uuid = c.uuid)"),
                     0);
}

static void test_batch(void **state)
{
    fx_t *f = *state;
    enum { N = 3000 };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    assert_int_equal(store_batch_begin(f->st), STORE_ERROR); /* no nesting */
    char ext[32];
    uuid_str_t first = "";
    for (int i = 0; i < N; i++) {
        conv_t c;
        conv_min(&c, f->org, f->admin, f->team, 1000000 + i, "batch");
        snprintf(ext, sizeof(ext), "b-%d", i);
        c.external_id = ext;
        c.participants_json = "[{\"email\":\"p@example.com\"},{\"email\":\"q@example.com\"}]";
        assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
        if (i == 0)
            memcpy(first, c.uuid, sizeof(first));
    }
    /* A conflict inside the batch leaves the batch usable. */
    conv_t d;
    uuid_str_t existing;
    conv_min(&d, f->org, f->admin, f->team, 5, "dup");
    d.external_id = "b-0";
    assert_int_equal(store_conv_insert(f->st, &d, existing), STORE_CONFLICT);
    assert_string_equal(existing, first);
    /* Other writes join the batch too. */
    uuid_str_t t;
    assert_int_equal(store_team_create(f->st, f->org, "Batch team", NULL, NULL, t), STORE_OK);
    assert_int_equal(store_team_create(f->st, f->org, "Batch team", NULL, NULL, t), STORE_CONFLICT);
    /* Reads inside the batch see its rows. */
    store_scope_t sc = {.org_uuid = f->org};
    conv_filter_t flt = base_filter();
    int64_t total;
    int n = 0;
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, count_cb, &n), STORE_OK);
    assert_int_equal(total, N);
    /* Nothing is visible to other connections before the commit. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), 0);
    assert_int_equal(store_batch_end(f->st, true), STORE_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("batch: %d inserts in %.3f s\n", N, secs);
    assert_true(secs < 30.0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), N);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_participants"), 2 * N);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs"), N);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM teams WHERE name = 'Batch team'"), 1);
    assert_int_equal(store_batch_end(f->st, true), STORE_ERROR); /* none open */

    /* A rolled-back batch leaves nothing. */
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    for (int i = 0; i < 10; i++) {
        conv_t c;
        conv_min(&c, f->org, f->admin, f->team, 7, "gone");
        assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    }
    assert_int_equal(store_batch_end(f->st, false), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), N);
    /* Normal writes work again afterwards. */
    conv_t c;
    conv_min(&c, f->org, f->admin, f->team, 8, "after");
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), N + 1);
}

/* Lists total (no page) of scope sc whose title holds needle. */
static int64_t title_total(fx_t *f, const store_scope_t *sc, const char *needle)
{
    conv_filter_t flt = base_filter();
    flt.title = needle;
    int64_t total = -1;
    int n = 0;
    assert_int_equal(store_conv_list(f->st, sc, &flt, &total, count_cb, &n), STORE_OK);
    return total;
}

/* An import in a batch leaves its title out of the title index until the
 * batch's end (sq_titles_flush): a retitle, a title filter or the commit of
 * the same batch must each find the entries there. */
static void test_title_index_in_batches(void **state)
{
    fx_t *f = *state;
    store_scope_t sc = {.org_uuid = f->org};
    const char *names[] = {"Alpha kickoff", "Bravo review", "Charlie demo"};
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    uuid_str_t ids[3];
    for (int i = 0; i < 3; i++) {
        conv_t c;
        conv_min(&c, f->org, f->admin, f->team, 100 + i, names[i]);
        assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
        memcpy(ids[i], c.uuid, sizeof ids[i]);
    }
    assert_int_equal(title_total(f, &sc, "bravo"), 1); /* the batch reads its own titles */
    conv_t d;
    conv_min(&d, f->org, f->admin, f->team, 200, "Delta pricing");
    assert_int_equal(store_conv_insert(f->st, &d, NULL), STORE_OK);
    conv_update_t u = {.title = "Echo pricing", .privacy = CONV_PRIVACY_KEEP, .workflow_name = "title"};
    assert_int_equal(store_conv_update(f->st, &sc, d.uuid, &u, 300, NULL, NULL), STORE_OK);
    conv_t e;
    conv_min(&e, f->org, f->admin, f->team, 400, "Foxtrot onboarding"); /* still waiting at the commit */
    assert_int_equal(store_conv_insert(f->st, &e, NULL), STORE_OK);
    assert_int_equal(store_batch_end(f->st, true), STORE_OK);
    title_index_intact(f->path);
    assert_int_equal(title_total(f, &sc, "alpha"), 1);
    assert_int_equal(title_total(f, &sc, "delta"), 0);
    assert_int_equal(title_total(f, &sc, "echo pri"), 1);
    assert_int_equal(title_total(f, &sc, "foxtrot"), 1);
    assert_int_equal(title_total(f, &sc, "pricing"), 1);

    /* A rolled-back batch leaves no entry behind, and the next batch none of its titles. */
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    conv_t g;
    conv_min(&g, f->org, f->admin, f->team, 500, "Golf renewal");
    assert_int_equal(store_conv_insert(f->st, &g, NULL), STORE_OK);
    assert_int_equal(store_batch_end(f->st, false), STORE_OK);
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    conv_t h;
    conv_min(&h, f->org, f->admin, f->team, 600, "Hotel renewal");
    assert_int_equal(store_conv_insert(f->st, &h, NULL), STORE_OK);
    assert_int_equal(store_batch_end(f->st, true), STORE_OK);
    title_index_intact(f->path);
    assert_int_equal(title_total(f, &sc, "renewal"), 1);
    assert_int_equal(title_total(f, &sc, "golf"), 0);
}

/* ---- long documents: stored packed ---------------------------------------------- */

/* Counts the Ask segments handed over (ctx: an int) that hold "marmalade". */
static int count_marmalade(void *ctx, const store_ask_segment_t *sg)
{
    if (strstr(sg->text, "marmalade"))
        (*(int *)ctx)++;
    return 0;
}

static int ask_conv_found(void *ctx, const store_ask_conv_t *c)
{
    (void)ctx;
    assert_true(c->found);
    return 0;
}

/* check_conv for the row that is e->want (ctx: an expect_t), others skipped. */
static int check_long_one(void *ctx, const conv_t *g)
{
    const expect_t *e = ctx;
    return strcmp(g->uuid, e->want->uuid) == 0 ? check_conv(ctx, g) : 0;
}

/* Runs a raw statement on a separate writable connection. */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Reads, in a conversation's callback, the next id of n->ids (the same
 * thread: the same connection), then checks that its own row still renders
 * as it did before: a nested read must not reuse the outer one's unpacked
 * document. Three levels: past the connection's two kept buffers. */
typedef struct nest {
    fx_t *f;
    const char *ids[3];
    int depth, reads;
} nest_t;

static int nest_cb(void *ctx, const conv_t *g)
{
    nest_t *n = ctx;
    char *before = render_full(g);
    n->reads++;
    if (++n->depth < 3) {
        store_scope_t org = {.org_uuid = n->f->org};
        assert_int_equal(store_conv_get(n->f->st, &org, n->ids[n->depth], nest_cb, n), STORE_OK);
    }
    n->depth--;
    char *after = render_full(g);
    assert_string_equal(after, before);
    free(before);
    free(after);
    return 0;
}

/* A document of SQ_DOC_PACK_MIN bytes or more is stored packed (a BLOB), a
 * shorter one as text; every read (GET by id and by external id,
 * lists, export, Ask over a transcript without rows) gives back what was
 * inserted, byte for byte as rendered; a change rewrites it packed; one
 * that does not unpack is an error, not an empty conversation. */
static void test_long_document_packed(void **state)
{
    fx_t *f = *state;
    buf_t v1, v2; /* owned here: 150 segments, each a sentence and its words */
    buf_init(&v1);
    buf_init(&v2);
    buf_puts(&v1, "{\"pieceInFlux\":null,\"final\":[");
    buf_puts(&v2, "{\"pieceInFlux\":null,\"final\":[");
    for (int i = 0; i < 150; i++) {
        buf_printf(&v1, "%s{\"speaker\":\"A\",\"sentence\":\"segment %d about marmalade\",\"startTimestamp\":%d,"
                        "\"endTimestamp\":%d}", i ? "," : "", i, i, i + 1);
        buf_printf(&v2, "%s{\"speaker\":\"A\",\"words\":[{\"text\":\"segment\",\"startTimestamp\":%d.1,"
                        "\"endTimestamp\":%d.2},{\"text\":\"marmalade\",\"startTimestamp\":%d.3,\"endTimestamp\":%d.4}]}",
                   i ? "," : "", i, i, i, i);
    }
    buf_puts(&v1, "]}");
    buf_puts(&v2, "]}");
    assert_false(v1.oom || v2.oom);
    conv_t c = full_conv(f);
    c.transcript_v1_json = v1.data;
    c.transcript_v2_json = v2.data;
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
    conv_t small;
    conv_min(&small, f->org, f->admin, f->team, 1000, "short one");
    assert_int_equal(store_conv_insert(f->st, &small, NULL), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_bodies WHERE typeof(doc) = 'blob'"
                                      " AND length(doc) < 16384"),
                     1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_bodies WHERE typeof(doc) = 'text'"), 1);

    store_scope_t org = {.org_uuid = f->org};
    expect_t e = {.want = &c, .email = "admin@acme.test", .lang = "en"};
    assert_int_equal(store_conv_get(f->st, &org, c.uuid, check_conv, &e), STORE_OK);
    assert_int_equal(store_conv_get_by_external_id(f->st, &org, "ext-1", check_conv, &e), STORE_OK);
    assert_int_equal(e.calls, 2);
    conv_filter_t flt = base_filter();
    int64_t total = 0;
    int n = 0;
    assert_int_equal(store_conv_list(f->st, &org, &flt, &total, count_cb, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    /* export reads rows in one statement (sq_rows): the long one checks out there too */
    e.calls = 0;
    assert_int_equal(store_conv_each(f->st, f->org, true, check_long_one, &e), STORE_OK);
    assert_int_equal(e.calls, 1);

    /* reads inside reads' callbacks, three deep, each of another packed document */
    conv_t c2 = c, c3 = c;
    uuid_v7(c2.uuid);
    uuid_v7(c3.uuid);
    c2.external_id = "ext-2";
    c3.external_id = "ext-3";
    c2.title = "Second long one";
    c3.title = "Third long one";
    assert_int_equal(store_conv_insert(f->st, &c2, NULL), STORE_OK);
    assert_int_equal(store_conv_insert(f->st, &c3, NULL), STORE_OK);
    nest_t nest = {.f = f, .ids = {c.uuid, c2.uuid, c3.uuid}};
    assert_int_equal(store_conv_get(f->st, &org, c.uuid, nest_cb, &nest), STORE_OK);
    assert_int_equal(nest.reads, 3);

    /* Ask reads a transcript under 256 segments from the document */
    const char *ids[] = {c.uuid};
    char terms[1][ASK_TERM_MAX + 1] = {"marmalade"};
    store_ask_query_t q = {.ids = ids, .n_ids = 1, .terms = (const char (*)[ASK_TERM_MAX + 1])terms, .n_terms = 1};
    int hits = 0;
    assert_int_equal(store_ask_search(f->st, &org, &q, ask_conv_found, count_marmalade, &hits), STORE_OK);
    assert_int_equal(hits, 150);

    /* a change rewrites it, packed again */
    conv_update_t u = {.title = "Retitled long one", .privacy = CONV_PRIVACY_KEEP, .workflow_name = "title"};
    assert_int_equal(store_conv_update(f->st, &org, c.uuid, &u, 2000, NULL, NULL), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversation_bodies WHERE typeof(doc) = 'blob'"), 3);
    c.title = "Retitled long one";
    e.calls = 0;
    assert_int_equal(store_conv_get(f->st, &org, c.uuid, check_conv, &e), STORE_OK);
    assert_int_equal(e.calls, 1);

    /* a damaged one: every read of it fails, none hands over an empty conversation */
    raw_exec(f->path, "UPDATE conversation_bodies SET doc = substr(doc, 1, 100) WHERE typeof(doc) = 'blob'");
    e.calls = 0;
    assert_int_equal(store_conv_get(f->st, &org, c.uuid, check_conv, &e), STORE_ERROR);
    assert_int_equal(store_conv_each(f->st, f->org, true, check_long_one, &e), STORE_ERROR);
    assert_int_equal(e.calls, 0);
    hits = 0;
    assert_int_equal(store_ask_search(f->st, &org, &q, ask_conv_found, count_marmalade, &hits), STORE_ERROR);
    /* the short one still reads */
    snap_t sn = {0};
    assert_int_equal(store_conv_get(f->st, &org, small.uuid, take_snap, &sn), STORE_OK);
    buf_free(&v1);
    buf_free(&v2);
}

static void test_two_stores(void **state)
{
    fx_t *f = *state;
    char path2[160];
    snprintf(path2, sizeof(path2), "%s/second.db", f->dir);
    store_t *st2 = open_store(path2, STORE_DURABILITY_NORMAL);
    assert_non_null(st2);
    uuid_str_t o2, a2, t2, got;
    assert_int_equal(store_org_create(st2, "Acme", "admin@acme.test", o2, a2, t2), STORE_OK); /* separate db */
    assert_string_not_equal(o2, f->org);
    assert_int_equal(store_org_resolve(f->st, "Acme", got), STORE_OK);
    assert_string_equal(got, f->org);
    assert_int_equal(store_org_resolve(st2, "Acme", got), STORE_OK);
    assert_string_equal(got, o2);
    conv_t c;
    conv_min(&c, o2, a2, t2, 1, "in second");
    assert_int_equal(store_conv_insert(st2, &c, NULL), STORE_OK);
    store_scope_t sc = {.org_uuid = o2};
    assert_int_equal(store_conv_get(st2, &sc, c.uuid, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_get(f->st, &sc, c.uuid, NULL, NULL), STORE_NOT_FOUND);
    /* Closing one store does not disturb the other on this thread. */
    store_close(st2);
    assert_int_equal(store_org_resolve(f->st, "Acme", got), STORE_OK);
    st2 = open_store(path2, STORE_DURABILITY_NORMAL);
    assert_non_null(st2);
    assert_int_equal(store_conv_get(st2, &sc, c.uuid, NULL, NULL), STORE_OK);
    store_close(st2);
    unlink(path2);
}

/* parley_title_has (filter[title]) against SQLite's LIKE '%…%' with the needle
 * escaped: random titles and needles over an alphabet of ASCII letters in both
 * cases, LIKE's specials and two-byte letters whose cases differ, at every offset
 * around the 8-byte steps of its search. */
static void test_title_has_is_like(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sq_lists_functions(db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT parley_title_has(?1, lower(?2)),"
                                            " ?1 LIKE '%' || replace(replace(replace(?2, '\\', '\\\\'),"
                                            " '%', '\\%'), '_', '\\_') || '%' ESCAPE '\\'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    static const char *const alpha[] = {"a", "A", "b", "B", "k", "%", "_", "\\", " ", "\xc3\xa9", "\xc3\x89", "\xe2\x84\xaa"};
    enum { NA = sizeof(alpha) / sizeof(alpha[0]) };
    uint32_t r = 12345;
    int hits = 0;
    for (int t = 0; t < 20000; t++) {
        char h[200] = "", n[64] = "";
        size_t hl = 0, nl = 0;
        int len = (int)((r = r * 1103515245u + 12345u) >> 16) % 40;
        for (int i = 0; i < len; i++) {
            const char *a = alpha[((r = r * 1103515245u + 12345u) >> 16) % NA];
            memcpy(h + hl, a, strlen(a));
            hl += strlen(a);
        }
        h[hl] = '\0';
        /* a needle of 1-5 pieces, half the time taken from the title with its ASCII case flipped */
        int nlen = 1 + (int)((r = r * 1103515245u + 12345u) >> 16) % 5;
        size_t from = hl ? ((r = r * 1103515245u + 12345u) >> 16) % hl : 0;
        bool copy = ((r = r * 1103515245u + 12345u) >> 16) & 1;
        for (int i = 0; i < nlen; i++) {
            if (copy && from < hl) {
                char ch = h[from++];
                n[nl++] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
            } else {
                const char *a = alpha[((r = r * 1103515245u + 12345u) >> 16) % NA];
                memcpy(n + nl, a, strlen(a));
                nl += strlen(a);
            }
        }
        n[nl] = '\0';
        /* a needle cut inside a letter is not UTF-8: sq_q_title matches nothing without asking */
        if (!str_utf8_valid(n, nl))
            continue;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, h, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, n, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        if (sqlite3_column_int(s, 0) != sqlite3_column_int(s, 1))
            fail_msg("title \"%s\" needle \"%s\": parley_title_has %d, LIKE %d", h, n, sqlite3_column_int(s, 0),
                     sqlite3_column_int(s, 1));
        hits += sqlite3_column_int(s, 0);
    }
    assert_true(hits > 2000); /* both answers were given often */
    sqlite3_finalize(s);
    sqlite3_close(db);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_private_file_and_migrates),
        cmocka_unit_test(test_migration_009_keeps_users),
        cmocka_unit_test(test_title_has_is_like),
        cmocka_unit_test_setup_teardown(test_open_refuses_newer_schema, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_orgs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_users, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_teams, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_keys, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_conv_roundtrip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_conv_conflicts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scope, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_archive_idempotent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrency, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_title_index_in_batches, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_long_document_packed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_two_stores, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
