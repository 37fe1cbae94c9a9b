/* lists.c - `parley key list`, `parley user list`, `parley team list`, `parley role list`: one JSON object per line on stdout. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "model/apikey.h"
#include "model/user.h"

#define LISTS_DB_HELP "database file (default $PARLEY_DB or ./parley.db)"

/* What a list command works with: set up by lists_open, released by lists_close. */
typedef struct lists {
    store_t *st;     /* owned; closed by lists_close */
    uuid_str_t org;  /* the organization's uuid */
    buf_t teams;     /* store_team_t records, once lists_teams loaded them; owned */
    team_set_t all;  /* views teams */
    buf_t line;      /* the JSON line being written; owned */
    bool failed;     /* writing a line failed (reported) */
} lists_t;

/* store callbacks: append the record to the buf_t ctx. */
static int lists_team_cb(void *ctx, const store_team_t *t)
{
    return buf_append(ctx, t, sizeof *t);
}

static int lists_user_cb(void *ctx, const store_user_t *u)
{
    return buf_append(ctx, u, sizeof *u);
}

/* The start of every list command: parses --org ORG, extra (one more option,
 * or NULL) and --db PATH as cli_parse does with usage and about, requires
 * --org (cmd names the command in that message), opens the store and
 * resolves the organization. Returns -1 when l is ready (release it with
 * lists_close), else the exit code, all reported and nothing to release: 0
 * after --help, 2 on a usage error, 1 when the store or organization failed. */
static int lists_open(lists_t *l, int argc, char **argv, const char *cmd, const char *usage, const char *about,
                      const cli_opt_t *extra)
{
    const char *db = cli_default_db(), *org = NULL;
    cli_opt_t opts[4] = {{"org", "ORG", "organization uuid or name (required)", &org, NULL}}; /* rest zeroed */
    int n = 1;
    if (extra)
        opts[n++] = *extra;
    opts[n] = (cli_opt_t){"db", "PATH", LISTS_DB_HELP, &db, NULL};
    int rc = cli_parse(argc, argv, usage, about, opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org) {
        fprintf(stderr, "%s: --org is required\n", cmd);
        return 2;
    }
    *l = (lists_t){.failed = false};
    l->st = cli_store_org(db, STORE_DURABILITY_FULL, org, l->org);
    if (!l->st)
        return 1;
    buf_init(&l->teams);
    buf_init(&l->line);
    return -1;
}

/* Releases l and returns the exit code: rc, or 1 when rc is 0 but stdout
 * cannot be flushed. */
static int lists_close(lists_t *l, int rc)
{
    buf_free(&l->line);
    buf_free(&l->teams);
    store_close(l->st);
    return rc == 0 && fflush(stdout) != 0 ? 1 : rc;
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

/* Loads every team of the organization into l->teams / l->all. False after
 * reporting on stderr. */
static bool lists_teams(lists_t *l)
{
    if (store_team_list(l->st, l->org, lists_team_cb, &l->teams) != STORE_OK || l->teams.oom) {
        fprintf(stderr, "parley: cannot read the organization's teams\n");
        return false;
    }
    l->all.v = (const store_team_t *)l->teams.data;
    l->all.n = l->teams.len / sizeof(store_team_t);
    return true;
}

/* store_key_list callback: writes the key as one line; ctx is the lists_t. */
static int lists_key_cb(void *ctx, const store_key_info_t *k)
{
    lists_t *l = ctx;
    jsonw_t w;
    jsonw_init(&w, &l->line);
    apikey_render(&w, k, NULL);
    if (lists_emit(&l->line) != 0) {
        l->failed = true;
        return 1;
    }
    return 0;
}

int cli_key_list(int argc, char **argv)
{
    const char *user = NULL;
    const cli_opt_t user_opt = {"user", "USER", "only the keys of this user (uuid or email)", &user, NULL};
    lists_t l;
    int rc = lists_open(&l, argc, argv, "parley key list", "parley key list --org ORG [--user USER] [--db PATH]",
                        "Prints the live API keys of an organization, oldest first, one JSON object per\n"
                        "line: {id,name,organizationUUID,userUUID,value,lastSeenAt} as GET /v2/api_keys\n"
                        "shows them. value is masked (\"…\" + the last 4 characters): keys are stored\n"
                        "hashed and are never printed.",
                        &user_opt);
    if (rc >= 0)
        return rc;
    store_user_t u;
    rc = 1;
    if (user && store_user_resolve(l.st, l.org, user, &u) != STORE_OK)
        fprintf(stderr, "parley key list: no user \"%s\" in that organization\n", user);
    else if (store_key_list(l.st, l.org, user ? u.uuid : NULL, lists_key_cb, &l) == STORE_OK)
        rc = 0;
    else if (!l.failed)
        fprintf(stderr, "parley key list: cannot read the keys\n");
    return lists_close(&l, rc);
}

int cli_user_list(int argc, char **argv)
{
    lists_t l;
    int rc = lists_open(&l, argc, argv, "parley user list", "parley user list --org ORG [--db PATH]",
                        "Prints the users of an organization, oldest first, one JSON object per line,\n"
                        "exactly as GET /v2/users shows each (User, with roles and teams).",
                        NULL);
    if (rc >= 0)
        return rc;
    buf_t users, mine; /* store_user_t / store_team_t records; freed below */
    buf_init(&users);
    buf_init(&mine);
    rc = 1;
    if (!lists_teams(&l))
        goto done;
    if (store_user_list(l.st, l.org, lists_user_cb, &users) != STORE_OK || users.oom) {
        fprintf(stderr, "parley user list: cannot read the users\n");
        goto done;
    }
    const store_user_t *uv = (const store_user_t *)users.data;
    for (size_t i = 0; i < users.len / sizeof *uv; i++) {
        buf_reset(&mine);
        if (store_user_teams(l.st, l.org, uv[i].uuid, lists_team_cb, &mine) != STORE_OK || mine.oom) {
            fprintf(stderr, "parley user list: cannot read the teams of user %s\n", uv[i].uuid);
            goto done;
        }
        team_set_t ts = {(const store_team_t *)mine.data, mine.len / sizeof(store_team_t)};
        jsonw_t w;
        jsonw_init(&w, &l.line);
        user_render(&w, &uv[i], &ts, &l.all);
        if (lists_emit(&l.line) != 0)
            goto done;
    }
    rc = 0;
done:
    buf_free(&mine);
    buf_free(&users);
    return lists_close(&l, rc);
}

int cli_team_list(int argc, char **argv)
{
    lists_t l;
    int rc = lists_open(&l, argc, argv, "parley team list", "parley team list --org ORG [--db PATH]",
                        "Prints the teams of an organization, oldest first, one JSON object per line,\n"
                        "exactly as GET /v2/teams shows each (Team; children are child team uuids).",
                        NULL);
    if (rc >= 0)
        return rc;
    if (!lists_teams(&l))
        return lists_close(&l, 1);
    for (size_t i = 0; i < l.all.n; i++) {
        jsonw_t w;
        jsonw_init(&w, &l.line);
        team_render(&w, &l.all.v[i], &l.all);
        if (lists_emit(&l.line) != 0)
            return lists_close(&l, 1);
    }
    return lists_close(&l, 0);
}

int cli_role_list(int argc, char **argv)
{
    lists_t l;
    int rc = lists_open(&l, argc, argv, "parley role list", "parley role list --org ORG [--db PATH]",
                        "Prints the roles of an organization (ADMIN, MANAGER, SALES_REP), one JSON object\n"
                        "per line, exactly as GET /v2/organizations/roles shows each ({uuid,name,type}; the\n"
                        "uuids are the organization's, for roleUUID in user bodies).",
                        NULL);
    if (rc >= 0)
        return rc;
    for (int i = 0; i < USER_ROLES; i++) {
        jsonw_t w;
        jsonw_init(&w, &l.line);
        user_role_render(&w, l.org, &user_roles[i]);
        if (lists_emit(&l.line) != 0)
            return lists_close(&l, 1);
    }
    return lists_close(&l, 0);
}
