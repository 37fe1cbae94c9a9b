/* storage.h - where media objects live: one small interface, a directory (dir.c) or an S3-compatible bucket (s3.c). */
#ifndef PARLEY_MEDIA_STORAGE_H
#define PARLEY_MEDIA_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bytesrc.h"

typedef enum {
    MEDIA_OK = 0,
    MEDIA_NOT_FOUND,     /* no such object */
    MEDIA_UNAVAILABLE,   /* the storage cannot be reached or refused (bucket down, 5xx, credentials): retry later */
    MEDIA_ERROR,         /* anything else (I/O error, a short upload, an object that changed while read); logged */
} media_rc_t;

#define MEDIA_CTYPE_MAX 255  /* bytes of a stored Content-Type */
#define MEDIA_ETAG_MAX 127

/* What is known of a stored object. */
typedef struct media_info {
    int64_t size;
    char content_type[MEDIA_CTYPE_MAX + 1]; /* as uploaded; "application/octet-stream" when none was given */
    char etag[MEDIA_ETAG_MAX + 1];          /* the backend's version tag ("" when it has none) */
} media_info_t;

typedef struct media_store media_store_t;
typedef struct media_put media_put_t;   /* an upload in progress; the backend's */

/* The operations of a backend. key is always a valid key (media_key_ok);
 * each operation is safe to call from any thread at any time. */
typedef struct media_store_ops {
    /* The size, type and tag of key. */
    media_rc_t (*stat)(media_store_t *s, const char *key, media_info_t *out);
    /* The len bytes of key from off (0 <= off, off + len <= as_of->size) as a
     * source of bytes to send (the caller releases it: bytesrc_release); as_of is
     * what stat said: if the object changed since, MEDIA_ERROR. */
    media_rc_t (*read)(media_store_t *s, const char *key, const media_info_t *as_of, int64_t off, int64_t len,
                       bytesrc_t *out);
    /* Starts an upload of size bytes (exactly) to key with content_type. Nothing
     * is visible under key until put_commit succeeds. *out is the caller's
     * until put_commit or put_abort, which free it. */
    media_rc_t (*put_open)(media_store_t *s, const char *key, const char *content_type, int64_t size,
                           media_put_t **out);
    media_rc_t (*put_write)(media_put_t *p, const char *data, size_t n);
    /* Makes the object visible (replacing one under the same key), once all
     * size bytes were written; frees p whatever happens. */
    media_rc_t (*put_commit)(media_put_t *p);
    /* Forgets the upload; nothing is left behind. Frees p. */
    void (*put_abort)(media_put_t *p);
    /* Removes key (OK when there was none). */
    media_rc_t (*remove)(media_store_t *s, const char *key);
    /* Removes every object whose key starts with prefix ("uploads/<org>/"). */
    media_rc_t (*remove_prefix)(media_store_t *s, const char *prefix);
    void (*close)(media_store_t *s);
    const char *kind;   /* "directory" or "s3", for messages */
} media_store_ops_t;

/* Every backend's store starts with this. */
struct media_store {
    const media_store_ops_t *ops;
};

/* True when key may name an object: 1-512 bytes of segments of
 * [A-Za-z0-9_-] separated by single '/', no leading or trailing '/' (so no
 * "..", no dots at all, no encoded anything). Keys the server issues
 * (media_key_parse) all are; prefixes end in '/'. */
bool media_key_ok(const char *key);
bool media_prefix_ok(const char *prefix);

/* A directory: objects are files under dir (created 0700 when missing),
 * 0600, written to a temporary file in dir/.tmp/ and renamed into place;
 * temporary files left by a process that died are removed on open.
 * NULL with why in err when dir cannot be made or used. */
media_store_t *media_dir_open(const char *dir, bool durable, char *err, size_t errlen);

/* An S3-compatible bucket (S3's REST API, SigV4-signed by libcurl):
 * objects are PREFIX/KEY in BUCKET, at endpoint (path-style URLs,
 * "http(s)://HOST[:PORT]"), or, endpoint NULL, AWS S3 in region
 * (virtual-hosted URLs). Credentials as AWS's tools read them: id and
 * secret required, session token optional. NULL with why in err on bad
 * settings; the bucket is not contacted. */
typedef struct media_s3_opts {
    const char *bucket;
    const char *prefix;          /* "" or without leading/trailing '/' */
    const char *endpoint;        /* NULL: AWS */
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;   /* NULL: none */
} media_s3_opts_t;
media_store_t *media_s3_open(const media_s3_opts_t *o, char *err, size_t errlen);

/* Frees s (NULL is fine). */
void media_store_close(media_store_t *s);

/* Human-readable name of rc. */
const char *media_rc_str(media_rc_t rc);

#endif
