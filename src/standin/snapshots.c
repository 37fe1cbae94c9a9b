/* snapshots.c - named copies of the database kept as files in the snapshot directory, with a small metadata file each. */
#include "standin/snapshots.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ptime.h"
#include "lib/strutil.h"

/* Layout: <dir>/<name>.db is the database copy (0600), <dir>/<name>.json its
 * {"createdAt": ms, "conversations": n}. Both are written under temporary
 * names (".<name>.*.tmp") and renamed, metadata last. */

bool snapshot_name_ok(const char *name, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 4];
    size_t n = strlen(name);
    bool ok = n >= 1 && n <= SNAPSHOT_NAME_MAX && strcmp(name, ".") != 0 && !strstr(name, "..");
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
             c == '-';
    }
    if (!ok)
        str_fail(err, errlen, "snapshot name \"%s\" must be 1 to %d of A-Z a-z 0-9 _ . - without \"..\"",
                 str_shown(name, shown, sizeof shown), SNAPSHOT_NAME_MAX);
    return ok;
}

const char *snapshot_default_dir(const char *db_path, char *out, size_t n)
{
    snprintf(out, n, "%s.snapshots", db_path);
    return out;
}

/* "<dir>/<prefix><name><suffix>" into out; -1 when it does not fit. */
static int snapshot_path(char *out, size_t n, const char *dir, const char *prefix, const char *name, const char *suffix)
{
    int w = snprintf(out, n, "%s/%s%s%s", dir, prefix, name, suffix);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* fsyncs the directory so that renames in it are durable. */
static void snapshot_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes text to path (0600) durably: temporary file, fsync, rename. */
static int snapshot_write_file(const char *path, const char *tmp, const char *text, char *err, size_t errlen)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return str_fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return str_fail(err, errlen, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

store_rc_t snapshot_take(store_t *st, const char *dir, const char *name, snapshot_info_t *out, char *err,
                         size_t errlen)
{
    char db[4096], tmp[4096], meta[4096], mtmp[4096];
    if (snapshot_path(db, sizeof db, dir, "", name, ".db") || snapshot_path(tmp, sizeof tmp, dir, ".", name, ".db.tmp") ||
        snapshot_path(meta, sizeof meta, dir, "", name, ".json") ||
        snapshot_path(mtmp, sizeof mtmp, dir, ".", name, ".json.tmp")) {
        str_fail(err, errlen, "the snapshot directory's path is too long");
        return STORE_ERROR;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        str_fail(err, errlen, "cannot create the snapshot directory %s: %s", dir, strerror(errno));
        return STORE_ERROR;
    }
    unlink(tmp); /* a leftover of a failed attempt */
    int64_t conversations = 0;
    store_rc_t rc = store_snapshot_write(st, tmp, &conversations);
    if (rc != STORE_OK) {
        unlink(tmp);
        if (rc != STORE_NOT_SUPPORTED)
            str_fail(err, errlen, "copying the database to %s failed", tmp);
        return rc;
    }
    chmod(tmp, 0600);
    if (rename(tmp, db) != 0) {
        str_fail(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return STORE_ERROR;
    }
    int64_t now = ptime_now_ms();
    char text[128];
    snprintf(text, sizeof text, "{\"createdAt\":%lld,\"conversations\":%lld}\n", (long long)now,
             (long long)conversations);
    if (snapshot_write_file(meta, mtmp, text, err, errlen) != 0)
        return STORE_ERROR;
    snapshot_sync_dir(dir);
    return snapshot_get(dir, name, out) == STORE_OK ? STORE_OK : STORE_ERROR;
}

store_rc_t snapshot_get(const char *dir, const char *name, snapshot_info_t *out)
{
    char db[4096], meta[4096];
    if (snapshot_path(db, sizeof db, dir, "", name, ".db") || snapshot_path(meta, sizeof meta, dir, "", name, ".json"))
        return STORE_NOT_FOUND;
    struct stat sb;
    if (stat(db, &sb) != 0 || !S_ISREG(sb.st_mode))
        return STORE_NOT_FOUND;
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->bytes = (int64_t)sb.st_size;
    out->created_at_ms = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
    json_error_t je;
    json_t *m = json_load_file(meta, 0, &je); /* owner: this function */
    if (m) {
        json_t *c = json_object_get(m, "createdAt"), *n = json_object_get(m, "conversations");
        if (json_is_integer(c))
            out->created_at_ms = (int64_t)json_integer_value(c);
        if (json_is_integer(n))
            out->conversations = (int64_t)json_integer_value(n);
        json_decref(m);
    }
    return STORE_OK;
}

store_rc_t snapshot_restore(store_t *st, const char *dir, const char *name, char *err, size_t errlen)
{
    char db[4096];
    snapshot_info_t info;
    if (snapshot_path(db, sizeof db, dir, "", name, ".db") || snapshot_get(dir, name, &info) != STORE_OK)
        return STORE_NOT_FOUND;
    store_rc_t rc = store_snapshot_load(st, db);
    if (rc != STORE_OK && rc != STORE_NOT_SUPPORTED)
        str_fail(err, errlen, "restoring %s failed", db);
    return rc;
}

store_rc_t snapshot_delete(const char *dir, const char *name, char *err, size_t errlen)
{
    char db[4096], meta[4096];
    if (snapshot_path(db, sizeof db, dir, "", name, ".db") || snapshot_path(meta, sizeof meta, dir, "", name, ".json"))
        return STORE_NOT_FOUND;
    if (unlink(db) != 0) {
        if (errno == ENOENT)
            return STORE_NOT_FOUND;
        str_fail(err, errlen, "cannot remove %s: %s", db, strerror(errno));
        return STORE_ERROR;
    }
    unlink(meta);
    snapshot_sync_dir(dir);
    return STORE_OK;
}

static int snapshot_cmp(const void *a, const void *b)
{
    return strcmp(((const snapshot_info_t *)a)->name, ((const snapshot_info_t *)b)->name);
}

int snapshot_list(const char *dir, snapshot_info_t **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : str_fail(err, errlen, "cannot read %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 3, ".db") != 0 || e->d_name[0] == '.')
            continue;
        char name[SNAPSHOT_NAME_MAX + 1];
        if (l - 3 > SNAPSHOT_NAME_MAX)
            continue;
        memcpy(name, e->d_name, l - 3);
        name[l - 3] = '\0';
        if (!snapshot_name_ok(name, NULL, 0))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            snapshot_info_t *bigger = realloc(*out, cap * sizeof **out); /* owner: the caller */
            if (!bigger) {
                closedir(d);
                free(*out);
                *out = NULL;
                *n = 0;
                return str_fail(err, errlen, "out of memory");
            }
            *out = bigger;
        }
        if (snapshot_get(dir, name, &(*out)[*n]) == STORE_OK)
            (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, snapshot_cmp);
    return 0;
}

void snapshot_render(jsonw_t *w, const snapshot_info_t *s)
{
    char at[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(s->created_at_ms, at);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "name", s->name);
    jsonw_kv_string(w, "createdAt", at);
    jsonw_kv_int(w, "conversations", s->conversations);
    jsonw_kv_int(w, "bytes", s->bytes);
    jsonw_obj_end(w);
}
