/* test_cli_common.c - unit tests of the helpers the subcommands share (cli/common.c): cli_store_org. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/common.h"
#include "store/store.h"

/* A fresh SQLite file in its own temporary directory holding one organization "CLI Co". */
typedef struct t_db {
    char dir[64];
    char path[96];
    uuid_str_t org;
} t_db_t;

static int t_setup(void **state)
{
    t_db_t *d = calloc(1, sizeof *d); /* owner: t_teardown */
    assert_non_null(d);
    snprintf(d->dir, sizeof d->dir, "/tmp/parley_cli_XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->path, sizeof d->path, "%s/t.db", d->dir);
    char err[256] = "";
    store_opts_t so = {.url = d->path, .durability = STORE_DURABILITY_NORMAL};
    store_t *st = store_open(&so, err, sizeof err);
    if (!st)
        fail_msg("store_open: %s", err);
    uuid_str_t admin, team;
    assert_int_equal(store_org_create(st, "CLI Co", "admin@cli.example", d->org, admin, team), STORE_OK);
    store_close(st);
    *state = d;
    return 0;
}

static int t_teardown(void **state)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    t_db_t *d = *state;
    char p[128];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", d->path, sfx[i]);
        unlink(p);
    }
    rmdir(d->dir);
    free(d);
    return 0;
}

/* The organization resolves by exact name and by uuid; the store stays open for the caller. */
static void test_store_org_found(void **state)
{
    t_db_t *d = *state;
    const char *refs[] = {"CLI Co", d->org};
    for (size_t i = 0; i < 2; i++) {
        uuid_str_t out = "";
        store_t *st = cli_store_org(d->path, STORE_DURABILITY_FULL, refs[i], out);
        assert_non_null(st);
        assert_string_equal(out, d->org);
        store_close(st);
    }
}

/* An unknown organization or an unopenable database gives NULL (the store closed: no leak under ASan). */
static void test_store_org_fails(void **state)
{
    t_db_t *d = *state;
    uuid_str_t out;
    assert_null(cli_store_org(d->path, STORE_DURABILITY_FULL, "No Such Co", out));
    assert_null(cli_store_org(d->path, STORE_DURABILITY_FULL, "01234567-89ab-7def-8123-456789abcdef", out));
    char bad[128];
    snprintf(bad, sizeof bad, "%s/missing/dir/t.db", d->dir);
    assert_null(cli_store_org(bad, STORE_DURABILITY_FULL, "CLI Co", out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_org_found, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_store_org_fails, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
