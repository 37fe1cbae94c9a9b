/* backup.c - `parley backup`: a consistent copy of a live SQLite database with the online backup API. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/ops.h"

#define BACKUP_BUSY_RETRIES 3000 /* consecutive busy steps (10 ms apart) before giving up: 30 s */

/* Removes the temporary copy tmp and its rollback journal, if any. */
static void backup_discard(const char *tmp)
{
    char j[4200];
    unlink(tmp);
    snprintf(j, sizeof j, "%s-journal", tmp);
    unlink(j);
}

/* fsyncs the file or directory at path. Returns 0, or -1 with errno set. */
static int backup_fsync_path(const char *path, bool dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Moves tmp to to: over an existing one when force, else only when to does
 * not exist (atomically where the file system allows it). Returns 0, or -1
 * with errno set (EEXIST: to appeared meanwhile). */
static int backup_rename(const char *tmp, const char *to, bool force)
{
    if (force)
        return rename(tmp, to);
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* a file system without RENAME_NOREPLACE: link() does not replace either */
    if (link(tmp, to) != 0)
        return -1;
    unlink(tmp);
    return 0;
}

/* Copies src (inside its read transaction) into dst in steps. Returns an
 * SQLite code (SQLITE_DONE on success, SQLITE_INTERRUPT when the progress
 * callback abandoned it) with info->steps counted. */
static int backup_copy(sqlite3 *src, sqlite3 *dst, const store_backup_opts_t *o, store_backup_info_t *info)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main"); /* finished below */
    if (!b)
        return sqlite3_errcode(dst);
    int step = o->step_pages > 0 ? o->step_pages : STORE_BACKUP_STEP_PAGES;
    int rc, busy = 0;
    do {
        rc = sqlite3_backup_step(b, step);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            /* the source's read snapshot is already held, so only a transient lock
             * (a WAL recovery, say) lands here: wait and try again */
            if (++busy > BACKUP_BUSY_RETRIES)
                break;
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
            continue;
        }
        busy = 0;
        if (rc != SQLITE_OK && rc != SQLITE_DONE)
            break;
        info->steps++;
        int64_t total = sqlite3_backup_pagecount(b);
        if (o->progress && o->progress(o->progress_ctx, total - sqlite3_backup_remaining(b), total) != 0) {
            rc = SQLITE_INTERRUPT;
            break;
        }
    } while (rc != SQLITE_DONE);
    int frc = sqlite3_backup_finish(b);
    return rc == SQLITE_DONE && frc != SQLITE_OK ? frc : rc;
}

/* Makes the finished copy in dst a self-contained rollback-journal database
 * and reads its size and conversation counts into info. Returns 0, or -1
 * with why in err. */
static int backup_settle(sqlite3 *dst, store_backup_info_t *info, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    /* the source's header said WAL, and the copy has it: make it one file again */
    int rc = sqlite3_prepare_v2(dst, "PRAGMA journal_mode = DELETE", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    bool ok = mode && strcmp(mode, "delete") == 0;
    sqlite3_finalize(s);
    if (!ok) {
        snprintf(err, errlen, "cannot switch the copy to journal_mode=DELETE: %s", sqlite3_errmsg(dst));
        return -1;
    }
    static const char sql[] = "SELECT (SELECT page_count FROM pragma_page_count),"
                              " (SELECT page_size FROM pragma_page_size), (SELECT count(*) FROM conversations),"
                              " (SELECT count(*) FROM conversations WHERE archived)";
    rc = sqlite3_prepare_v2(dst, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        info->pages = sqlite3_column_int64(s, 0);
        info->page_size = sqlite3_column_int64(s, 1);
        info->bytes = info->pages * info->page_size;
        info->conversations = sqlite3_column_int64(s, 2);
        info->archived = sqlite3_column_int64(s, 3);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the copy: %s", sqlite3_errmsg(dst));
        return -1;
    }
    return 0;
}

store_rc_t store_backup(const store_backup_opts_t *o, store_backup_info_t *info, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    store_backup_info_t scratch;
    if (!info)
        info = &scratch;
    *info = (store_backup_info_t){0};
    if (!o || !o->db || !o->db[0] || !o->to || !o->to[0]) {
        snprintf(err, errlen, "a database and a file to copy it to are needed");
        return STORE_ERROR;
    }
    if (store_is_postgres_url(o->db)) {
        snprintf(err, errlen, "a PostgreSQL database is backed up with pg_dump, not parley backup");
        return STORE_ERROR;
    }
    const char *path = store_ops_sqlite_path(o->db);
    struct stat db_st, to_st;
    if (stat(o->to, &to_st) == 0) {
        if (stat(path, &db_st) == 0 && db_st.st_dev == to_st.st_dev && db_st.st_ino == to_st.st_ino) {
            snprintf(err, errlen, "%s is the database itself", o->to);
            return STORE_ERROR;
        }
        if (S_ISDIR(to_st.st_mode)) {
            snprintf(err, errlen, "%s is a directory; give the path of the file to write", o->to);
            return STORE_ERROR;
        }
        if (!o->force) {
            snprintf(err, errlen, "%s exists (give --force to replace it)", o->to);
            return STORE_CONFLICT;
        }
    }
    sqlite3 *src = store_ops_sqlite_snapshot(o->db, &info->schema_version, err, errlen); /* closed below */
    if (!src)
        return STORE_ERROR;

    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", o->to) >= (int)sizeof tmp) {
        snprintf(err, errlen, "the path %s is too long", o->to);
        sqlite3_close(src);
        return STORE_ERROR;
    }
    int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600; SQLite gives its journal the same */
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file next to %s: %s", o->to, strerror(errno));
        sqlite3_close(src);
        return STORE_ERROR;
    }
    close(fd);

    store_rc_t ret = STORE_ERROR;
    sqlite3 *dst = NULL; /* closed below */
    int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dst, "PRAGMA synchronous = OFF", NULL, NULL, NULL); /* one fsync at the end instead */
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", tmp, dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_extended_result_codes(dst, 1);
    rc = backup_copy(src, dst, o, info);
    if (rc == SQLITE_INTERRUPT) {
        snprintf(err, errlen, "the backup was interrupted; %s was not written", o->to);
        goto out;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "copying %s failed: %s", path,
                 sqlite3_errcode(dst) != SQLITE_OK ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_exec(src, "COMMIT", NULL, NULL, NULL); /* the snapshot is no longer needed */
    sqlite3_close(src);
    src = NULL;
    if (backup_settle(dst, info, err, errlen) != 0)
        goto out;
    rc = sqlite3_close(dst);
    dst = NULL;
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "closing the copy failed: %s", sqlite3_errstr(rc));
        goto out;
    }
    if (backup_fsync_path(tmp, false) != 0) {
        snprintf(err, errlen, "cannot write %s to disk: %s", tmp, strerror(errno));
        goto out;
    }
    if (backup_rename(tmp, o->to, o->force) != 0) {
        if (errno == EEXIST) {
            snprintf(err, errlen, "%s exists (give --force to replace it)", o->to);
            ret = STORE_CONFLICT;
        } else {
            snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, o->to, strerror(errno));
        }
        goto out;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->to);
    if (backup_fsync_path(dirname(dir), true) != 0) {
        snprintf(err, errlen, "%s is written but its directory could not be synced: %s", o->to, strerror(errno));
        return STORE_ERROR;
    }
    return STORE_OK;
out:
    if (src) {
        sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(src);
    }
    sqlite3_close(dst);
    backup_discard(tmp);
    return ret;
}
