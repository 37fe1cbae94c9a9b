/* common.c - helpers shared by the subcommands: option tables, help, opening the store. */
#include "cli/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

const char *cli_default_db(void)
{
    const char *env = getenv("PARLEY_DB");
    return env && *env ? env : "parley.db";
}

static void cli_help(FILE *f, const char *usage, const char *about, const cli_opt_t *opts)
{
    fprintf(f, "usage: %s\n\n%s\n\noptions:\n", usage, about);
    for (const cli_opt_t *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(f, "  %-24s %s\n", left, o->help);
    }
    fprintf(f, "  %-24s %s\n", "--help", "show this help and exit");
}

int cli_parse(int argc, char **argv, const char *usage, const char *about, const cli_opt_t *opts, const char **pos,
              int npos, int *got)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_help(stdout, usage, about, opts);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (n == npos) {
                fprintf(stderr, "%s: unexpected argument \"%s\"\n\n", argv[0], a);
                cli_help(stderr, usage, about, opts);
                return -1;
            }
            pos[n++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        const cli_opt_t *o = opts;
        for (; o->name; o++)
            if (strlen(o->name) == nl && strncmp(o->name, name, nl) == 0)
                break;
        if (!o->name) {
            fprintf(stderr, "%s: unknown option \"--%.*s\"\n\n", argv[0], (int)nl, name);
            cli_help(stderr, usage, about, opts);
            return -1;
        }
        if (!o->metavar) {
            if (eq) {
                fprintf(stderr, "%s: --%s takes no value\n", argv[0], o->name);
                return -1;
            }
            *o->flag = true;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            fprintf(stderr, "%s: --%s needs a value (%s)\n", argv[0], o->name, o->metavar);
            return -1;
        }
    }
    if (got)
        *got = n;
    return 0;
}

store_t *cli_store_open(const char *path, store_durability_t d)
{
    return cli_store_open_pool(path, d, 0);
}

store_t *cli_store_open_pool(const char *path, store_durability_t d, int pool_size)
{
    char err[512], shown[512];
    store_opts_t so = {.url = path, .durability = d, .pool_size = pool_size};
    store_t *st = store_open(&so, err, sizeof err);
    if (!st) {
        store_url_redact(path, shown, sizeof shown);
        fprintf(stderr, "parley: cannot open database %s: %s\n", shown, err);
    }
    return st;
}

store_t *cli_store_org(const char *path, store_durability_t d, const char *org, uuid_str_t out)
{
    store_t *st = cli_store_open(path, d);
    if (!st)
        return NULL;
    store_rc_t rc = store_org_resolve(st, org, out);
    if (rc == STORE_OK)
        return st;
    if (rc == STORE_NOT_FOUND)
        fprintf(stderr, "parley: no organization \"%s\" (give its uuid or exact name)\n", org);
    else
        fprintf(stderr, "parley: cannot look up organization \"%s\"\n", org);
    store_close(st);
    return NULL;
}
