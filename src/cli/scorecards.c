/* scorecards.c - `parley scorecard list`: an organization's scorecards, one JSON object per line on stdout. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "model/scorecard.h"
#include "store/insights.h"

#define SCORECARDS_PAGE 200

/* What the list writes with: one line at a time. */
typedef struct scorecards_out {
    buf_t line;                /* owned */
    bool failed;               /* writing failed (reported) */
    int64_t seen;
} scorecards_out_t;

/* store_scorecard_cb: one Scorecard per line, as GET /v2/scorecards/{id} shows it under "data". */
static int scorecards_line(void *ctx, const scorecard_t *s)
{
    scorecards_out_t *o = ctx;
    jsonw_t w;
    buf_reset(&o->line);
    jsonw_init(&w, &o->line);
    scorecard_render(&w, s);
    o->seen++;
    if (o->line.oom || fwrite(o->line.data, 1, o->line.len, stdout) != o->line.len || fputc('\n', stdout) == EOF) {
        fprintf(stderr, "parley scorecard list: cannot write to stdout\n");
        o->failed = true;
        return 1;
    }
    return 0;
}

int cli_scorecard_list(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"db", "PATH", "database file (default $PARLEY_DB or ./parley.db)", &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley scorecard list --org ORG [--db PATH]",
                       "Prints the scorecards of an organization, oldest first, one JSON object per line,\n"
                       "exactly as GET /v2/scorecards shows each (Scorecard).",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org) {
        fprintf(stderr, "parley scorecard list: --org is required\n");
        return 2;
    }
    uuid_str_t org_uuid;
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, org_uuid);
    if (!st)
        return 1;
    scorecards_out_t o = {.failed = false};
    buf_init(&o.line);
    rc = 0;
    int64_t total = 0;
    for (int64_t page = 1; rc == 0; page++) {
        int64_t before = o.seen;
        if (store_scorecard_list(st, org_uuid, page, SCORECARDS_PAGE, &total, scorecards_line, &o) != STORE_OK) {
            if (!o.failed)
                fprintf(stderr, "parley scorecard list: cannot read the scorecards\n");
            rc = 1;
        } else if (o.seen == before || o.seen >= total) {
            break;
        }
    }
    buf_free(&o.line);
    store_close(st);
    return rc == 0 && fflush(stdout) != 0 ? 1 : rc;
}
