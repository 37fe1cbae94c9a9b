/* test_group_commit.c - unit tests for group commit (store/group.c), the count cache, and both inside the SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store/count_cache.h"
#include "store/group.h"
#include "auth/keys.h"
#include "store/store.h"

/* ---- group.c with a fake backend ------------------------------------------------ */

typedef struct fake {
    pthread_mutex_t mu;
    int begins, commits, rollbacks;
    int in_tx;              /* jobs run while a batch is open */
    int outside_tx;         /* jobs run with no batch open: must stay 0 */
    bool open;
    bool fail_commit;       /* the next commit fails */
} fake_t;

static void *fake_conn(void *ctx) { return ctx; }

static store_rc_t fake_begin(void *conn)
{
    fake_t *f = conn;
    f->begins++;
    f->open = true;
    return STORE_OK;
}

static store_rc_t fake_commit(void *conn)
{
    fake_t *f = conn;
    f->open = false;
    if (f->fail_commit) {
        f->fail_commit = false;
        return STORE_ERROR;
    }
    f->commits++;
    return STORE_OK;
}

static void fake_rollback(void *conn)
{
    fake_t *f = conn;
    f->rollbacks++;
}

static const store_group_ops_t fake_ops = {fake_conn, fake_begin, fake_commit, fake_rollback};

/* A job: returns the rc in arg (an int), counting where it ran. */
static store_rc_t fake_job(void *conn, void *arg)
{
    fake_t *f = conn;
    if (f->open)
        f->in_tx++;
    else
        f->outside_tx++;
    return (store_rc_t)(intptr_t)arg;
}

typedef struct runner {
    store_group_t *g;
    int n;
    int ok, notfound;
} runner_t;

static void *run_jobs(void *p)
{
    runner_t *r = p;
    for (int i = 0; i < r->n; i++) {
        store_rc_t want = (i % 5 == 4) ? STORE_NOT_FOUND : STORE_OK;
        store_rc_t rc = store_group_run(r->g, fake_job, (void *)(intptr_t)want);
        if (rc == STORE_OK)
            r->ok++;
        else if (rc == STORE_NOT_FOUND)
            r->notfound++;
    }
    return NULL;
}

/* 8 threads x 200 jobs: every job runs once, inside a batch, gets its own
 * result, and the batches number at most the jobs. */
static void test_group_many_threads(void **state)
{
    (void)state;
    fake_t f = {0};
    store_group_t *g = store_group_new(&fake_ops, &f, 0);
    assert_non_null(g);
    enum { T = 8, N = 200 };
    pthread_t th[T];
    runner_t r[T];
    for (int i = 0; i < T; i++) {
        r[i] = (runner_t){g, N, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, run_jobs, &r[i]), 0);
    }
    int ok = 0, nf = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
        nf += r[i].notfound;
    }
    unsigned long long batches = 0, jobs = 0;
    store_group_stats(g, &batches, &jobs);
    store_group_free(g);
    assert_int_equal(ok, T * N * 4 / 5);
    assert_int_equal(nf, T * N / 5);
    assert_int_equal(jobs, T * N);
    assert_true(batches >= 1 && batches <= jobs);
    assert_int_equal(f.in_tx, T * N);
    assert_int_equal(f.outside_tx, 0);
    assert_int_equal(f.commits, (int)batches);
    assert_int_equal(f.begins, (int)batches);
}

/* A failed commit fails every job of that batch that had succeeded. */
static void test_group_commit_failure(void **state)
{
    (void)state;
    fake_t f = {0};
    f.fail_commit = true;
    store_group_t *g = store_group_new(&fake_ops, &f, 0);
    assert_non_null(g);
    assert_int_equal(store_group_run(g, fake_job, (void *)(intptr_t)STORE_OK), STORE_ERROR);
    assert_int_equal(f.rollbacks, 1);
    assert_int_equal(store_group_run(g, fake_job, (void *)(intptr_t)STORE_OK), STORE_OK);
    assert_int_equal(store_group_run(g, fake_job, (void *)(intptr_t)STORE_CONFLICT), STORE_CONFLICT);
    store_group_free(g);
}

typedef struct async_count {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, ok;
} async_count_t;

static void async_done(store_group_job_t *job)
{
    async_count_t *a = job->done_ctx;
    pthread_mutex_lock(&a->mu);
    a->done++;
    a->ok += job->rc == STORE_OK;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Submitted jobs all complete through their done callback. */
static void test_group_submit(void **state)
{
    (void)state;
    fake_t f = {0};
    store_group_t *g = store_group_new(&fake_ops, &f, 16);
    assert_non_null(g);
    enum { N = 300 };
    store_group_job_t *jobs = calloc(N, sizeof(*jobs));
    assert_non_null(jobs);
    async_count_t a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    for (int i = 0; i < N; i++) {
        jobs[i] = (store_group_job_t){.fn = fake_job, .arg = (void *)(intptr_t)STORE_OK, .done = async_done,
                                      .done_ctx = &a};
        assert_int_equal(store_group_submit(g, &jobs[i]), STORE_OK);
    }
    pthread_mutex_lock(&a.mu);
    while (a.done < N)
        pthread_cond_wait(&a.cv, &a.mu);
    pthread_mutex_unlock(&a.mu);
    unsigned long long batches = 0;
    store_group_stats(g, &batches, NULL);
    store_group_free(g);
    free(jobs);
    assert_int_equal(a.ok, N);
    assert_true(batches >= N / 16); /* max_batch 16 */
}

/* ---- count cache ----------------------------------------------------------------- */

/* Keys that share a set all stay (8 ways); a ninth evicts the least recently used. */
static void test_count_cache_sets(void **state)
{
    (void)state;
    store_count_cache_t *cc = store_count_cache_new(8); /* one set: every key shares it */
    assert_non_null(cc);
    char k[9][2] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    for (int i = 0; i < 8; i++)
        store_count_cache_put(cc, k[i], 1, 1, i);
    int64_t n = -1;
    for (int i = 0; i < 8; i++) {
        assert_true(store_count_cache_get(cc, k[i], 1, 1, &n)); /* "a" is now the least recently used... */
        assert_int_equal(n, i);
    }
    assert_true(store_count_cache_get(cc, k[0], 1, 1, &n)); /* ...no longer: "b" is */
    store_count_cache_put(cc, k[8], 1, 1, 8);
    assert_false(store_count_cache_get(cc, k[1], 1, 1, &n));
    for (int i = 0; i < 9; i++)
        if (i != 1)
            assert_true(store_count_cache_get(cc, k[i], 1, 1, &n));
    store_count_cache_put(cc, k[2], 1, 2, 22); /* a key stored again takes its own slot */
    assert_true(store_count_cache_get(cc, k[2], 1, 2, &n));
    assert_int_equal(n, 22);
    assert_true(store_count_cache_get(cc, k[3], 1, 1, &n));
    store_count_cache_free(cc);
}

static void test_count_cache(void **state)
{
    (void)state;
    store_count_cache_t *cc = store_count_cache_new(8);
    assert_non_null(cc);
    int64_t n = -1;
    assert_false(store_count_cache_get(cc, "a", 1, 1, &n));
    store_count_cache_put(cc, "a", 1, 1, 42);
    assert_true(store_count_cache_get(cc, "a", 1, 1, &n));
    assert_int_equal(n, 42);
    assert_false(store_count_cache_get(cc, "a", 1, 2, &n)); /* another epoch */
    assert_false(store_count_cache_get(cc, "ab", 2, 1, &n)); /* another key */
    char big[STORE_COUNT_CACHE_MAX_KEY + 1];
    memset(big, 'x', sizeof big);
    store_count_cache_put(cc, big, sizeof big, 1, 7);
    assert_false(store_count_cache_get(cc, big, sizeof big, 1, &n));
    store_count_cache_free(cc);
    store_count_cache_free(NULL);
}

/* ---- the SQLite store -------------------------------------------------------------- */

typedef struct fx {
    char dir[64];
    char path[128];
    store_t *st;
    uuid_str_t org, admin, team;
    int n;
    uuid_str_t *ids; /* n inserted conversations */
} fx_t;

enum { FX_CONVS = 400 };

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/parley_group_test_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    store_opts_t o = {.url = f->path, .durability = STORE_DURABILITY_FULL};
    char err[256];
    f->st = store_open(&o, err, sizeof(err));
    assert_non_null(f->st);
    assert_int_equal(store_org_create(f->st, "Acme", "admin@acme.test", f->org, f->admin, f->team), STORE_OK);
    f->n = FX_CONVS;
    f->ids = calloc(FX_CONVS, sizeof(uuid_str_t));
    assert_non_null(f->ids);
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    for (int i = 0; i < FX_CONVS; i++) {
        conv_t c;
        memset(&c, 0, sizeof(c));
        uuid_v7(c.uuid);
        memcpy(c.org_uuid, f->org, sizeof(uuid_str_t));
        memcpy(c.user_uuid, f->admin, sizeof(uuid_str_t));
        c.created_at = 1700000000 + i;
        c.title = (i % 2) ? "Pricing call with Initech" : "Kickoff with Globex";
        assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
        memcpy(f->ids[i], c.uuid, sizeof(uuid_str_t));
    }
    assert_int_equal(store_batch_end(f->st, true), STORE_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    char p[160];
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    rmdir(f->dir);
    free(f->ids);
    free(f);
    return 0;
}

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

static int seen_archived(void *ctx, const conv_t *c)
{
    *(int *)ctx += c->archived ? 1 : 0;
    return 0;
}

typedef struct archiver {
    fx_t *f;
    int from, step;
    int ok, seen, missing;
} archiver_t;

/* Archives ids from, from+step, … and one unknown id every 10 (NOT_FOUND). */
static void *archive_some(void *p)
{
    archiver_t *a = p;
    store_scope_t sc = {a->f->org, NULL};
    for (int i = a->from; i < a->f->n; i += a->step) {
        if (store_conv_set_archived(a->f->st, &sc, a->f->ids[i], true, 1800000000, seen_archived, &a->seen) ==
            STORE_OK)
            a->ok++;
        if (i % 10 == 0) {
            uuid_str_t none;
            uuid_v7(none);
            if (store_conv_set_archived(a->f->st, &sc, none, true, 1800000000, NULL, NULL) == STORE_NOT_FOUND)
                a->missing++;
        }
    }
    return NULL;
}

/* 8 threads archive 400 distinct conversations concurrently through the group
 * commit: every call is acknowledged, every acknowledged row is changed on
 * disk with its workflow-log entry, failures in a batch do not touch the others. */
static void test_store_concurrent_archives(void **state)
{
    fx_t *f = *state;
    enum { T = 8 };
    pthread_t th[T];
    archiver_t a[T];
    for (int i = 0; i < T; i++) {
        a[i] = (archiver_t){f, i, T, 0, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, archive_some, &a[i]), 0);
    }
    int ok = 0, seen = 0, missing = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        ok += a[i].ok;
        seen += a[i].seen;
        missing += a[i].missing;
    }
    assert_int_equal(ok, f->n);
    assert_int_equal(seen, f->n);
    assert_int_equal(missing, f->n / 10);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 1"), f->n);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM workflow_logs WHERE workflow_name = 'archive'"), f->n);
}

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, ok, seen;
} waiter_t;

static void waiter_done(void *ctx, store_rc_t rc)
{
    waiter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->done++;
    w->ok += rc == STORE_OK;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static int waiter_seen(void *ctx, const conv_t *c)
{
    waiter_t *w = ctx; /* cb runs on the writer thread, done afterwards: no lock needed against done */
    w->seen += c->archived ? 1 : 0;
    return 0;
}

/* The asynchronous form: every archive's done runs once, after cb, and the rows are on disk. */
static void test_store_async_archives(void **state)
{
    fx_t *f = *state;
    waiter_t w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
    store_scope_t sc = {f->org, NULL};
    for (int i = 0; i < f->n; i++)
        store_conv_set_archived_async(f->st, &sc, f->ids[i], true, 1800000000, waiter_seen, &w, waiter_done, &w);
    pthread_mutex_lock(&w.mu);
    while (w.done < f->n)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    assert_int_equal(w.ok, f->n);
    assert_int_equal(w.seen, f->n);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 1"), f->n);

    /* not a uuid: NOT_FOUND through done */
    w.done = w.ok = 0;
    store_conv_set_archived_async(f->st, &sc, "nope", true, 1800000000, NULL, NULL, waiter_done, &w);
    pthread_mutex_lock(&w.mu);
    while (w.done < 1)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    assert_int_equal(w.ok, 0);
}

/* List counts are cached, and never stale: a change through the store or by
 * another connection (another process) is seen by the next count. */
static void test_store_count_cache_stays_exact(void **state)
{
    fx_t *f = *state;
    store_scope_t sc = {f->org, NULL};
    conv_filter_t flt;
    memset(&flt, 0, sizeof(flt));
    flt.page = 1;
    flt.size = 5;
    flt.archived = CONV_ARCHIVED_EXCLUDE;
    int64_t total = -1;
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, f->n);
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK); /* cached */
    assert_int_equal(total, f->n);
    assert_int_equal(store_conv_set_archived(f->st, &sc, f->ids[0], true, 1800000000, NULL, NULL), STORE_OK);
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, f->n - 1);

    sqlite3 *db = NULL; /* another connection, as another process would */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE conversations SET archived = 1 WHERE id IN (2, 3)", NULL, NULL, NULL),
                     SQLITE_OK);
    /* one rare title (the trigram index counts it) with non-ASCII letters and LIKE's specials */
    assert_int_equal(sqlite3_exec(db, "UPDATE conversations SET title = 'Renewal: Ünïcode GmbH, 100%_off' WHERE id = 4",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, f->n - 3);

    /* filter[title] through the trigram index: same answer as the substring rule */
    flt.title = "initech";
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 0"
                                             " AND title LIKE '%initech%'"));
    flt.title = "KICKOFF WITH";
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 0"
                                             " AND title LIKE '%kickoff with%'"));
    /* the trigram index's superset, narrowed by parley_title_has, is the substring rule of LIKE:
     * ASCII letters without case, everything else exactly, %, _ and \ as themselves */
    static const char *const rare[][2] = {
        {"renewal", "%renewal%"},           {"ÜNÏCODE", "%ÜNÏCODE%"}, {"Ünïcode gmbh", "%Ünïcode gmbh%"},
        {"100%_OFF", "%100\\%\\_off%"}, {"1000%", "%1000\\%%"},
    };
    for (size_t i = 0; i < sizeof(rare) / sizeof(rare[0]); i++) {
        flt.title = rare[i][0];
        assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM conversations WHERE archived = 0 AND title LIKE '%s' ESCAPE '\\'",
                 rare[i][1]);
        assert_int_equal(total, raw_int(f->path, sql));
        assert_int_equal(total, i == 0 || i == 2 || i == 3 ? 1 : 0);
    }
    flt.title = "ob"; /* under 3 characters: no index, same rule */
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 0"
                                             " AND title LIKE '%ob%'"));

    /* the per-owner counts (migration 004) match the rows after every kind of change */
    assert_int_equal(store_conv_set_archived(f->st, &sc, f->ids[0], false, 1800000001, NULL, NULL), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM (SELECT org_uuid, user_uuid, archived, is_empty,"
                                      " is_private, count(*) AS k FROM conversations GROUP BY 1, 2, 3, 4, 5) g"
                                      " LEFT JOIN conversation_counts cc USING (org_uuid, user_uuid, archived,"
                                      " is_empty, is_private) WHERE cc.n IS NOT g.k"),
                     0);
    assert_int_equal(raw_int(f->path, "SELECT sum(n) FROM conversation_counts"), f->n);
    flt.title = NULL;
    flt.archived = CONV_ARCHIVED_ONLY;
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, 2);
    store_scope_t user = {f->org, f->admin}; /* a user-level scope: the owner's rows, private or not */
    flt.archived = CONV_ARCHIVED_INCLUDE;
    assert_int_equal(store_conv_list(f->st, &user, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, f->n);

    /* The cache is keyed by list_version (migration 015): a write a count does not read (an API key's
     * lastSeenAt) keeps it. Shown by a change made behind list_version's back (its trigger dropped for
     * it): the cached count stays, across the key's touch, until a tracked write. */
    flt.archived = CONV_ARCHIVED_EXCLUDE;
    flt.title = "initech";
    int64_t live = raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 0 AND title LIKE '%initech%'");
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, live);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN; DROP TRIGGER list_version_conversations_au;"
                                      " UPDATE conversations SET archived = 1 WHERE id = (SELECT min(id) FROM conversations"
                                      " WHERE archived = 0 AND title LIKE '%initech%');"
                                      " CREATE TRIGGER list_version_conversations_au AFTER UPDATE ON conversations BEGIN"
                                      " UPDATE list_version SET n = n + 1 WHERE id = 1; END; COMMIT",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    key_hash_t hash = {1, 2, 3};
    uuid_str_t key_id;
    assert_int_equal(store_key_create(f->st, f->org, NULL, true, "touch", hash, "abcd", key_id), STORE_OK);
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, live); /* cached: the untracked change is not seen */
    int64_t v = raw_int(f->path, "SELECT n FROM list_version");
    assert_int_equal(store_key_touch(f->st, key_id, 1800000300), STORE_OK);
    assert_int_equal(raw_int(f->path, "SELECT n FROM list_version"), v);
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, live); /* still cached after the touch */
    assert_int_equal(store_conv_set_archived(f->st, &sc, f->ids[0], true, 1800000400, NULL, NULL), STORE_OK);
    assert_true(raw_int(f->path, "SELECT n FROM list_version") > v);
    assert_int_equal(store_conv_list(f->st, &sc, &flt, &total, NULL, NULL), STORE_OK);
    assert_int_equal(total, raw_int(f->path, "SELECT count(*) FROM conversations WHERE archived = 0"
                                             " AND title LIKE '%initech%'"));
    assert_int_equal(total, live - 1); /* ids[0] is a Globex call: the untracked change, now counted */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_many_threads),
        cmocka_unit_test(test_group_commit_failure),
        cmocka_unit_test(test_group_submit),
        cmocka_unit_test(test_count_cache),
        cmocka_unit_test(test_count_cache_sets),
        cmocka_unit_test_setup_teardown(test_store_concurrent_archives, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_async_archives, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_count_cache_stays_exact, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
