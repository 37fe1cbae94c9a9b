/* test_store_backup.c - unit tests of store_backup and store_check (src/store/backup.c, check.c) on SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/seed.h"
#include "store/migrations.h"
#include "store/store.h"

#define T_NOW 1718000000LL
#define T_SEEDED 300 /* conversations seeded into the fixture */

/* ---- fixture: a seeded database in a private temp directory ----------------- */

typedef struct fx {
    char dir[64];
    char path[128];   /* the live database */
    char copy[128];   /* where backups go */
    store_t *st;
    uuid_str_t org, admin, team;
    uuid_str_t first; /* a seeded conversation, not archived */
} fx_t;

static int first_live(void *ctx, const conv_t *c)
{
    if (!c->archived && !((char *)ctx)[0])
        snprintf(ctx, sizeof(uuid_str_t), "%s", c->uuid);
    return 0;
}

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/parley_backup_test_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/live.db", f->dir);
    snprintf(f->copy, sizeof f->copy, "%s/copy.db", f->dir);
    char err[256] = "";
    store_opts_t so = {.url = f->path, .durability = STORE_DURABILITY_NORMAL};
    f->st = store_open(&so, err, sizeof err);
    if (!f->st)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_org_create(f->st, "Acme", "admin@acme.test", f->org, f->admin, f->team), STORE_OK);
    seed_opts_t o = {.org_uuid = f->org, .count = T_SEEDED, .seed = 1, .now = T_NOW};
    if (seed_run(f->st, &o, err, sizeof err) != 0)
        fail_msg("seed_run: %s", err);
    store_scope_t sc = {.org_uuid = f->org};
    conv_filter_t flt = {.page = 1, .size = 100};
    int64_t total = 0;
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, first_live, f->first), STORE_OK);
    assert_true(f->first[0]);
    *state = f;
    return 0;
}

/* Removes every file of the directory (leftovers included), then it. */
static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    rm_dir(f->dir);
    free(f);
    return 0;
}

/* The names in dir that contain part, counted. */
static int files_with(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

/* One integer from sql on the database at path (a separate, read-only connection). */
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

/* Runs sql on the database at path (read-write, foreign keys off). */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* ---- backup --------------------------------------------------------------------- */

/* What the progress callback of test_backup_is_a_snapshot does and saw. */
typedef struct during {
    fx_t *f;
    int calls;
    int64_t last_done, total;
    int stop_at;          /* abandon at this call (0: never) */
    bool write;           /* write to the live database at the first call */
} during_t;

static int during_cb(void *ctx, int64_t done, int64_t total)
{
    during_t *d = ctx;
    d->calls++;
    assert_true(done > d->last_done);
    assert_true(done <= total);
    d->last_done = done;
    d->total = total;
    if (d->write && d->calls == 1) {
        /* committed while the copy is under way: not blocked, and not in the copy */
        fx_t *f = d->f;
        store_scope_t sc = {.org_uuid = f->org};
        assert_int_equal(store_conv_set_archived(f->st, &sc, f->first, true, T_NOW, NULL, NULL), STORE_OK);
        char err[256] = "";
        seed_opts_t o = {.org_uuid = f->org, .count = 20, .seed = 2, .now = T_NOW};
        if (seed_run(f->st, &o, err, sizeof err) != 0)
            fail_msg("seed_run during the backup: %s", err);
    }
    return d->stop_at && d->calls == d->stop_at;
}

static void test_backup_is_a_snapshot(void **state)
{
    fx_t *f = *state;
    during_t d = {.f = f, .write = true};
    store_backup_opts_t o = {.db = f->path, .to = f->copy, .step_pages = 8, .progress = during_cb, .progress_ctx = &d};
    store_backup_info_t info;
    char err[512] = "";
    int64_t archived_before = raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived");
    if (store_backup(&o, &info, err, sizeof err) != STORE_OK)
        fail_msg("store_backup: %s", err);
    /* the live database has the writes made during the copy; the copy has none of them */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), T_SEEDED + 20);
    assert_int_equal(info.conversations, T_SEEDED);
    assert_int_equal(info.archived, archived_before);
    assert_int_equal(raw_int(f->copy, "SELECT count(*) FROM conversations"), T_SEEDED);
    assert_int_equal(info.schema_version, store_migrations_latest(store_sqlite_migrations));
    /* never restarted by those writes: one step per 8 pages */
    assert_true(info.pages > 8 * 4);
    assert_int_equal(info.steps, (info.pages + 7) / 8);
    assert_int_equal(d.calls, info.steps);
    assert_int_equal(d.last_done, info.pages);
    assert_int_equal(info.bytes, info.pages * info.page_size);
    /* one private, self-contained file: mode 0600, rollback journal, nothing beside it */
    struct stat sb;
    assert_int_equal(stat(f->copy, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, info.bytes);
    assert_int_equal(files_with(f->dir, "copy.db"), 1);
    unsigned char hdr[20];
    int fd = open(f->copy, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
    close(fd);
    assert_int_equal(hdr[18], 1); /* file format 1: not WAL */
    assert_int_equal(hdr[19], 1);
    /* it checks out, and a store opens it (back in WAL) with the conversation not archived */
    store_check_report_t r;
    assert_int_equal(store_check(f->copy, &r, err, sizeof err), STORE_OK);
    assert_true(r.ok);
    assert_int_equal(r.counts[STORE_COUNT_CONVERSATIONS], T_SEEDED);
    assert_int_equal(r.counts[STORE_COUNT_ORGANIZATIONS], 1);
    store_opts_t so = {.url = f->copy};
    store_t *st = store_open(&so, err, sizeof err);
    assert_non_null(st);
    store_scope_t sc = {.org_uuid = f->org};
    conv_filter_t flt = {.page = 1, .size = 1, .archived = CONV_ARCHIVED_ONLY};
    int64_t total = -1;
    assert_int_equal(store_conv_list(st, &sc, &flt, &total, first_live, (char[sizeof(uuid_str_t)]){0}), STORE_OK);
    assert_int_equal(total, archived_before);
    store_close(st);
}

static void test_backup_refusals(void **state)
{
    fx_t *f = *state;
    char err[512] = "", other[160];
    store_backup_opts_t o = {.db = f->path, .to = f->copy};
    /* an existing file is kept unless force */
    write_file(f->copy, "keep me");
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_CONFLICT);
    assert_non_null(strstr(err, "exists"));
    assert_non_null(strstr(err, "--force"));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations"), T_SEEDED);
    FILE *fp = fopen(f->copy, "r");
    assert_non_null(fp);
    assert_non_null(fgets(other, sizeof other, fp));
    fclose(fp);
    assert_string_equal(other, "keep me");
    o.force = true;
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_OK);
    assert_int_equal(raw_int(f->copy, "SELECT count(*) FROM conversations"), T_SEEDED);
    /* never over the database itself, even with force, nor onto a directory */
    o.to = f->path;
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "the database itself"));
    o.to = f->dir;
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "directory"));
    /* a directory that does not exist */
    snprintf(other, sizeof other, "%s/no/such/dir/x.db", f->dir);
    o.to = other;
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "No such file or directory"));
    /* sources that are not Parley databases */
    o.to = f->copy;
    o.force = false;
    unlink(f->copy);
    snprintf(other, sizeof other, "%s/missing.db", f->dir);
    o.db = other;
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_int_equal(access(other, F_OK), -1); /* not created */
    snprintf(other, sizeof other, "%s/text.db", f->dir);
    write_file(other, "this is not a database, just some text that is long enough to have a header............");
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "not an SQLite database"));
    snprintf(other, sizeof other, "%s/plain.db", f->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(a)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "not a Parley database"));
    o.db = "postgres://u:secret@localhost/parley";
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "pg_dump"));
    assert_null(strstr(err, "secret"));
    o.db = "sqlite://";
    assert_int_equal(store_backup(&o, NULL, err, sizeof err), STORE_ERROR);
    assert_int_equal(store_backup(NULL, NULL, err, sizeof err), STORE_ERROR);
    /* none of it left a copy or a partial file behind */
    assert_int_equal(files_with(f->dir, "copy.db"), 0);
    assert_int_equal(files_with(f->dir, "partial"), 0);
}

/* Abandoned half-way (a signal in `parley backup`): no file, no leftovers. */
static void test_backup_abandoned(void **state)
{
    fx_t *f = *state;
    during_t d = {.f = f, .stop_at = 2};
    store_backup_opts_t o = {.db = f->path, .to = f->copy, .step_pages = 4, .progress = during_cb, .progress_ctx = &d};
    store_backup_info_t info;
    char err[512] = "";
    assert_int_equal(store_backup(&o, &info, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "interrupted"));
    assert_int_equal(d.calls, 2);
    assert_true(d.last_done < d.total);
    assert_int_equal(access(f->copy, F_OK), -1);
    assert_int_equal(files_with(f->dir, "copy.db"), 0);
    /* and the live database is untouched and writable */
    store_scope_t sc = {.org_uuid = f->org};
    assert_int_equal(store_conv_set_archived(f->st, &sc, f->first, true, T_NOW, NULL, NULL), STORE_OK);
}

/* ---- check ---------------------------------------------------------------------- */

static void test_check_live_database(void **state)
{
    fx_t *f = *state;
    store_check_report_t r;
    char err[512] = "";
    /* a writer in the middle of a transaction neither blocks the check nor shows in it */
    sqlite3 *w = NULL;
    assert_int_equal(sqlite3_open(f->path, &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE; DELETE FROM workflow_logs;", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_check(f->path, &r, err, sizeof err), STORE_OK);
    assert_int_equal(sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);
    if (!r.ok)
        fail_msg("problems: %s", r.problems);
    assert_false(r.postgres);
    assert_true(r.integrity_ok);
    assert_true(r.foreign_keys_ok);
    assert_string_equal(r.problems, "");
    assert_int_equal(r.schema_version, r.known_version);
    assert_int_equal(r.known_version, store_migrations_latest(store_sqlite_migrations));
    assert_int_equal(r.counts[STORE_COUNT_ORGANIZATIONS], 1);
    assert_int_equal(r.counts[STORE_COUNT_USERS], raw_int(f->path, "SELECT count(*) FROM users"));
    assert_true(r.counts[STORE_COUNT_USERS] > 1);
    assert_int_equal(r.counts[STORE_COUNT_TEAMS], raw_int(f->path, "SELECT count(*) FROM teams"));
    assert_int_equal(r.counts[STORE_COUNT_API_KEYS], 0);
    assert_int_equal(r.counts[STORE_COUNT_CONVERSATIONS], T_SEEDED);
    assert_int_equal(r.counts[STORE_COUNT_CONVERSATIONS_ARCHIVED],
                     raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived"));
    assert_int_equal(r.counts[STORE_COUNT_WORKFLOW_LOGS], raw_int(f->path, "SELECT count(*) FROM workflow_logs"));
    assert_true(r.counts[STORE_COUNT_WORKFLOW_LOGS] >= T_SEEDED);
    assert_string_equal(store_count_label(STORE_COUNT_CONVERSATIONS_ARCHIVED), "archived conversations");
    assert_string_equal(store_count_label(STORE_COUNT__N), "?");
    /* the check wrote nothing: a write right after works without waiting */
    store_scope_t sc = {.org_uuid = f->org};
    assert_int_equal(store_conv_set_archived(f->st, &sc, f->first, true, T_NOW, NULL, NULL), STORE_OK);
}

/* Makes a fresh copy of the fixture's database (the live store stays open). */
static void fresh_copy(fx_t *f)
{
    char err[512] = "";
    store_backup_opts_t o = {.db = f->path, .to = f->copy, .force = true};
    if (store_backup(&o, NULL, err, sizeof err) != STORE_OK)
        fail_msg("store_backup: %s", err);
}

static void test_check_finds_problems(void **state)
{
    fx_t *f = *state;
    store_check_report_t r;
    char err[512] = "", sql[128];
    int known = store_migrations_latest(store_sqlite_migrations);
    int before = 0; /* the migration before the newest (numbers need not be consecutive) */
    for (const store_migration_t *m = store_sqlite_migrations; m->version; m++)
        if (m->version < known && m->version > before)
            before = m->version;

    /* an older schema: serve would migrate it, but it is not what this parley writes */
    fresh_copy(f);
    snprintf(sql, sizeof sql, "DELETE FROM schema_migrations WHERE version = %d", known);
    raw_exec(f->copy, sql);
    assert_int_equal(store_check(f->copy, &r, err, sizeof err), STORE_OK);
    assert_false(r.ok);
    assert_int_equal(r.schema_version, before);
    assert_true(r.integrity_ok);
    assert_non_null(strstr(r.problems, "older"));
    /* a newer one */
    raw_exec(f->copy, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 0)");
    assert_int_equal(store_check(f->copy, &r, err, sizeof err), STORE_OK);
    assert_false(r.ok);
    assert_int_equal(r.schema_version, 999);
    assert_non_null(strstr(r.problems, "newer"));

    /* rows that refer to missing rows */
    fresh_copy(f);
    raw_exec(f->copy, "PRAGMA foreign_keys = OFF;"
                      "INSERT INTO users(uuid, org_uuid, email, created_at) VALUES ('u-x', 'no-such-org', 'x@y', 0);"
                      "INSERT INTO teams(uuid, org_uuid, name, created_at) VALUES ('t-x', 'no-such-org', 'X', 0);");
    assert_int_equal(store_check(f->copy, &r, err, sizeof err), STORE_OK);
    assert_false(r.ok);
    assert_true(r.integrity_ok);
    assert_false(r.foreign_keys_ok);
    assert_non_null(strstr(r.problems, "foreign keys: 2 rows refer to missing rows"));
    assert_non_null(strstr(r.problems, "users row"));
    assert_non_null(strstr(r.problems, "organizations"));

    /* damaged pages: garbage over the middle of the file */
    fresh_copy(f);
    struct stat sb;
    assert_int_equal(stat(f->copy, &sb), 0);
    int fd = open(f->copy, O_WRONLY);
    assert_true(fd >= 0);
    char junk[4096 * 4];
    memset(junk, 0x5a, sizeof junk);
    off_t at = (sb.st_size / 2) / 4096 * 4096;
    assert_int_equal(pwrite(fd, junk, sizeof junk, at), (ssize_t)sizeof junk);
    close(fd);
    store_rc_t rc = store_check(f->copy, &r, err, sizeof err);
    assert_int_equal(rc, STORE_OK);
    assert_false(r.ok);
    assert_false(r.integrity_ok);
    assert_non_null(strstr(r.problems, "integrity: "));

    /* files that are not Parley databases: the check cannot run */
    snprintf(sql, sizeof sql, "%s/none.db", f->dir);
    assert_int_equal(store_check(sql, &r, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_int_equal(access(sql, F_OK), -1);
    write_file(sql, "SQLite format 3\n but then nothing of the rest of a header, a page or anything..................");
    assert_int_equal(store_check(sql, &r, err, sizeof err), STORE_ERROR);
    assert_true(strstr(err, "not an SQLite database") || strstr(err, "cannot read"));
    unlink(sql);
    assert_int_equal(store_check(f->dir, &r, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(store_check("", &r, err, sizeof err), STORE_ERROR);
    if (geteuid() != 0) { /* root reads anything */
        fresh_copy(f);
        chmod(f->copy, 0);
        assert_int_equal(store_check(f->copy, &r, err, sizeof err), STORE_ERROR);
        assert_non_null(strstr(err, "Permission denied"));
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backup_is_a_snapshot, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_backup_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_backup_abandoned, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_check_live_database, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_check_finds_problems, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
