/* test_store_admin.c - unit tests for the key, team, membership and export reads of the store (SQLite backend). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>
#include <unistd.h>

#include "auth/auth.h"
#include "store/store.h"

/* ---- fixture: a fresh database with two organizations ------------------------ */

typedef struct fx {
    char dir[64];
    char path[128];
    store_t *st;
    uuid_str_t org, admin, team;    /* "Acme" */
    uuid_str_t org2, admin2, team2; /* "Beta": must never see Acme's rows */
} fx_t;

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/parley_store_admin_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    store_opts_t o = {.url = f->path, .durability = STORE_DURABILITY_NORMAL};
    char err[256] = "";
    f->st = store_open(&o, err, sizeof(err));
    assert_non_null(f->st);
    assert_int_equal(store_org_create(f->st, "Acme", "admin@acme.test", f->org, f->admin, f->team), STORE_OK);
    assert_int_equal(store_org_create(f->st, "Beta", "admin@beta.test", f->org2, f->admin2, f->team2), STORE_OK);
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
    free(f);
    return 0;
}

/* ---- collectors ------------------------------------------------------------------ */

/* Ids seen by a callback, "a,b,c", and their count. */
typedef struct seen {
    char s[2048];
    int n;
    int stop_after; /* >0: return non-zero on that call */
} seen_t;

static void seen_add(seen_t *x, const char *id)
{
    size_t len = strlen(x->s);
    snprintf(x->s + len, sizeof(x->s) - len, "%s%s", x->n ? "," : "", id);
    x->n++;
}

static int seen_key(void *ctx, const store_key_info_t *k)
{
    seen_add(ctx, k->id);
    return 0;
}

static int seen_team(void *ctx, const store_team_t *t)
{
    seen_add(ctx, t->name);
    return 0;
}

static int seen_user(void *ctx, const store_user_t *u)
{
    seen_t *x = ctx;
    seen_add(x, u->email);
    return x->stop_after && x->n >= x->stop_after;
}

static int seen_conv(void *ctx, const conv_t *c)
{
    seen_t *x = ctx;
    seen_add(x, c->title ? c->title : "(null)");
    return x->stop_after && x->n >= x->stop_after;
}

static void issue(fx_t *f, const char *org, const char *user, bool org_level, const char *name, uuid_str_t id)
{
    char key[KEY_STR_LEN + 1];
    assert_int_equal(auth_key_issue(f->st, org, user, org_level, name, key, id), STORE_OK);
    assert_int_equal(strncmp(key, KEY_PREFIX, strlen(KEY_PREFIX)), 0);
    sodium_memzero(key, sizeof key);
}

/* ---- keys ------------------------------------------------------------------------- */

static void test_key_get_and_list(void **state)
{
    fx_t *f = *state;
    uuid_str_t bob, k1, k2, k3, kb;
    store_user_new_t nu = {.org_uuid = f->org, .email = "bob@acme.test"};
    assert_int_equal(store_user_create(f->st, &nu, bob), STORE_OK);
    issue(f, f->org, NULL, true, "org key", k1);
    issue(f, f->org, bob, false, "bob key", k2);
    issue(f, f->org, bob, false, "bob 2", k3);
    issue(f, f->org2, NULL, true, "beta key", kb);

    store_key_info_t k;
    assert_int_equal(store_key_get(f->st, f->org, k2, &k), STORE_OK);
    assert_string_equal(k.id, k2);
    assert_string_equal(k.name, "bob key");
    assert_string_equal(k.org_uuid, f->org);
    assert_string_equal(k.user_uuid, bob);
    assert_false(k.org_level);
    assert_int_equal(strlen(k.last4), 4);
    assert_int_equal(k.last_seen_at, 0);
    assert_true(k.created_at > 0);
    assert_int_equal(store_key_get(f->st, f->org, k1, &k), STORE_OK);
    assert_true(k.org_level);
    assert_string_equal(k.user_uuid, f->admin); /* NULL user: the org's admin */

    /* another org's key, an unknown id and a malformed one are all NOT_FOUND */
    assert_int_equal(store_key_get(f->st, f->org, kb, &k), STORE_NOT_FOUND);
    assert_int_equal(store_key_get(f->st, f->org2, k1, &k), STORE_NOT_FOUND);
    assert_int_equal(store_key_get(f->st, f->org, "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", &k), STORE_NOT_FOUND);
    assert_int_equal(store_key_get(f->st, f->org, "not-a-uuid", &k), STORE_NOT_FOUND);

    seen_t all = {0}, mine = {0}, beta = {0};
    assert_int_equal(store_key_list(f->st, f->org, NULL, seen_key, &all), STORE_OK);
    char want[256];
    snprintf(want, sizeof want, "%s,%s,%s", k1, k2, k3);
    assert_string_equal(all.s, want);
    assert_int_equal(store_key_list(f->st, f->org, bob, seen_key, &mine), STORE_OK);
    snprintf(want, sizeof want, "%s,%s", k2, k3);
    assert_string_equal(mine.s, want);
    assert_int_equal(store_key_list(f->st, f->org2, NULL, seen_key, &beta), STORE_OK);
    assert_string_equal(beta.s, kb);
    seen_t none = {0};
    assert_int_equal(store_key_list(f->st, f->org, "junk", seen_key, &none), STORE_OK);
    assert_int_equal(none.n, 0);

    /* revoked keys disappear from get, list and lookup */
    assert_int_equal(store_key_revoke(f->st, f->org, k2), STORE_OK);
    assert_int_equal(store_key_get(f->st, f->org, k2, &k), STORE_NOT_FOUND);
    assert_int_equal(store_key_revoke(f->st, f->org, k2), STORE_NOT_FOUND);
    seen_t after = {0};
    assert_int_equal(store_key_list(f->st, f->org, bob, seen_key, &after), STORE_OK);
    assert_string_equal(after.s, k3);
}

static void test_key_issue_unknown_user(void **state)
{
    fx_t *f = *state;
    char key[KEY_STR_LEN + 1];
    uuid_str_t id;
    /* a user of another organization is unknown here; the key buffer is wiped */
    assert_int_equal(auth_key_issue(f->st, f->org, f->admin2, false, "x", key, id), STORE_NOT_FOUND);
    for (size_t i = 0; i < sizeof key; i++)
        assert_int_equal(key[i], 0);
    seen_t all = {0};
    assert_int_equal(store_key_list(f->st, f->org, NULL, seen_key, &all), STORE_OK);
    assert_int_equal(all.n, 0);
}

/* ---- teams and memberships -------------------------------------------------------- */

static void test_teams(void **state)
{
    fx_t *f = *state;
    uuid_str_t sales, emea, bob, eve;
    assert_int_equal(store_team_create(f->st, f->org, "Sales", NULL, NULL, sales), STORE_OK);
    assert_int_equal(store_team_create(f->st, f->org, "EMEA", sales, NULL, emea), STORE_OK);
    store_user_new_t nb = {.org_uuid = f->org, .email = "bob@acme.test", .team_uuid = sales, .transcript_lang = "de"};
    assert_int_equal(store_user_create(f->st, &nb, bob), STORE_OK);
    store_user_new_t ne = {.org_uuid = f->org, .email = "eve@acme.test", .team_uuid = emea};
    assert_int_equal(store_user_create(f->st, &ne, eve), STORE_OK);

    store_team_t t;
    assert_int_equal(store_team_get(f->st, f->org, emea, &t), STORE_OK);
    assert_string_equal(t.uuid, emea);
    assert_string_equal(t.name, "EMEA");
    assert_string_equal(t.parent_uuid, sales);
    assert_string_equal(t.org_uuid, f->org);
    assert_string_equal(t.domain, "");
    assert_int_equal(store_team_get(f->st, f->org, f->team, &t), STORE_OK);
    assert_string_equal(t.parent_uuid, "");
    assert_int_equal(store_team_get(f->st, f->org2, emea, &t), STORE_NOT_FOUND);
    assert_int_equal(store_team_get(f->st, f->org, "EMEA", &t), STORE_NOT_FOUND); /* ids only */

    seen_t list = {0}, list2 = {0};
    assert_int_equal(store_team_list(f->st, f->org, seen_team, &list), STORE_OK);
    assert_string_equal(list.s, "Acme,Sales,EMEA");
    assert_int_equal(store_team_list(f->st, f->org2, seen_team, &list2), STORE_OK);
    assert_string_equal(list2.s, "Beta");

    seen_t members = {0};
    assert_int_equal(store_team_members(f->st, f->org, sales, seen_user, &members), STORE_OK);
    assert_string_equal(members.s, "bob@acme.test");
    seen_t dflt = {0};
    assert_int_equal(store_team_members(f->st, f->org, f->team, seen_user, &dflt), STORE_OK);
    assert_string_equal(dflt.s, "admin@acme.test");
    seen_t other = {0};
    assert_int_equal(store_team_members(f->st, f->org2, sales, seen_user, &other), STORE_NOT_FOUND);
    assert_int_equal(store_team_members(f->st, f->org, "junk", seen_user, &other), STORE_NOT_FOUND);
    assert_int_equal(other.n, 0);
    seen_t stop = {.stop_after = 1};
    assert_int_equal(store_team_members(f->st, f->org, sales, seen_user, &stop), STORE_ERROR);

    seen_t bt = {0}, et = {0}, none = {0};
    assert_int_equal(store_user_teams(f->st, f->org, bob, seen_team, &bt), STORE_OK);
    assert_string_equal(bt.s, "Sales");
    assert_int_equal(store_user_teams(f->st, f->org, eve, seen_team, &et), STORE_OK);
    assert_string_equal(et.s, "EMEA");
    assert_int_equal(store_user_teams(f->st, f->org2, bob, seen_team, &none), STORE_OK);
    assert_int_equal(store_user_teams(f->st, f->org, "junk", seen_team, &none), STORE_OK);
    assert_int_equal(none.n, 0);

    /* transcript_lang given at creation is kept; NULL stores "en" */
    store_user_t u;
    assert_int_equal(store_user_resolve(f->st, f->org, bob, &u), STORE_OK);
    assert_string_equal(u.transcript_lang, "de");
    assert_int_equal(store_user_resolve(f->st, f->org, eve, &u), STORE_OK);
    assert_string_equal(u.transcript_lang, "en");
}

/* ---- conv_each ----------------------------------------------------------------------- */

static void add_conv(fx_t *f, const char *org, const char *user, int64_t created, const char *title, bool archived)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    uuid_v7(c.uuid);
    snprintf(c.org_uuid, sizeof c.org_uuid, "%s", org);
    snprintf(c.user_uuid, sizeof c.user_uuid, "%s", user);
    c.created_at = created;
    c.title = title;
    c.archived = archived;
    c.archived_at = archived ? created + 1 : 0;
    assert_int_equal(store_conv_insert(f->st, &c, NULL), STORE_OK);
}

static void test_conv_each(void **state)
{
    fx_t *f = *state;
    add_conv(f, f->org, f->admin, 1710000300, "c", false);
    add_conv(f, f->org, f->admin, 1710000100, "a", false);
    add_conv(f, f->org, f->admin, 1710000200, "b-archived", true);
    add_conv(f, f->org2, f->admin2, 1710000150, "beta", false);

    seen_t live = {0}, all = {0}, beta = {0};
    assert_int_equal(store_conv_each(f->st, f->org, false, seen_conv, &live), STORE_OK);
    assert_string_equal(live.s, "a,c"); /* oldest first, archived left out */
    assert_int_equal(store_conv_each(f->st, f->org, true, seen_conv, &all), STORE_OK);
    assert_string_equal(all.s, "a,b-archived,c");
    assert_int_equal(store_conv_each(f->st, f->org2, true, seen_conv, &beta), STORE_OK);
    assert_string_equal(beta.s, "beta");
    seen_t stop = {.stop_after = 1};
    assert_int_equal(store_conv_each(f->st, f->org, true, seen_conv, &stop), STORE_ERROR);

    /* inside a batch (as `parley load` reads while writing) */
    assert_int_equal(store_batch_begin(f->st), STORE_OK);
    add_conv(f, f->org, f->admin, 1710000050, "batched", false);
    seen_t in_batch = {0};
    assert_int_equal(store_conv_each(f->st, f->org, false, seen_conv, &in_batch), STORE_OK);
    assert_string_equal(in_batch.s, "batched,a,c");
    assert_int_equal(store_batch_end(f->st, false), STORE_OK);
    seen_t after = {0};
    assert_int_equal(store_conv_each(f->st, f->org, false, seen_conv, &after), STORE_OK);
    assert_string_equal(after.s, "a,c");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_get_and_list, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_key_issue_unknown_user, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_teams, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_conv_each, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
