/* snapshot.c - `parley snapshot take|list|restore|delete`: the admin API's snapshots at a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "standin/snapshots.h"

/* Parsed options of every snapshot command. */
typedef struct snap_cli {
    const char *db;
    const char *dir;                /* --snapshot-dir, else DB.snapshots */
    const char *name;               /* NULL for list */
    char dir_buf[4096];
} snap_cli_t;

/* Parses argv for cmd (take, list, restore, delete). Returns -1 when c is
 * ready, else the exit code (0 after --help, 2 on a usage error). */
static int snap_parse(snap_cli_t *c, int argc, char **argv, const char *cmd, const char *about, bool want_name)
{
    c->db = cli_default_db();
    c->dir = NULL;
    const cli_opt_t opts[] = {
        {"db", "PATH", "SQLite database file (default $PARLEY_DB or ./parley.db); PostgreSQL keeps no snapshots",
         &c->db, NULL},
        {"snapshot-dir", "DIR", "where snapshots are kept (default: DATABASE.snapshots, as serve uses)", &c->dir, NULL},
        {0},
    };
    char usage[160];
    snprintf(usage, sizeof usage, "parley snapshot %s%s [--db PATH] [--snapshot-dir DIR]", cmd,
             want_name ? " NAME" : "");
    const char *pos[1] = {NULL};
    int got = 0;
    int rc = cli_parse(argc, argv, usage, about, opts, pos, want_name ? 1 : 0, &got);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (store_is_postgres_url(c->db)) {
        fprintf(stderr, "parley snapshot %s: snapshots need a SQLite database; for PostgreSQL use pg_dump\n", cmd);
        return 2;
    }
    char err[256];
    if (want_name && (got != 1 || !snapshot_name_ok(pos[0], err, sizeof err))) {
        fprintf(stderr, "parley snapshot %s: %s\n", cmd, got != 1 ? "give the snapshot NAME" : err);
        return 2;
    }
    c->name = want_name ? pos[0] : NULL;
    if (!c->dir)
        c->dir = snapshot_default_dir(c->db, c->dir_buf, sizeof c->dir_buf);
    return -1;
}

static void snap_print(const snapshot_info_t *s)
{
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    snapshot_render(&w, s);
    if (!b.oom)
        printf("%.*s\n", (int)b.len, b.data);
    buf_free(&b);
}

int cli_snapshot_take(int argc, char **argv)
{
    snap_cli_t c;
    int rc = snap_parse(&c, argc, argv, "take",
                        "Copies the whole database into the snapshot NAME (replacing one of that name),\n"
                        "consistently even while a server writes to it. Prints the snapshot as JSON.",
                        true);
    if (rc >= 0)
        return rc;
    if (access(c.db, F_OK) != 0) {
        fprintf(stderr, "parley snapshot take: no database %s\n", c.db);
        return 1;
    }
    store_t *st = cli_store_open(c.db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    snapshot_info_t info;
    char err[512] = "";
    store_rc_t src = snapshot_take(st, c.dir, c.name, &info, err, sizeof err);
    store_close(st);
    if (src != STORE_OK) {
        fprintf(stderr, "parley snapshot take: %s\n", err[0] ? err : store_rc_str(src));
        return 1;
    }
    snap_print(&info);
    return 0;
}

int cli_snapshot_list(int argc, char **argv)
{
    snap_cli_t c;
    int rc = snap_parse(&c, argc, argv, "list", "Prints every snapshot, one JSON object per line, by name.", false);
    if (rc >= 0)
        return rc;
    snapshot_info_t *all; /* owner: this function */
    size_t n;
    char err[512];
    if (snapshot_list(c.dir, &all, &n, err, sizeof err) != 0) {
        fprintf(stderr, "parley snapshot list: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        snap_print(&all[i]);
    free(all);
    return 0;
}

int cli_snapshot_restore(int argc, char **argv)
{
    snap_cli_t c;
    int rc = snap_parse(&c, argc, argv, "restore",
                        "Makes the database exactly what the snapshot NAME holds. Refused while a server\n"
                        "uses the database: restore through its admin API instead\n"
                        "(POST /_parley/snapshots/NAME/restore), which lets requests in flight finish first.",
                        true);
    if (rc >= 0)
        return rc;
    snapshot_info_t info;
    if (snapshot_get(c.dir, c.name, &info) != STORE_OK) {
        fprintf(stderr, "parley snapshot restore: no snapshot \"%s\" in %s\n", c.name, c.dir);
        return 1;
    }
    /* `parley serve` holds a shared flock on the file (see serve.c). The
     * descriptor stays open until the store is closed: closing a descriptor
     * of the file would drop SQLite's own locks. */
    int fd = open(c.db, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "parley snapshot restore: cannot open %s: %s\n", c.db, strerror(errno));
        return 1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr,
                "parley snapshot restore: a server is using %s; restore through its admin API:\n"
                "  curl -X POST -H 'Authorization: Bearer TOKEN' http://HOST:PORT/_parley/snapshots/%s/restore\n",
                c.db, c.name);
        close(fd);
        return 1;
    }
    store_t *st = cli_store_open(c.db, STORE_DURABILITY_FULL);
    if (!st) {
        close(fd);
        return 1;
    }
    char err[512] = "";
    store_rc_t src = snapshot_restore(st, c.dir, c.name, err, sizeof err);
    store_close(st);
    close(fd);
    if (src != STORE_OK) {
        fprintf(stderr, "parley snapshot restore: %s\n", err[0] ? err : store_rc_str(src));
        return 1;
    }
    snap_print(&info);
    return 0;
}

int cli_snapshot_delete(int argc, char **argv)
{
    snap_cli_t c;
    int rc = snap_parse(&c, argc, argv, "delete", "Removes the snapshot NAME.", true);
    if (rc >= 0)
        return rc;
    char err[512] = "";
    store_rc_t src = snapshot_delete(c.dir, c.name, err, sizeof err);
    if (src == STORE_NOT_FOUND) {
        fprintf(stderr, "parley snapshot delete: no snapshot \"%s\" in %s\n", c.name, c.dir);
        return 1;
    }
    if (src != STORE_OK) {
        fprintf(stderr, "parley snapshot delete: %s\n", err);
        return 1;
    }
    return 0;
}
