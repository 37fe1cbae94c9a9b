/* lists.c - `parley key list`, `parley user list`, `parley team list`: one JSON object per line on stdout. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "model/apikey.h"
#include "model/user.h"

#define LISTS_DB_HELP "database file (default $PARLEY_DB or ./parley.db)"

/* Rows of one kind collected from a store callback (malloc'd records). */
typedef struct lists_rows {
    buf_t b;      /* owned by the command; freed before it returns */
} lists_rows_t;

static int lists_team_cb(void *ctx, const store_team_t *t)
{
    return buf_append(&((lists_rows_t *)ctx)->b, t, sizeof *t);
}

static int lists_user_cb(void *ctx, const store_user_t *u)
{
    return buf_append(&((lists_rows_t *)ctx)->b, u, sizeof *u);
}

/* Writes the JSON in b as one stdout line and empties b. Returns 0, or -1
 * when memory ran out or stdout failed (reported). */
static int lists_emit(buf_t *b)
{
    if (b->oom) {
        fprintf(stderr, "parley: out of memory\n");
        return -1;
    }
    if (fwrite(b->data ? b->data : "", 1, b->len, stdout) != b->len || fputc('\n', stdout) == EOF) {
        fprintf(stderr, "parley: cannot write to stdout\n");
        return -1;
    }
    buf_reset(b);
    return 0;
}

/* Loads every team of org into rows (records of store_team_t). */
static bool lists_teams(store_t *st, const char *org, lists_rows_t *rows, team_set_t *all)
{
    buf_init(&rows->b);
    if (store_team_list(st, org, lists_team_cb, rows) != STORE_OK || rows->b.oom) {
        fprintf(stderr, "parley: cannot read the organization's teams\n");
        return false;
    }
    all->v = (const store_team_t *)rows->b.data;
    all->n = rows->b.len / sizeof(store_team_t);
    return true;
}

typedef struct lists_keys {
    buf_t line;
    int failed;
} lists_keys_t;

static int lists_key_cb(void *ctx, const store_key_info_t *k)
{
    lists_keys_t *o = ctx;
    jsonw_t w;
    jsonw_init(&w, &o->line);
    apikey_render(&w, k, NULL);
    if (lists_emit(&o->line) != 0) {
        o->failed = 1;
        return 1;
    }
    return 0;
}

int cli_key_list(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *user = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"user", "USER", "only the keys of this user (uuid or email)", &user, NULL},
        {"db", "PATH", LISTS_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley key list --org ORG [--user USER] [--db PATH]",
                       "Prints the live API keys of an organization, oldest first, one JSON object per\n"
                       "line: {id,name,organizationUUID,userUUID,value,lastSeenAt} as GET /v2/api_keys\n"
                       "shows them. value is masked (\"…\" + the last 4 characters): keys are stored\n"
                       "hashed and are never printed.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org) {
        fprintf(stderr, "parley key list: --org is required\n");
        return 2;
    }
    store_t *st = cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    uuid_str_t o;
    store_user_t u;
    lists_keys_t out = {.failed = 0};
    buf_init(&out.line);
    rc = 1;
    if (!cli_org(st, org, o))
        goto done;
    if (user && store_user_resolve(st, o, user, &u) != STORE_OK) {
        fprintf(stderr, "parley key list: no user \"%s\" in that organization\n", user);
        goto done;
    }
    if (store_key_list(st, o, user ? u.uuid : NULL, lists_key_cb, &out) != STORE_OK) {
        if (!out.failed)
            fprintf(stderr, "parley key list: cannot read the keys\n");
        goto done;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    buf_free(&out.line);
    store_close(st);
    return rc;
}

int cli_user_list(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"db", "PATH", LISTS_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley user list --org ORG [--db PATH]",
                       "Prints the users of an organization, oldest first, one JSON object per line,\n"
                       "exactly as GET /v2/users shows each (User, with roles and teams).",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org) {
        fprintf(stderr, "parley user list: --org is required\n");
        return 2;
    }
    store_t *st = cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    uuid_str_t o;
    lists_rows_t teams, users, mine;
    buf_init(&teams.b);
    buf_init(&users.b);
    buf_init(&mine.b);
    buf_t line;
    buf_init(&line);
    team_set_t all;
    rc = 1;
    if (!cli_org(st, org, o) || !lists_teams(st, o, &teams, &all))
        goto done;
    if (store_user_list(st, o, lists_user_cb, &users) != STORE_OK || users.b.oom) {
        fprintf(stderr, "parley user list: cannot read the users\n");
        goto done;
    }
    const store_user_t *uv = (const store_user_t *)users.b.data;
    for (size_t i = 0; i < users.b.len / sizeof *uv; i++) {
        buf_reset(&mine.b);
        if (store_user_teams(st, o, uv[i].uuid, lists_team_cb, &mine) != STORE_OK || mine.b.oom) {
            fprintf(stderr, "parley user list: cannot read the teams of user %s\n", uv[i].uuid);
            goto done;
        }
        team_set_t ts = {(const store_team_t *)mine.b.data, mine.b.len / sizeof(store_team_t)};
        jsonw_t w;
        jsonw_init(&w, &line);
        user_render(&w, &uv[i], &ts, &all);
        if (lists_emit(&line) != 0)
            goto done;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    buf_free(&line);
    buf_free(&mine.b);
    buf_free(&users.b);
    buf_free(&teams.b);
    store_close(st);
    return rc;
}

int cli_team_list(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"db", "PATH", LISTS_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley team list --org ORG [--db PATH]",
                       "Prints the teams of an organization, oldest first, one JSON object per line,\n"
                       "exactly as GET /v2/teams shows each (Team; children are child team uuids).",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org) {
        fprintf(stderr, "parley team list: --org is required\n");
        return 2;
    }
    store_t *st = cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    uuid_str_t o;
    lists_rows_t teams;
    buf_init(&teams.b);
    buf_t line;
    buf_init(&line);
    team_set_t all;
    rc = 1;
    if (!cli_org(st, org, o) || !lists_teams(st, o, &teams, &all))
        goto done;
    for (size_t i = 0; i < all.n; i++) {
        jsonw_t w;
        jsonw_init(&w, &line);
        team_render(&w, &all.v[i], &all);
        if (lists_emit(&line) != 0)
            goto done;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    buf_free(&line);
    buf_free(&teams.b);
    store_close(st);
    return rc;
}
