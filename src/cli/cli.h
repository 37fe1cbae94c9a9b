/* cli.h - the `parley` subcommands; main.c dispatches to them. */
#ifndef PARLEY_CLI_H
#define PARLEY_CLI_H

/* Each takes the arguments after its command words (argv[0] is the command
 * name for messages) and returns the process exit code: 0 success, 1 failure,
 * 2 usage error. Errors go to stderr; results to stdout, secrets last. */
int cli_serve(int argc, char **argv);
int cli_org_create(int argc, char **argv);
int cli_user_create(int argc, char **argv);
int cli_team_create(int argc, char **argv);
int cli_key_create(int argc, char **argv);
int cli_key_revoke(int argc, char **argv);
int cli_seed(int argc, char **argv);
int cli_key_list(int argc, char **argv);
int cli_user_list(int argc, char **argv);
int cli_team_list(int argc, char **argv);
int cli_role_list(int argc, char **argv);
/* scorecards.c */
int cli_scorecard_list(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_load(int argc, char **argv);
int cli_snapshot_take(int argc, char **argv);
int cli_snapshot_list(int argc, char **argv);
int cli_snapshot_restore(int argc, char **argv);
int cli_snapshot_delete(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_webhook_create(int argc, char **argv);
int cli_webhook_list(int argc, char **argv);
int cli_webhook_delete(int argc, char **argv);
int cli_webhook_deliveries(int argc, char **argv);

/* The database a command uses: --db, else $PARLEY_DB, else ./parley.db. */
const char *cli_default_db(void);

#endif
