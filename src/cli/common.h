/* common.h - helpers shared by the subcommands: option tables, help, opening the store. */
#ifndef PARLEY_CLI_COMMON_H
#define PARLEY_CLI_COMMON_H

#include <stdbool.h>

#include "store/store.h"

/* One option of a subcommand. Options without a value (flags) set *flag;
 * the others set *value. */
typedef struct cli_opt {
    const char *name;      /* long name without "--" */
    const char *metavar;   /* NULL for a flag */
    const char *help;
    const char **value;
    bool *flag;
} cli_opt_t;

/* Parses argv (argv[0] = command name) against opts (terminated by a zeroed
 * entry). Positional arguments go to pos[] (at most npos, count in *got).
 * --help prints usage + the option table to stdout and returns 1 (caller exits
 * 0); a usage error prints to stderr and returns -1 (caller exits 2); 0 on success. */
int cli_parse(int argc, char **argv, const char *usage, const char *about, const cli_opt_t *opts, const char **pos,
              int npos, int *got);
/* Opens the store at path (reporting on stderr); NULL on failure. */
store_t *cli_store_open(const char *path, store_durability_t d);
/* Same with a PostgreSQL pool of pool_size connections (<= 0: the store's default). */
store_t *cli_store_open_pool(const char *path, store_durability_t d, int pool_size);
/* The start of every command that works in one organization: opens the store
 * at path (cli_store_open) and resolves org (uuid or name) into out. Returns
 * the store (the caller closes it), or NULL after reporting on stderr, the
 * store closed again (the caller exits 1). */
store_t *cli_store_org(const char *path, store_durability_t d, const char *org, uuid_str_t out);

#endif
