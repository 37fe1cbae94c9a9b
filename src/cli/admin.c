/* admin.c - `parley org|user|team|key ...` and `parley seed`: administration from the command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "auth/keys.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "model/seed.h"
#include "lib/ptime.h"
#include "model/user.h"

#define ADMIN_DB_HELP "SQLite file or PostgreSQL URL (postgres://…) (default $PARLEY_DB or ./parley.db)"

/* A plausible email: the rule POST /organizations/users applies (user_email_ok). */
static bool admin_email_ok(const char *e)
{
    return user_email_ok(e);
}

/* Creates a key, prints "key id: ID" then the key itself as the last stdout line. */
static int admin_issue_key(store_t *st, const char *org, const char *user, bool org_level, const char *name)
{
    char key[KEY_STR_LEN + 1]; /* wiped before returning */
    uuid_str_t id;
    store_rc_t rc = auth_key_issue(st, org, user, org_level, name, key, id);
    if (rc != STORE_OK) {
        fprintf(stderr, "parley: cannot create the key (%s)\n", store_rc_str(rc));
        return 1;
    }
    printf("key id: %s\n%s\n", id, key);
    fflush(stdout);
    sodium_memzero(key, sizeof key);
    return 0;
}

/* cli_store_org, then resolves ref, an optional team (uuid or name) of the
 * organization, into team (left alone when ref is NULL). Returns the store
 * (the caller closes it), or NULL after reporting (cmd names the command in
 * the "no team" message), the store closed again. */
static store_t *admin_open_team(const char *db, const char *org, const char *cmd, const char *ref, uuid_str_t o,
                                uuid_str_t team)
{
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, o);
    if (!st || !ref || store_team_resolve(st, o, ref, team) == STORE_OK)
        return st;
    fprintf(stderr, "%s: no team \"%s\" in that organization\n", cmd, ref);
    store_close(st);
    return NULL;
}

/* Ends a create command whose store call returned rc: prints the new uuid id
 * as the last stdout line and returns 0, or reports "<cmd>: <taken>" (on
 * STORE_CONFLICT) or "<cmd>: <failed>" on stderr and returns 1. */
static int admin_created(store_rc_t rc, const char *cmd, const char *id, const char *taken, const char *failed)
{
    if (rc != STORE_OK) {
        fprintf(stderr, "%s: %s\n", cmd, rc == STORE_CONFLICT ? taken : failed);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

int cli_org_create(int argc, char **argv)
{
    const char *db = cli_default_db(), *email = NULL;
    const cli_opt_t opts[] = {
        {"admin-email", "EMAIL", "email of the organization's admin user (required)", &email, NULL},
        {"db", "PATH", ADMIN_DB_HELP, &db, NULL},
        {0},
    };
    const char *pos[1];
    int got = 0;
    int rc = cli_parse(argc, argv, "parley org create NAME --admin-email EMAIL [--db PATH]",
                       "Creates an organization, its admin user, a default team named after it and an\n"
                       "org-level API key. Prints the ids, then the key as the last line of stdout; the key\n"
                       "is shown only this once.",
                       opts, pos, 1, &got);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (got != 1 || !*pos[0] || strlen(pos[0]) > 200) {
        fprintf(stderr, "parley org create: give the organization NAME (1-200 characters)\n");
        return 2;
    }
    if (!email || !admin_email_ok(email)) {
        fprintf(stderr, "parley org create: --admin-email must be an email address\n");
        return 2;
    }
    if (key_lib_init() != 0)
        return 1;
    store_t *st = cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    uuid_str_t org, admin, team;
    store_rc_t src = store_org_create(st, pos[0], email, org, admin, team);
    if (src != STORE_OK) {
        fprintf(stderr, "parley org create: %s\n",
                src == STORE_CONFLICT ? "an organization with that name already exists" : "cannot create it");
        store_close(st);
        return 1;
    }
    printf("organization: %s\nadmin user: %s\nteam: %s\n", org, admin, team);
    fprintf(stderr, "created organization \"%s\"; its org-level key is the last line below, shown only once\n",
            pos[0]);
    rc = admin_issue_key(st, org, admin, true, "default");
    store_close(st);
    return rc;
}

int cli_user_create(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *email = NULL, *first = NULL, *last = NULL, *team = NULL;
    const char *role = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"email", "EMAIL", "the user's email, unique in the organization (required)", &email, NULL},
        {"first-name", "NAME", "first name", &first, NULL},
        {"last-name", "NAME", "last name", &last, NULL},
        {"team", "TEAM", "primary team uuid or name (default: the organization's default team)", &team, NULL},
        {"role", "ROLE", "member (default; the SALES_REP role), manager or admin", &role, NULL},
        {"db", "PATH", ADMIN_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv,
                       "parley user create --org ORG --email EMAIL [--first-name F] [--last-name L] [--team TEAM] "
                       "[--role ROLE] [--db PATH]",
                       "Adds a user to an organization and prints the user's uuid as the last line.", opts, NULL, 0,
                       NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org || !email || !admin_email_ok(email)) {
        fprintf(stderr, "parley user create: --org and a valid --email are required\n");
        return 2;
    }
    if (role && strcmp(role, "member") && strcmp(role, "manager") && strcmp(role, "admin")) {
        fprintf(stderr, "parley user create: --role must be member, manager or admin\n");
        return 2;
    }
    uuid_str_t o, t, u;
    store_t *st = admin_open_team(db, org, "parley user create", team, o, t);
    if (!st)
        return 1;
    store_user_new_t nu = {.org_uuid = o, .email = email, .first_name = first, .last_name = last,
                           .team_uuid = team ? t : NULL, .role = role};
    rc = admin_created(store_user_create(st, &nu, u), "parley user create", u, "a user with that email already exists",
                       "cannot create the user");
    store_close(st);
    return rc;
}

int cli_team_create(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *name = NULL, *parent = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"name", "NAME", "team name, unique in the organization (required)", &name, NULL},
        {"parent", "TEAM", "parent team uuid or name", &parent, NULL},
        {"db", "PATH", ADMIN_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley team create --org ORG --name NAME [--parent TEAM] [--db PATH]",
                       "Adds a team to an organization and prints its uuid as the last line.", opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org || !name || !*name || strlen(name) > 200) {
        fprintf(stderr, "parley team create: --org and --name (1-200 characters) are required\n");
        return 2;
    }
    uuid_str_t o, p, t;
    store_t *st = admin_open_team(db, org, "parley team create", parent, o, p);
    if (!st)
        return 1;
    rc = admin_created(store_team_create(st, o, name, parent ? p : NULL, NULL, t), "parley team create", t,
                       "a team with that name already exists", "cannot create the team");
    store_close(st);
    return rc;
}

int cli_key_create(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *user = NULL, *name = "cli";
    bool org_level = false;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"org-level", NULL, "an org-level key: sees and changes the whole organization", NULL, &org_level},
        {"user", "USER", "a user-level key acting as this user (uuid or email)", &user, NULL},
        {"name", "NAME", "a label for the key (default \"cli\")", &name, NULL},
        {"db", "PATH", ADMIN_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley key create --org ORG (--org-level | --user USER) [--name NAME] [--db PATH]",
                       "Creates an API key and prints \"key id: ID\", then the key itself as the last line\n"
                       "of stdout. Only a hash is stored: the key cannot be shown again.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org || org_level == (user != NULL)) {
        fprintf(stderr, "parley key create: --org and exactly one of --org-level or --user are required\n");
        return 2;
    }
    if (strlen(name) > 200) {
        fprintf(stderr, "parley key create: --name is limited to 200 characters\n");
        return 2;
    }
    if (key_lib_init() != 0)
        return 1;
    uuid_str_t o;
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, o);
    if (!st)
        return 1;
    store_user_t u;
    rc = 1;
    if (user && store_user_resolve(st, o, user, &u) != STORE_OK)
        fprintf(stderr, "parley key create: no user \"%s\" in that organization\n", user);
    else
        rc = admin_issue_key(st, o, user ? u.uuid : NULL, org_level, name);
    store_close(st);
    return rc;
}

int cli_key_revoke(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *id = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"id", "KEYID", "the key's id, as printed by `key create` (required)", &id, NULL},
        {"db", "PATH", ADMIN_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley key revoke --org ORG --id KEYID [--db PATH]",
                       "Revokes a key; the next request that uses it gets 401, on every server thread.", opts, NULL,
                       0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    uuid_str_t kid;
    if (!org || !id || !uuid_parse(id, kid)) {
        fprintf(stderr, "parley key revoke: --org and --id (a key uuid) are required\n");
        return 2;
    }
    uuid_str_t o;
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, o);
    if (!st)
        return 1;
    store_rc_t src = store_key_revoke(st, o, kid);
    if (src != STORE_OK)
        fprintf(stderr, "parley key revoke: %s\n",
                src == STORE_NOT_FOUND ? "no live key with that id in that organization" : "cannot revoke it");
    else
        printf("revoked %s\n", kid);
    store_close(st);
    return src == STORE_OK ? 0 : 1;
}

/* seed_opts_t.progress: moves the meter. */
static void admin_seed_progress(void *ctx, long done)
{
    progress_update(ctx, done);
}

int cli_seed(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *count = NULL, *seed = "1", *now = NULL;
    bool quiet = false;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"count", "N", "number of conversations to insert (required, 1..10000000)", &count, NULL},
        {"seed", "S", "random seed (default 1): the same seed and --now give the same data, ids included", &seed,
         NULL},
        {"now", "TIME", "anchor time (RFC 3339); createdAt spreads over the year before it (default: today 00:00Z)",
         &now, NULL},
        {"quiet", NULL, "no progress line on stderr (it is drawn only when stderr is a terminal)", NULL, &quiet},
        {"db", "PATH", ADMIN_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley seed --org ORG --count N [--seed S] [--now TIME] [--quiet] [--db PATH]",
                       "Inserts N realistic conversations (users and teams are created first when the\n"
                       "organization has only its admin): varied titles and owners, 2-8 participants,\n"
                       "v1/v2 transcripts of 10-200 segments, labels, scorecards, and a few private,\n"
                       "internal, empty, pending and archived ones. On a terminal, stderr shows the\n"
                       "progress (count, rate, time left); prints `inserted N conversations` at the end.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    char *end;
    errno = 0;
    long n = count ? strtol(count, &end, 10) : 0;
    if (!org || !count || errno || *end || n < 1 || n > 10000000) {
        fprintf(stderr, "parley seed: --org and --count N (1..10000000) are required\n");
        return 2;
    }
    errno = 0;
    unsigned long long s = strtoull(seed, &end, 10);
    if (errno || *end || !*seed) {
        fprintf(stderr, "parley seed: --seed must be a non-negative integer, got \"%s\"\n", seed);
        return 2;
    }
    int64_t anchor = ptime_now() / 86400 * 86400;
    if (now && ptime_parse(now, &anchor) != 0) {
        fprintf(stderr, "parley seed: --now must be an RFC 3339 time, got \"%s\"\n", now);
        return 2;
    }
    if (key_lib_init() != 0)
        return 1;
    uuid_str_t o;
    store_t *st = cli_store_org(db, STORE_DURABILITY_NORMAL, org, o);
    if (!st)
        return 1;
    progress_t meter;
    progress_start(&meter, stderr, progress_wanted(stderr, quiet), "seed", "conversations", n, NULL);
    seed_opts_t so = {.org_uuid = o, .count = n, .seed = s, .now = anchor, .progress = admin_seed_progress,
                      .progress_ctx = &meter};
    char err[256];
    rc = seed_run(st, &so, err, sizeof err) != 0;
    if (rc) {
        progress_clear(&meter);
        fprintf(stderr, "parley seed: %s\n", err);
    } else {
        progress_finish(&meter);
        printf("inserted %ld conversations\n", n);
    }
    store_close(st);
    return rc;
}
