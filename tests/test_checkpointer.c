/* test_checkpointer.c - unit tests for background WAL checkpoints (store/checkpointer.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "store/checkpointer.h"

typedef struct fx {
    char dir[64];
    char path[96];
    sqlite3 *db;
} fx_t;

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f)); /* owner: fx_teardown */
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/parley-ckpt-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(sqlite3_open(f->path, &f->db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(f->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; CREATE TABLE t(x BLOB);", NULL, NULL, NULL),
                     SQLITE_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    sqlite3_close(f->db);
    char p[128];
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Commits n rows of one page each, one transaction per row. */
static void insert_pages(sqlite3 *db, int n)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(x) VALUES (zeroblob(3000))", -1, &s, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
}

static int64_t count_rows(sqlite3 *db)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* Below the soft limit nothing runs; past it the thread checkpoints (waited
 * for as an event, bounded, never as a timing assertion). */
static void test_checkpoint_in_background(void **state)
{
    fx_t *f = *state;
    char err[256];
    checkpointer_t *k = checkpointer_new(f->path, true, err, sizeof err);
    assert_non_null(k);
    checkpointer_attach(k, f->db);
    insert_pages(f->db, CHECKPOINTER_SOFT_FRAMES / 4);
    assert_int_equal(checkpointer_runs(k), 0);
    insert_pages(f->db, CHECKPOINTER_SOFT_FRAMES);
    for (int i = 0; i < 3000 && checkpointer_runs(k) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(checkpointer_runs(k) >= 1);
    assert_int_equal(count_rows(f->db), CHECKPOINTER_SOFT_FRAMES / 4 + CHECKPOINTER_SOFT_FRAMES);
    checkpointer_free(k);
    /* nothing lost: a fresh connection reads every row */
    sqlite3 *db2;
    assert_int_equal(sqlite3_open(f->path, &db2), SQLITE_OK);
    assert_int_equal(count_rows(db2), CHECKPOINTER_SOFT_FRAMES / 4 + CHECKPOINTER_SOFT_FRAMES);
    sqlite3_close(db2);
}

/* Past the hard limit the committing connection checkpoints inline. The
 * thread is only woken below it, so once it is idle only the inline path can
 * copy the frames past the limit; then the next commit restarts the WAL.
 * Without the inline path the WAL would keep every frame past the limit. */
static void test_hard_limit_inline(void **state)
{
    fx_t *f = *state;
    char err[256];
    checkpointer_t *k = checkpointer_new(f->path, false, err, sizeof err);
    assert_non_null(k);
    checkpointer_attach(k, f->db);
    insert_pages(f->db, CHECKPOINTER_HARD_FRAMES + 2000);
    checkpointer_wait_idle(k);
    insert_pages(f->db, 2); /* an inline checkpoint (if the WAL is still past the limit), then a restart */
    /* log = frames in the WAL as it stands: asking does not change it */
    int log = -1, done = -1;
    assert_int_equal(sqlite3_wal_checkpoint_v2(f->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done), SQLITE_OK);
    assert_true(log < CHECKPOINTER_HARD_FRAMES);
    checkpointer_free(k);
    assert_int_equal(count_rows(f->db), CHECKPOINTER_HARD_FRAMES + 2002);
}

/* Freeing right after asking for work: the thread stops cleanly (ASan/valgrind see no leak). */
static void test_free_while_pending(void **state)
{
    fx_t *f = *state;
    char err[256];
    checkpointer_t *k = checkpointer_new(f->path, true, err, sizeof err);
    assert_non_null(k);
    checkpointer_attach(k, f->db);
    insert_pages(f->db, CHECKPOINTER_SOFT_FRAMES + 5);
    sqlite3_wal_hook(f->db, NULL, NULL); /* detach before k goes */
    checkpointer_free(k);
    assert_int_equal(count_rows(f->db), CHECKPOINTER_SOFT_FRAMES + 5);
}

static void test_open_failure(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(checkpointer_new("/nonexistent-dir/x.db", true, err, sizeof err));
    assert_non_null(strstr(err, "cannot open database"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checkpoint_in_background, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_hard_limit_inline, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_free_while_pending, fx_setup, fx_teardown),
        cmocka_unit_test(test_open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
