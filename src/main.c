/* main.c - the `parley` command line: dispatches serve, org, user, team, role, key, seed, export, load, backup, check, snapshot, webhook. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/json_arena.h"

static const char parley_usage[] =
    "usage: parley COMMAND [OPTIONS]\n"
    "\n"
    "Parley serves the Conversations API of Attention (base path /v2) from an\n"
    "embedded SQLite database (or PostgreSQL).\n"
    "\n"
    "commands:\n"
    "  serve          run the HTTP server\n"
    "  org create     create an organization, its admin user, default team and an org-level key\n"
    "  user create    add a user to an organization\n"
    "  team create    add a team to an organization\n"
    "  key create     create an API key (org-level or for one user); shown once\n"
    "  key revoke     revoke an API key at once\n"
    "  key list       list an organization's live API keys (masked)\n"
    "  user list      list an organization's users\n"
    "  team list      list an organization's teams\n"
    "  role list      list an organization's roles (their uuids)\n"
    "  scorecard list list an organization's scorecards\n"
    "  seed           insert realistic generated conversations\n"
    "  export         write an organization's conversations as JSON lines\n"
    "  load           load JSON lines written by export, all or nothing\n"
    "  backup         copy a live SQLite database into a file, consistently\n"
    "  check          verify a database or a backup: integrity, schema version, counts\n"
    "  snapshot take|list|restore|delete\n"
    "                 named copies of a SQLite database (the admin API's snapshots)\n"
    "  webhook create|list|delete|deliveries\n"
    "                 an organization's webhook endpoints and what was sent to them\n"
    "\n"
    "Every command takes --db PATH (default: $PARLEY_DB, else ./parley.db) and --help.\n";

typedef struct cli_cmd {
    const char *word1, *word2; /* word2 NULL for one-word commands */
    int (*fn)(int, char **);
} cli_cmd_t;

static const cli_cmd_t parley_cmds[] = {
    {"serve", NULL, cli_serve},           {"org", "create", cli_org_create},   {"user", "create", cli_user_create},
    {"team", "create", cli_team_create},  {"key", "create", cli_key_create},   {"key", "revoke", cli_key_revoke},
    {"seed", NULL, cli_seed},
    {"key", "list", cli_key_list},        {"user", "list", cli_user_list},     {"team", "list", cli_team_list},
    {"role", "list", cli_role_list},
    {"scorecard", "list", cli_scorecard_list},
    {"export", NULL, cli_export},         {"load", NULL, cli_load},
    {"snapshot", "take", cli_snapshot_take}, {"snapshot", "list", cli_snapshot_list},
    {"snapshot", "restore", cli_snapshot_restore}, {"snapshot", "delete", cli_snapshot_delete},
    {"export", NULL, cli_export},         {"load", NULL, cli_load},         {"backup", NULL, cli_backup},
    {"check", NULL, cli_check},
    {"webhook", "create", cli_webhook_create}, {"webhook", "list", cli_webhook_list},
    {"webhook", "delete", cli_webhook_delete}, {"webhook", "deliveries", cli_webhook_deliveries},
};

int main(int argc, char **argv)
{
    json_arena_install(); /* before any jansson call */
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(parley_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    bool known_word = false;
    for (size_t i = 0; i < sizeof parley_cmds / sizeof parley_cmds[0]; i++) {
        const cli_cmd_t *c = &parley_cmds[i];
        if (strcmp(argv[1], c->word1) != 0)
            continue;
        known_word = true;
        if (!c->word2)
            return c->fn(argc - 1, argv + 1);
        if (argc >= 3 && strcmp(argv[2], c->word2) == 0)
            return c->fn(argc - 2, argv + 2);
    }
    if (known_word) {
        fprintf(stderr, "parley: unknown or missing subcommand for \"%s\"\n\n", argv[1]);
        fputs(parley_usage, stderr);
        return 2;
    }
    fprintf(stderr, "parley: unknown command \"%s\"\n\n%s", argv[1], parley_usage);
    return 2;
}
