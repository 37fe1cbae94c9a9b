/* backup.c - `parley backup` and `parley check`: copy a live database, verify a copy (the work is in src/store). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"

#define BACKUP_DB_HELP "SQLite file to copy (default $PARLEY_DB or ./parley.db)"

static volatile sig_atomic_t backup_interrupted; /* set by SIGINT/SIGTERM during a backup */

static void backup_on_signal(int sig)
{
    (void)sig;
    backup_interrupted = 1;
}

/* store_backup's progress callback: moves the meter, abandons on a signal. */
static int backup_progress(void *ctx, int64_t done, int64_t total)
{
    progress_t *meter = ctx;
    progress_set_total(meter, total);
    progress_update(meter, done);
    return backup_interrupted != 0;
}

int cli_backup(int argc, char **argv)
{
    const char *db = cli_default_db(), *to = NULL;
    bool force = false, quiet = false;
    const cli_opt_t opts[] = {
        {"to", "FILE", "the copy to write (required); refused when it exists, unless --force", &to, NULL},
        {"force", NULL, "replace FILE when it exists", NULL, &force},
        {"quiet", NULL, "no progress line on stderr (it is drawn only when stderr is a terminal)", NULL, &quiet},
        {"db", "PATH", BACKUP_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley backup --to FILE [--force] [--quiet] [--db PATH]",
                       "Copies the SQLite database into FILE while a server may be writing to it (SQLite's\n"
                       "online backup API, in steps, in one read snapshot that never blocks the server's\n"
                       "writers). FILE holds every write committed before the backup started. It is\n"
                       "written to a temporary file next to FILE (mode 0600), synced to disk and renamed:\n"
                       "a failed or interrupted backup leaves no FILE. The copy is one self-contained\n"
                       "file (journal_mode=DELETE); `parley check --db FILE` verifies it and `parley serve\n"
                       "--db FILE` runs on it. Prints what was copied. A PostgreSQL database is backed up\n"
                       "with pg_dump instead. Exit status: 0 copied, 1 failed, 2 usage.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!to) {
        fprintf(stderr, "parley backup: --to FILE is required\n");
        return 2;
    }
    if (store_is_postgres_url(db)) {
        char shown[512];
        store_url_redact(db, shown, sizeof shown);
        fprintf(stderr,
                "parley backup: %s is a PostgreSQL database; back it up with pg_dump, e.g.\n"
                "  pg_dump --format=custom --file=parley.dump '%s'\n"
                "and restore it into an empty database with pg_restore --no-owner --dbname=URL parley.dump\n",
                shown, shown);
        return 2;
    }
    progress_t meter;
    progress_start(&meter, stderr, progress_wanted(stderr, quiet), "backup", "pages", 0, NULL);
    struct sigaction sa = {.sa_handler = backup_on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    store_backup_opts_t o = {
        .db = db, .to = to, .force = force, .progress = backup_progress, .progress_ctx = &meter};
    store_backup_info_t info;
    char err[1024];
    store_rc_t src = store_backup(&o, &info, err, sizeof err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (src != STORE_OK) {
        progress_clear(&meter);
        fprintf(stderr, "parley backup: %s\n", err);
        return 1;
    }
    progress_finish(&meter);
    printf("backup: %s\n"
           "pages: %lld\n"
           "page size: %lld\n"
           "bytes: %lld\n"
           "schema version: %d\n"
           "conversations: %lld\n"
           "archived conversations: %lld\n",
           to, (long long)info.pages, (long long)info.page_size, (long long)info.bytes, info.schema_version,
           (long long)info.conversations, (long long)info.archived);
    return 0;
}

int cli_check(int argc, char **argv)
{
    const char *db = cli_default_db();
    const cli_opt_t opts[] = {
        {"db", "PATH", "SQLite file (a backup or a live one) or PostgreSQL URL (default $PARLEY_DB or ./parley.db)",
         &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley check [--db PATH]",
                       "Verifies a database without writing to it, in one read snapshot (a running server\n"
                       "is not blocked): SQLite's integrity_check and foreign_key_check, the schema\n"
                       "version against the one this parley knows, and the rows of each table. Prints\n"
                       "one `name: value` line each, then `result: ok` or `result: failed`. On\n"
                       "PostgreSQL only the schema version and the counts are checked (PostgreSQL keeps\n"
                       "its own pages consistent). Exit status: 0 ok, 1 a check failed or the database\n"
                       "could not be read (the reasons go to stderr), 2 usage.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    store_check_report_t r;
    char err[1024], shown[512];
    store_rc_t src = store_check(db, &r, err, sizeof err);
    if (src != STORE_OK) {
        fprintf(stderr, "parley check: %s\n", err);
        return 1;
    }
    store_url_redact(db, shown, sizeof shown);
    printf("database: %s\n", shown);
    printf("schema version: %d (this parley: %d)\n", r.schema_version, r.known_version);
    if (r.postgres) {
        printf("integrity: not checked (PostgreSQL)\nforeign keys: not checked (PostgreSQL)\n");
    } else {
        printf("integrity: %s\n", r.integrity_ok ? "ok" : "failed");
        printf("foreign keys: %s\n", r.foreign_keys_ok ? "ok" : "failed");
    }
    for (int i = 0; i < STORE_COUNT__N; i++) {
        if (r.counts[i] < 0)
            printf("%s: ?\n", store_count_label((store_count_t)i));
        else
            printf("%s: %lld\n", store_count_label((store_count_t)i), (long long)r.counts[i]);
    }
    printf("result: %s\n", r.ok ? "ok" : "failed");
    fflush(stdout);
    if (r.ok)
        return 0;
    for (const char *p = r.problems; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(stderr, "parley check: %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    return 1;
}
