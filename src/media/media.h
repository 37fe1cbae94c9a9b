/* media.h - the media service of a server (spec §7): its storage, the URL-signing secret, the URLs it issues, and what an import or an organization's deletion does to objects. */
#ifndef PARLEY_MEDIA_H
#define PARLEY_MEDIA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/sign.h"
#include "media/storage.h"
#include "store/store.h"

#define MEDIA_URL_MAX 1024             /* bytes of an issued URL, with the NUL */
#define MEDIA_DEFAULT_TTL 3600         /* seconds an issued URL works (--media-url-ttl) */
#define MEDIA_MAX_TTL (7 * 86400)
#define MEDIA_DEFAULT_MAX (2LL << 30)  /* --max-media: 2 GiB */
#define MEDIA_MAX_MAX (5LL << 30)      /* the largest single PUT S3 takes */

typedef struct media_opts {
    const char *where;         /* --media: a directory, or s3://BUCKET[/PREFIX] */
    const char *s3_endpoint;   /* --s3-endpoint (NULL: AWS S3) */
    const char *base;          /* --public-url: the base of issued URLs, without a trailing '/' */
    int64_t url_ttl;           /* seconds */
    int64_t max_bytes;         /* the largest object a PUT may store */
    bool durable;              /* the directory store fsyncs before a PUT's 200 */
} media_opts_t;

/* One per server, made by `parley serve`, borrowed by every request (req_t.media). */
typedef struct media {
    media_store_t *store;      /* owned */
    uint8_t secret[MEDIA_SECRET_LEN];
    char base[512];
    int64_t url_ttl, max_bytes;
    /* for /metrics, since the server started (lock-free, relaxed) */
    _Atomic uint64_t uploaded_bytes;   /* bytes of objects stored by PUTs answered 200 */
    _Atomic uint64_t uploads;          /* those PUTs */
    _Atomic uint64_t downloaded_bytes; /* object bytes of GET replies (200 and 206), counted as each reply starts */
} media_t;

/* What m's counters say now, for /metrics. */
typedef struct media_counts {
    uint64_t uploaded_bytes, uploads, downloaded_bytes;
} media_counts_t;
void media_counts(const media_t *m, media_counts_t *out);
/* Counts a stored upload of n bytes / a download reply of n object bytes. */
void media_count_upload(media_t *m, uint64_t n);
void media_count_download(media_t *m, uint64_t n);

/* Opens the storage o->where names (an S3 bucket: credentials and region from
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or
 * AWS_DEFAULT_REGION, else us-east-1) and reads the signing secret from st,
 * storing a new random one when the database has none. NULL with why in err. */
media_t *media_open(const media_opts_t *o, store_t *st, char *err, size_t errlen);
void media_close(media_t *m);

/* Writes a signed URL of key for method ("PUT": upload, "GET": download)
 * expiring url_ttl seconds after now into out (MEDIA_URL_MAX bytes). */
void media_url(const media_t *m, const char *method, const char *key, int64_t now, char out[MEDIA_URL_MAX]);

typedef enum {
    MEDIA_ATTACH_NONE = 0,     /* not an object to attach: record the URL as given */
    MEDIA_ATTACH_OK,           /* key names an object of this organization that exists */
    MEDIA_ATTACH_UNAVAILABLE,  /* it is ours, but the storage cannot say whether the object exists */
} media_attach_t;

/* Whether the mediaURL of an import by organization org at time now is a
 * download URL this server issued to org, validly signed now, of an object
 * that exists; its key goes to key (MEDIA_KEY_MAX bytes) when it is. m NULL
 * (no media storage): NONE. */
media_attach_t media_attach_check(const media_t *m, const char *org, const char *url, int64_t now,
                                  char key[MEDIA_KEY_MAX]);

/* Removes every object of organization org ("uploads/<org>/…"). m NULL: OK. */
media_rc_t media_remove_org(const media_t *m, const char *org);

#endif
