/* dir.c - media objects as files in a directory: 0600 files, written to a temporary name and renamed, the Content-Type beside each in KEY.type. */
#include "media/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_TMP ".tmp"           /* temporary files; keys cannot start with '.' */
#define DIR_TYPE_SUFFIX ".type"  /* the Content-Type of KEY is in KEY.type; keys have no dots */
#define DIR_DEFAULT_TYPE "application/octet-stream"

typedef struct dir_store {
    media_store_t base;
    char *root;                  /* owned; no trailing '/' */
    bool durable;                /* fsync files and directories before a commit returns */
} dir_store_t;

struct media_put {
    dir_store_t *s;
    int fd;                      /* the temporary file, locked (flock) while it is written */
    char *tmp;                   /* its path; owned */
    char *dst;                   /* root/key; owned */
    char *ctype;                 /* owned */
    int64_t size, written;
    bool failed;
};

static const media_store_ops_t dir_ops;

/* root + "/" + rel + suffix, malloc'd (owner: the caller); NULL when out of memory. */
static char *dir_path(const dir_store_t *s, const char *rel, const char *suffix)
{
    size_t n = strlen(s->root) + strlen(rel) + strlen(suffix) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", s->root, rel, suffix);
    return p;
}

/* mkdir -p of the directories above path (path itself excluded), mode 0700. 0 or -1 (errno set). */
static int dir_make_parents(char *path, size_t from)
{
    for (char *p = path + from; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    return 0;
}

/* fsync of the directory holding path. */
static void dir_sync_parent(const char *path)
{
    char *d = strdup(path);
    char *slash = d ? strrchr(d, '/') : NULL;
    if (slash) {
        *slash = '\0';
        int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    free(d);
}

/* Removes the temporary files no live upload holds (their writer died):
 * each is locked (flock) by its writer while it is written. */
static void dir_sweep_tmp(const char *tmpdir)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dfd, e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

media_store_t *media_dir_open(const char *dir, bool durable, char *err, size_t errlen)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    dir_store_t *s = calloc(1, sizeof *s); /* owner: the caller, freed by media_store_close */
    if (!s || !(s->root = strndup(dir, n))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.ops = &dir_ops;
    s->durable = durable;
    char *tmp = dir_path(s, DIR_TMP, "");
    if (!tmp || (mkdir(s->root, 0700) != 0 && errno != EEXIST) || (mkdir(tmp, 0700) != 0 && errno != EEXIST) ||
        access(tmp, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "media directory %s cannot be made or written: %s", s->root, strerror(errno));
        free(tmp);
        free(s->root);
        free(s);
        return NULL;
    }
    dir_sweep_tmp(tmp);
    free(tmp);
    return &s->base;
}

static void dir_close(media_store_t *base)
{
    dir_store_t *s = (dir_store_t *)base;
    free(s->root);
    free(s);
}

/* Reads the Content-Type stored beside path into out (DIR_DEFAULT_TYPE when there is none). */
static void dir_read_type(const char *path, char out[MEDIA_CTYPE_MAX + 1])
{
    snprintf(out, MEDIA_CTYPE_MAX + 1, "%s", DIR_DEFAULT_TYPE);
    size_t n = strlen(path) + sizeof DIR_TYPE_SUFFIX;
    char *tp = malloc(n);
    if (!tp)
        return;
    snprintf(tp, n, "%s%s", path, DIR_TYPE_SUFFIX);
    int fd = open(tp, O_RDONLY | O_CLOEXEC);
    free(tp);
    if (fd < 0)
        return;
    char buf[MEDIA_CTYPE_MAX + 1];
    ssize_t got = read(fd, buf, MEDIA_CTYPE_MAX);
    close(fd);
    if (got > 0) {
        buf[got] = '\0';
        snprintf(out, MEDIA_CTYPE_MAX + 1, "%s", buf);
    }
}

/* The version tag of a file: inode, size and modification time. */
static void dir_etag(const struct stat *st, char out[MEDIA_ETAG_MAX + 1])
{
    snprintf(out, MEDIA_ETAG_MAX + 1, "%llx-%llx-%llx.%lx", (unsigned long long)st->st_ino,
             (unsigned long long)st->st_size, (unsigned long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec);
}

static media_rc_t dir_stat(media_store_t *base, const char *key, media_info_t *out)
{
    dir_store_t *s = (dir_store_t *)base;
    char *p = dir_path(s, key, "");
    if (!p)
        return MEDIA_ERROR;
    struct stat st;
    media_rc_t rc = MEDIA_OK;
    if (stat(p, &st) != 0) {
        rc = errno == ENOENT || errno == ENOTDIR ? MEDIA_NOT_FOUND : MEDIA_ERROR;
        if (rc == MEDIA_ERROR)
            fprintf(stderr, "parley: media: stat %s: %s\n", key, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = MEDIA_NOT_FOUND;
    } else {
        out->size = (int64_t)st.st_size;
        dir_etag(&st, out->etag);
        dir_read_type(p, out->content_type);
    }
    free(p);
    return rc;
}

static media_rc_t dir_read(media_store_t *base, const char *key, const media_info_t *as_of, int64_t off, int64_t len,
                           bytesrc_t *out)
{
    dir_store_t *s = (dir_store_t *)base;
    char *p = dir_path(s, key, "");
    if (!p)
        return MEDIA_ERROR;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(p);
    if (fd < 0)
        return errno == ENOENT ? MEDIA_NOT_FOUND : MEDIA_ERROR;
    struct stat st;
    char tag[MEDIA_ETAG_MAX + 1] = "";
    if (fstat(fd, &st) == 0)
        dir_etag(&st, tag);
    if (strcmp(tag, as_of->etag) != 0) { /* replaced since stat */
        close(fd);
        return MEDIA_ERROR;
    }
    bytesrc_init(out);
    out->size = len;
    out->fd = fd; /* owner: whoever takes the source */
    out->offset = off;
    return MEDIA_OK;
}

static media_rc_t dir_put_open(media_store_t *base, const char *key, const char *content_type, int64_t size,
                               media_put_t **out)
{
    dir_store_t *s = (dir_store_t *)base;
    media_put_t *p = calloc(1, sizeof *p); /* owner: the caller until put_commit / put_abort */
    if (!p)
        return MEDIA_ERROR;
    p->s = s;
    p->fd = -1;
    p->size = size;
    p->dst = dir_path(s, key, "");
    p->tmp = dir_path(s, DIR_TMP "/upload-XXXXXX", "");
    p->ctype = strdup(content_type && *content_type ? content_type : DIR_DEFAULT_TYPE);
    if (!p->dst || !p->tmp || !p->ctype || dir_make_parents(p->dst, strlen(s->root) + 1) != 0 ||
        (p->fd = mkostemp(p->tmp, O_CLOEXEC)) < 0 || flock(p->fd, LOCK_EX) != 0) {
        fprintf(stderr, "parley: media: cannot start writing %s: %s\n", key, strerror(errno));
        if (p->fd >= 0) {
            unlink(p->tmp);
            close(p->fd);
        }
        free(p->dst);
        free(p->tmp);
        free(p->ctype);
        free(p);
        return MEDIA_ERROR;
    }
    *out = p;
    return MEDIA_OK;
}

static media_rc_t dir_put_write(media_put_t *p, const char *data, size_t n)
{
    if (p->failed || (int64_t)n > p->size - p->written) {
        p->failed = true;
        return MEDIA_ERROR;
    }
    while (n > 0) {
        ssize_t w = write(p->fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "parley: media: writing an upload: %s\n", w < 0 ? strerror(errno) : "no progress");
            p->failed = true;
            return MEDIA_ERROR;
        }
        data += w;
        n -= (size_t)w;
        p->written += w;
    }
    return MEDIA_OK;
}

static void dir_put_free(media_put_t *p)
{
    if (p->fd >= 0)
        close(p->fd);
    free(p->dst);
    free(p->tmp);
    free(p->ctype);
    free(p);
}

static void dir_put_abort(media_put_t *p)
{
    unlink(p->tmp);
    dir_put_free(p);
}

/* Writes the Content-Type file of p (temporary name, then renamed beside the object). */
static int dir_put_type(media_put_t *p)
{
    char *tmp = dir_path(p->s, DIR_TMP "/type-XXXXXX", "");
    size_t n = strlen(p->dst) + sizeof DIR_TYPE_SUFFIX;
    char *dst = malloc(n);
    int fd = tmp && dst ? mkostemp(tmp, O_CLOEXEC) : -1;
    int rc = -1;
    if (fd >= 0) {
        snprintf(dst, n, "%s%s", p->dst, DIR_TYPE_SUFFIX);
        size_t len = strlen(p->ctype);
        if (write(fd, p->ctype, len) == (ssize_t)len && (!p->s->durable || fsync(fd) == 0) && rename(tmp, dst) == 0)
            rc = 0;
        else
            unlink(tmp);
        close(fd);
    }
    free(tmp);
    free(dst);
    return rc;
}

static media_rc_t dir_put_commit(media_put_t *p)
{
    if (p->failed || p->written != p->size) {
        fprintf(stderr, "parley: media: an upload ended after %lld of %lld bytes\n", (long long)p->written,
                (long long)p->size);
        dir_put_abort(p);
        return MEDIA_ERROR;
    }
    /* the parents again: removing the organization's objects meanwhile may have taken them */
    if ((p->s->durable && fsync(p->fd) != 0) || dir_make_parents(p->dst, strlen(p->s->root) + 1) != 0 ||
        dir_put_type(p) != 0 || rename(p->tmp, p->dst) != 0) {
        fprintf(stderr, "parley: media: cannot store an upload: %s\n", strerror(errno));
        dir_put_abort(p);
        return MEDIA_ERROR;
    }
    if (p->s->durable)
        dir_sync_parent(p->dst);
    dir_put_free(p);
    return MEDIA_OK;
}

static media_rc_t dir_remove(media_store_t *base, const char *key)
{
    dir_store_t *s = (dir_store_t *)base;
    char *p = dir_path(s, key, "");
    char *t = dir_path(s, key, DIR_TYPE_SUFFIX);
    media_rc_t rc = MEDIA_OK;
    if (!p || !t) {
        rc = MEDIA_ERROR;
    } else { /* both unlinks are tried, whatever the first one did */
        bool data_failed = unlink(p) != 0 && errno != ENOENT;
        bool type_failed = unlink(t) != 0 && errno != ENOENT;
        if (data_failed || type_failed)
            rc = MEDIA_ERROR;
    }
    free(p);
    free(t);
    return rc;
}

/* Removes name (in the directory dfd) and, when it is a directory, all it holds. 0 or -1. */
static int dir_rm_tree(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if ((errno != EISDIR && errno != EPERM) || depth > 16)
        return -1;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && dir_rm_tree(fd, e->d_name, depth + 1) != 0)
            rc = -1;
    }
    closedir(d);
    if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

static media_rc_t dir_remove_prefix(media_store_t *base, const char *prefix)
{
    dir_store_t *s = (dir_store_t *)base;
    char *rel = strndup(prefix, strlen(prefix) - 1); /* "uploads/<org>/" names the directory uploads/<org> */
    char *p = rel ? dir_path(s, rel, "") : NULL;
    media_rc_t rc = p && dir_rm_tree(AT_FDCWD, p, 0) == 0 ? MEDIA_OK : MEDIA_ERROR;
    if (rc != MEDIA_OK)
        fprintf(stderr, "parley: media: cannot remove %s: %s\n", prefix, strerror(errno));
    free(p);
    free(rel);
    return rc;
}

static const media_store_ops_t dir_ops = {
    .stat = dir_stat,
    .read = dir_read,
    .put_open = dir_put_open,
    .put_write = dir_put_write,
    .put_commit = dir_put_commit,
    .put_abort = dir_put_abort,
    .remove = dir_remove,
    .remove_prefix = dir_remove_prefix,
    .close = dir_close,
    .kind = "directory",
};
