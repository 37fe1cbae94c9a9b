/* s3.c - media objects in an S3-compatible bucket, spoken to with libcurl (its SigV4 signer, CURLOPT_AWS_SIGV4); uploads and downloads stream through a bounded pipe to a libcurl thread. */
#include "media/storage.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/buf.h"
#include "media/pipe.h"

#define S3_PIPE_BYTES (1u << 20)          /* bytes in flight between a request and its libcurl thread */
#define S3_CONNECT_TIMEOUT_MS 5000L       /* an unreachable bucket is a 503 after this */
#define S3_STALL_SECONDS 60L              /* a transfer moving no byte for this long fails */
#define S3_LIST_MAX (16u << 20)           /* bytes of one ListObjectsV2 answer */
#define S3_PART_BYTES (64LL << 20)        /* bytes of a part of an upload (S3: 5 MiB to 5 GiB; 10,000 parts at most) */
#define S3_DEFAULT_TYPE "application/octet-stream"

typedef struct s3_store {
    media_store_t base;
    char *bucket_url;          /* "http://host:port/BUCKET" (path style) or "https://BUCKET.s3.REGION.amazonaws.com"; owned */
    bool path_style;           /* the bucket is the URL's first path segment */
    char *prefix;              /* "" or "PREFIX/"; owned */
    char *sigv4;               /* "aws:amz:REGION:s3"; owned */
    char *user, *secret;       /* credentials; owned; the secret is wiped at close */
    char *token_header;        /* "x-amz-security-token: …" or NULL; owned, wiped */
    CURLSH *share;             /* connections and DNS shared by every transfer */
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
} s3_store_t;

static const media_store_ops_t s3_ops;

/* ---- libcurl plumbing ------------------------------------------------------------ */

static void s3_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *ctx)
{
    (void)h;
    (void)a;
    pthread_mutex_lock(&((s3_store_t *)ctx)->locks[d]);
}

static void s3_unlock(CURL *h, curl_lock_data d, void *ctx)
{
    (void)h;
    pthread_mutex_unlock(&((s3_store_t *)ctx)->locks[d]);
}

/* One request's handle and headers, both owned by the caller (s3_req_free). */
typedef struct s3_req {
    CURL *c;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    char etag[MEDIA_ETAG_MAX + 1];  /* from the answer's ETag header */
} s3_req_t;

static void s3_req_free(s3_req_t *q)
{
    curl_slist_free_all(q->hdrs);
    q->hdrs = NULL;
    if (q->c)
        curl_easy_cleanup(q->c);
    q->c = NULL;
}

/* Keeps the ETag header of the answer (s3_req_t.etag). */
static size_t s3_header_cb(char *line, size_t size, size_t n, void *ctx)
{
    s3_req_t *q = ctx;
    size_t len = size * n;
    if (len > 5 && strncasecmp(line, "ETag:", 5) == 0) {
        const char *v = line + 5;
        size_t vl = len - 5;
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl <= MEDIA_ETAG_MAX) {
            memcpy(q->etag, v, vl);
            q->etag[vl] = '\0';
        }
    }
    return len;
}

/* Appends a header line to q (its list owns the copy). -1 when out of memory. */
static int s3_header(s3_req_t *q, const char *line)
{
    struct curl_slist *l = curl_slist_append(q->hdrs, line);
    if (!l)
        return -1;
    q->hdrs = l;
    return 0;
}

/* Prepares q for METHOD on the URL bucket_url + "/" + object + query (object
 * NULL: the bucket itself; query "" or "?a=b…", already sorted and encoded as
 * SigV4's canonical query string wants). Signed with SigV4 by libcurl; the
 * payload is not hashed (UNSIGNED-PAYLOAD), so it can stream. -1 when out of memory. */
static int s3_req_init(s3_store_t *s, s3_req_t *q, const char *method, const char *object, const char *query)
{
    memset(q, 0, sizeof *q);
    buf_t url;
    buf_init(&url);
    /* the bucket itself is "/BUCKET" in path style (no trailing slash: the
     * signature covers the path as sent) and "/" on its own host */
    if (object || !s->path_style)
        buf_printf(&url, "%s/%s%s", s->bucket_url, object ? object : "", query);
    else
        buf_printf(&url, "%s%s", s->bucket_url, query);
    q->c = curl_easy_init();
    /* no "Expect:" to turn 100-continue off: libcurl 7.88 signs the empty header it then leaves out */
    if (!q->c || url.oom || s3_header(q, "x-amz-content-sha256: UNSIGNED-PAYLOAD") != 0 ||
        (s->token_header && s3_header(q, s->token_header) != 0)) {
        buf_free(&url);
        s3_req_free(q);
        return -1;
    }
    CURL *c = q->c;
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    buf_free(&url); /* libcurl copied it */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s->secret);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SHARE, s->share);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, S3_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, S3_STALL_SECONDS);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s3_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, q->hdrs); /* later s3_header calls extend the same list */
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "DELETE") == 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    else if (strcmp(method, "PUT") == 0)
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    return 0;
}

/* What a finished request means: 2xx OK, 404 NOT_FOUND, 412 (the object
 * changed) ERROR, no answer or any other status UNAVAILABLE (logged under what). */
static media_rc_t s3_outcome(s3_req_t *q, CURLcode res, const char *what, const char *object)
{
    long http = 0;
    if (res == CURLE_OK)
        curl_easy_getinfo(q->c, CURLINFO_RESPONSE_CODE, &http);
    if (res == CURLE_OK && http >= 200 && http < 300)
        return MEDIA_OK;
    if (res == CURLE_OK && http == 404)
        return MEDIA_NOT_FOUND;
    if (res == CURLE_ABORTED_BY_CALLBACK)
        return MEDIA_ERROR; /* we stopped it; whoever did knows why */
    if (res == CURLE_OK)
        fprintf(stderr, "parley: media: s3 %s %s: HTTP %ld\n", what, object, http);
    else
        fprintf(stderr, "parley: media: s3 %s %s: %s\n", what, object, q->errbuf[0] ? q->errbuf : curl_easy_strerror(res));
    return res == CURLE_OK && http == 412 ? MEDIA_ERROR : MEDIA_UNAVAILABLE;
}

/* The object name of key: the prefix, then the key. malloc'd (owner: the caller). */
static char *s3_object(const s3_store_t *s, const char *key)
{
    size_t n = strlen(s->prefix) + strlen(key) + 1;
    char *o = malloc(n);
    if (o)
        snprintf(o, n, "%s%s", s->prefix, key);
    return o;
}

/* ---- stat, remove ---------------------------------------------------------------- */

static media_rc_t s3_stat(media_store_t *base, const char *key, media_info_t *out)
{
    s3_store_t *s = (s3_store_t *)base;
    char *obj = s3_object(s, key);
    s3_req_t q;
    if (!obj || s3_req_init(s, &q, "HEAD", obj, "") != 0) {
        free(obj);
        return MEDIA_ERROR;
    }
    media_rc_t rc = s3_outcome(&q, curl_easy_perform(q.c), "HEAD", obj);
    if (rc == MEDIA_OK) {
        curl_off_t len = -1;
        char *ct = NULL;
        curl_easy_getinfo(q.c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        curl_easy_getinfo(q.c, CURLINFO_CONTENT_TYPE, &ct);
        out->size = len >= 0 ? (int64_t)len : 0;
        snprintf(out->content_type, sizeof out->content_type, "%s", ct && *ct ? ct : S3_DEFAULT_TYPE);
        snprintf(out->etag, sizeof out->etag, "%s", q.etag);
    }
    s3_req_free(&q);
    free(obj);
    return rc;
}

/* DELETE of an object name (not a key: the prefix included). */
static media_rc_t s3_delete_object(s3_store_t *s, const char *obj)
{
    s3_req_t q;
    if (s3_req_init(s, &q, "DELETE", obj, "") != 0)
        return MEDIA_ERROR;
    media_rc_t rc = s3_outcome(&q, curl_easy_perform(q.c), "DELETE", obj);
    s3_req_free(&q);
    return rc == MEDIA_NOT_FOUND ? MEDIA_OK : rc;
}

static media_rc_t s3_remove(media_store_t *base, const char *key)
{
    s3_store_t *s = (s3_store_t *)base;
    char *obj = s3_object(s, key);
    media_rc_t rc = obj ? s3_delete_object(s, obj) : MEDIA_ERROR;
    free(obj);
    return rc;
}

/* Appends s percent-encoded as SigV4 wants (RFC 3986: everything but A-Z a-z 0-9 - _ . ~). */
static void s3_encode(buf_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~", c))
            buf_putc(b, (char)c);
        else
            buf_printf(b, "%%%02X", c);
    }
}

/* The text of the XML element <tag>…</tag> at or after *from in xml, with
 * the five predefined entities decoded, into out (capacity cap); *from moves
 * past it. False when there is none, or it does not fit or decode. */
static bool s3_xml_text(const char **from, const char *tag, char *out, size_t cap)
{
    char open[48], close[48];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(*from, open);
    const char *e = a ? strstr(a, close) : NULL;
    if (!e)
        return false;
    *from = e + strlen(close);
    static const struct { const char *ent, ch; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
    };
    size_t o = 0;
    for (const char *p = a + strlen(open); p < e; o++) {
        if (o + 1 >= cap)
            return false;
        if (*p != '&') {
            out[o] = *p++;
            continue;
        }
        size_t i = 0;
        while (i < sizeof ents / sizeof ents[0] && strncmp(p, ents[i].ent, strlen(ents[i].ent)) != 0)
            i++;
        if (i == sizeof ents / sizeof ents[0])
            return false;
        out[o] = ents[i].ch;
        p += strlen(ents[i].ent);
    }
    out[o] = '\0';
    return true;
}

static size_t s3_collect_cb(char *data, size_t size, size_t n, void *ctx)
{
    buf_t *b = ctx;
    size_t len = size * n;
    if (b->len + len > S3_LIST_MAX || buf_append(b, data, len) != 0)
        return 0; /* aborts the transfer */
    return len;
}

/* Lists the objects under prefix (ListObjectsV2, a page at a time) and
 * deletes each. Objects uploaded meanwhile may remain: the caller's design
 * (media.c) makes up for that. */
static media_rc_t s3_remove_prefix(media_store_t *base, const char *prefix)
{
    s3_store_t *s = (s3_store_t *)base;
    char *full = s3_object(s, prefix);
    char token[1024] = "";
    media_rc_t rc = full ? MEDIA_OK : MEDIA_ERROR;
    for (int page = 0; rc == MEDIA_OK && page < 100000; page++) {
        buf_t query, body;
        buf_init(&query);
        buf_init(&body);
        /* the parameters in SigV4's canonical order (sorted by name), encoded */
        buf_puts(&query, "?");
        if (token[0]) {
            buf_puts(&query, "continuation-token=");
            s3_encode(&query, token);
            buf_puts(&query, "&");
        }
        buf_puts(&query, "list-type=2&prefix=");
        s3_encode(&query, full);
        s3_req_t q;
        if (query.oom || s3_req_init(s, &q, "GET", NULL, query.data) != 0) {
            rc = MEDIA_ERROR;
        } else {
            curl_easy_setopt(q.c, CURLOPT_WRITEFUNCTION, s3_collect_cb);
            curl_easy_setopt(q.c, CURLOPT_WRITEDATA, &body);
            rc = s3_outcome(&q, curl_easy_perform(q.c), "list", full);
            if (rc == MEDIA_NOT_FOUND)
                rc = MEDIA_UNAVAILABLE; /* no such bucket */
            s3_req_free(&q);
        }
        buf_free(&query);
        bool more = false;
        if (rc == MEDIA_OK && buf_putc(&body, '\0') == 0) {
            char key[1100];
            for (const char *p = body.data; rc == MEDIA_OK && s3_xml_text(&p, "Key", key, sizeof key);) {
                if (strncmp(key, full, strlen(full)) == 0) /* never anything outside the prefix */
                    rc = s3_delete_object(s, key);
            }
            const char *p = body.data;
            more = strstr(body.data, "<IsTruncated>true</IsTruncated>") &&
                   s3_xml_text(&p, "NextContinuationToken", token, sizeof token);
        } else if (rc == MEDIA_OK) {
            rc = MEDIA_ERROR;
        }
        buf_free(&body);
        if (!more)
            break;
    }
    free(full);
    return rc;
}

/* ---- uploads ----------------------------------------------------------------------- */
/* An upload is a multipart upload (CreateMultipartUpload, UploadPart of up to
 * S3_PART_BYTES each, CompleteMultipartUpload), its parts streamed from the
 * request through a pipe by a thread of its own: the object appears only
 * when the upload completes, whatever the server does with a part that
 * breaks off (s3rver keeps truncated bodies of plain PUTs), and a process
 * killed halfway leaves an unfinished multipart upload, which no GET sees
 * (an AbortIncompleteMultipartUpload lifecycle rule of the bucket clears
 * those). An empty object is one plain PUT at commit. */

struct media_put {
    s3_store_t *s;
    char *obj;                 /* owned */
    char *ctype;               /* "Content-Type: …" header; owned */
    char upload_id[512];       /* of the multipart upload; "" for an empty object */
    int64_t size, written;
    bool failed;
    media_pipe_t pipe;         /* the request's bytes, to the parts' READFUNCTION */
    pthread_t th;
    int64_t part_left;         /* bytes of the current part still to send (the thread's) */
    media_rc_t result;         /* the thread's: parts and completion */
};

/* SigV4's canonical query of a multipart request: its members sorted, the upload id encoded. */
static void s3_upload_query(buf_t *q, const media_put_t *p, int part)
{
    buf_puts(q, "?");
    if (part > 0)
        buf_printf(q, "partNumber=%d&", part);
    buf_puts(q, "uploadId=");
    s3_encode(q, p->upload_id);
}

static size_t s3_part_read_cb(char *buf, size_t size, size_t n, void *ctx)
{
    media_put_t *p = ctx;
    size_t want = size * n;
    if ((int64_t)want > p->part_left)
        want = (size_t)p->part_left;
    if (want == 0)
        return 0;
    ssize_t got = media_pipe_read(&p->pipe, buf, want);
    if (got <= 0)
        return CURL_READFUNC_ABORT; /* the request broke off (or ended short) */
    p->part_left -= got;
    return (size_t)got;
}

static size_t s3_empty_read_cb(char *buf, size_t size, size_t n, void *ctx)
{
    (void)buf;
    (void)size;
    (void)n;
    (void)ctx;
    return 0;
}

/* One request of the upload (method with query and body given or none),
 * its answer's body into answer (may be NULL). */
static media_rc_t s3_upload_request(media_put_t *p, const char *method, const char *query, const char *body,
                                    buf_t *answer, char etag[MEDIA_ETAG_MAX + 1], const char *what)
{
    s3_req_t q;
    if (s3_req_init(p->s, &q, strcmp(method, "POST") == 0 ? "GET" : method, p->obj, query) != 0)
        return MEDIA_ERROR;
    /* CreateMultipartUpload and a plain PUT carry the object's type; CompleteMultipartUpload is XML */
    const char *type = body ? "Content-Type: application/xml" : p->ctype;
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(q.c, CURLOPT_POST, 1L);
        curl_easy_setopt(q.c, CURLOPT_POSTFIELDS, body ? body : "");
    } else if (strcmp(method, "PUT") == 0) { /* an empty object */
        curl_easy_setopt(q.c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(q.c, CURLOPT_READFUNCTION, s3_empty_read_cb);
    }
    if ((strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) && s3_header(&q, type) != 0) {
        s3_req_free(&q);
        return MEDIA_ERROR;
    }
    if (answer) {
        curl_easy_setopt(q.c, CURLOPT_WRITEFUNCTION, s3_collect_cb);
        curl_easy_setopt(q.c, CURLOPT_WRITEDATA, answer);
    }
    media_rc_t rc = s3_outcome(&q, curl_easy_perform(q.c), what, p->obj);
    if (etag)
        snprintf(etag, MEDIA_ETAG_MAX + 1, "%s", q.etag);
    s3_req_free(&q);
    if (rc == MEDIA_NOT_FOUND)
        rc = MEDIA_UNAVAILABLE; /* no such bucket (or upload): the storage is not what it should be */
    return rc;
}

/* Uploads the parts as the request's bytes arrive, then completes the upload
 * once the writer says the data is whole (or aborts it). */
static void *s3_put_thread(void *arg)
{
    media_put_t *p = arg;
    buf_t done, answer;
    buf_init(&done);
    buf_init(&answer);
    buf_puts(&done, "<CompleteMultipartUpload>");
    media_rc_t rc = MEDIA_OK;
    int part = 0;
    for (int64_t off = 0; rc == MEDIA_OK && (off < p->size || part == 0); off += S3_PART_BYTES) {
        part++;
        p->part_left = p->size - off < S3_PART_BYTES ? p->size - off : S3_PART_BYTES;
        buf_t query;
        buf_init(&query);
        s3_upload_query(&query, p, part);
        s3_req_t q;
        if (query.oom || s3_req_init(p->s, &q, "PUT", p->obj, query.data) != 0) {
            rc = MEDIA_ERROR;
        } else {
            curl_easy_setopt(q.c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)p->part_left);
            curl_easy_setopt(q.c, CURLOPT_READFUNCTION, s3_part_read_cb);
            curl_easy_setopt(q.c, CURLOPT_READDATA, p);
            curl_easy_setopt(q.c, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
            rc = s3_outcome(&q, curl_easy_perform(q.c), "UploadPart", p->obj);
            buf_printf(&done, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", part, q.etag);
            s3_req_free(&q);
        }
        buf_free(&query);
    }
    char end;
    if (rc == MEDIA_OK && media_pipe_read(&p->pipe, &end, 1) != 0) /* 0: the writer ended with all of it */
        rc = MEDIA_ERROR;
    media_pipe_close_read(&p->pipe); /* a writer still writing learns that it is over */
    buf_puts(&done, "</CompleteMultipartUpload>");
    if (rc == MEDIA_OK && done.oom)
        rc = MEDIA_ERROR;
    buf_t query;
    buf_init(&query);
    s3_upload_query(&query, p, 0);
    if (rc == MEDIA_OK) {
        rc = query.oom ? MEDIA_ERROR
                       : s3_upload_request(p, "POST", query.data, done.data, &answer, NULL, "CompleteMultipartUpload");
        /* S3 may answer 200 and say in the body that it failed */
        if (rc == MEDIA_OK && (answer.oom || (answer.data && strstr(answer.data, "<Error>")))) {
            fprintf(stderr, "parley: media: s3 CompleteMultipartUpload %s failed\n", p->obj);
            rc = MEDIA_UNAVAILABLE;
        }
    }
    if (rc != MEDIA_OK && !query.oom) /* best effort: an unfinished upload is invisible anyway */
        s3_upload_request(p, "DELETE", query.data, NULL, NULL, NULL, "AbortMultipartUpload");
    buf_free(&query);
    buf_free(&answer);
    buf_free(&done);
    p->result = rc;
    return NULL;
}

static void s3_put_free(media_put_t *p)
{
    media_pipe_destroy(&p->pipe);
    free(p->obj);
    free(p->ctype);
    free(p);
}

static media_rc_t s3_put_open(media_store_t *base, const char *key, const char *content_type, int64_t size,
                              media_put_t **out)
{
    s3_store_t *s = (s3_store_t *)base;
    media_put_t *p = calloc(1, sizeof *p); /* owner: the caller until put_commit / put_abort */
    if (!p)
        return MEDIA_ERROR;
    p->s = s;
    p->size = size;
    p->obj = s3_object(s, key);
    buf_t ct;
    buf_init(&ct);
    buf_printf(&ct, "Content-Type: %s", content_type && *content_type ? content_type : S3_DEFAULT_TYPE);
    p->ctype = buf_detach(&ct, NULL);
    if (!p->obj || !p->ctype || media_pipe_init(&p->pipe, S3_PIPE_BYTES) != 0) {
        s3_put_free(p);
        return MEDIA_ERROR;
    }
    if (size == 0) { /* one plain PUT at commit */
        *out = p;
        return MEDIA_OK;
    }
    /* starting the upload is also the check that the bucket answers, before the client sends its body */
    buf_t answer;
    buf_init(&answer);
    media_rc_t rc = s3_upload_request(p, "POST", "?uploads=", NULL, &answer, NULL, "CreateMultipartUpload");
    const char *from = answer.data;
    if (rc == MEDIA_OK && (answer.oom || buf_putc(&answer, '\0') != 0 || !(from = answer.data) ||
                           !s3_xml_text(&from, "UploadId", p->upload_id, sizeof p->upload_id))) {
        fprintf(stderr, "parley: media: s3 CreateMultipartUpload %s: no UploadId in the answer\n", p->obj);
        rc = MEDIA_UNAVAILABLE;
    }
    buf_free(&answer);
    if (rc == MEDIA_OK && pthread_create(&p->th, NULL, s3_put_thread, p) != 0) {
        buf_t query;
        buf_init(&query);
        s3_upload_query(&query, p, 0);
        if (!query.oom)
            s3_upload_request(p, "DELETE", query.data, NULL, NULL, NULL, "AbortMultipartUpload");
        buf_free(&query);
        rc = MEDIA_ERROR;
    }
    if (rc != MEDIA_OK) {
        s3_put_free(p);
        return rc;
    }
    *out = p;
    return MEDIA_OK;
}

static media_rc_t s3_put_write(media_put_t *p, const char *data, size_t n)
{
    if (p->failed || (int64_t)n > p->size - p->written || media_pipe_write(&p->pipe, data, n) != 0) {
        p->failed = true;
        return MEDIA_UNAVAILABLE;
    }
    p->written += (int64_t)n;
    return MEDIA_OK;
}

/* Ends p (ok: its data is complete) and frees it; what the bucket said. */
static media_rc_t s3_put_finish(media_put_t *p, bool ok)
{
    media_rc_t rc;
    if (p->size == 0) {
        rc = ok ? s3_upload_request(p, "PUT", "", NULL, NULL, NULL, "PUT") : MEDIA_ERROR;
    } else {
        media_pipe_end(&p->pipe, ok);
        pthread_join(p->th, NULL);
        rc = p->result;
    }
    s3_put_free(p);
    return rc;
}

static media_rc_t s3_put_commit(media_put_t *p)
{
    bool complete = !p->failed && p->written == p->size;
    media_rc_t rc = s3_put_finish(p, complete);
    return complete || rc != MEDIA_OK ? rc : MEDIA_ERROR;
}

static void s3_put_abort(media_put_t *p)
{
    s3_put_finish(p, false);
}

/* ---- downloads --------------------------------------------------------------------- */

typedef struct s3_get {
    s3_req_t q;
    char *obj;                 /* owned */
    media_pipe_t pipe;         /* the answer's bytes, from libcurl's WRITEFUNCTION */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool headers;              /* the answer's head is in (its status known) */
    long http;                 /* its status, once headers */
    bool finished;
    CURLcode res;
} s3_get_t;

/* Records (on libcurl's thread) that the answer's head is in, with its
 * status, and when finished that the transfer ended with res. */
static void s3_get_signal(s3_get_t *g, long http, bool finished, CURLcode res)
{
    pthread_mutex_lock(&g->mu);
    if (!g->headers)
        g->http = http;
    g->headers = true;
    if (finished) {
        g->finished = true;
        g->res = res;
    }
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static size_t s3_get_write_cb(char *data, size_t size, size_t n, void *ctx)
{
    s3_get_t *g = ctx;
    long http = 0;
    curl_easy_getinfo(g->q.c, CURLINFO_RESPONSE_CODE, &http);
    s3_get_signal(g, http, false, CURLE_OK);
    if (http != 200 && http != 206)
        return size * n; /* an error document: not for the client */
    return media_pipe_write(&g->pipe, data, size * n) == 0 ? size * n : 0;
}

static void *s3_get_thread(void *arg)
{
    s3_get_t *g = arg;
    CURLcode res = curl_easy_perform(g->q.c);
    long http = 0;
    curl_easy_getinfo(g->q.c, CURLINFO_RESPONSE_CODE, &http);
    media_pipe_end(&g->pipe, res == CURLE_OK && (http == 200 || http == 206));
    s3_get_signal(g, http, true, res);
    return NULL;
}

static void s3_get_free(s3_get_t *g)
{
    s3_req_free(&g->q);
    media_pipe_destroy(&g->pipe);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g->obj);
    free(g);
}

/* bytesrc_t.close: stops the transfer (if it still runs) and frees g. */
static void s3_get_close(void *ctx)
{
    s3_get_t *g = ctx;
    media_pipe_close_read(&g->pipe);
    pthread_join(g->th, NULL);
    s3_get_free(g);
}

static ssize_t s3_get_read(void *ctx, char *buf, size_t max)
{
    return media_pipe_read(&((s3_get_t *)ctx)->pipe, buf, max);
}

static ssize_t s3_empty_read(void *ctx, char *buf, size_t max)
{
    (void)ctx;
    (void)buf;
    (void)max;
    return 0;
}

static media_rc_t s3_read(media_store_t *base, const char *key, const media_info_t *as_of, int64_t off, int64_t len,
                          bytesrc_t *out)
{
    s3_store_t *s = (s3_store_t *)base;
    bytesrc_init(out);
    if (len == 0) { /* nothing to fetch */
        out->read = s3_empty_read;
        return MEDIA_OK;
    }
    s3_get_t *g = calloc(1, sizeof *g); /* owner: the byte source (s3_get_close) once returned */
    if (!g)
        return MEDIA_ERROR;
    char range[96], match[MEDIA_ETAG_MAX + 16];
    snprintf(range, sizeof range, "Range: bytes=%lld-%lld", (long long)off, (long long)(off + len - 1));
    snprintf(match, sizeof match, "If-Match: %s", as_of->etag);
    g->obj = s3_object(s, key);
    if (!g->obj || media_pipe_init(&g->pipe, S3_PIPE_BYTES) != 0 || s3_req_init(s, &g->q, "GET", g->obj, "") != 0 ||
        (!(off == 0 && len == as_of->size) && s3_header(&g->q, range) != 0) ||
        (as_of->etag[0] && s3_header(&g->q, match) != 0)) {
        s3_req_free(&g->q);
        media_pipe_destroy(&g->pipe);
        free(g->obj);
        free(g);
        return MEDIA_ERROR;
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    curl_easy_setopt(g->q.c, CURLOPT_HTTPHEADER, g->q.hdrs);
    curl_easy_setopt(g->q.c, CURLOPT_WRITEFUNCTION, s3_get_write_cb);
    curl_easy_setopt(g->q.c, CURLOPT_WRITEDATA, g);
    if (pthread_create(&g->th, NULL, s3_get_thread, g) != 0) {
        s3_get_free(g);
        return MEDIA_ERROR;
    }
    pthread_mutex_lock(&g->mu);
    while (!g->headers)
        pthread_cond_wait(&g->cv, &g->mu);
    long http = g->http;
    pthread_mutex_unlock(&g->mu);
    if (http != 200 && http != 206) {
        /* no answer, or an error document: wait for the end and say why */
        media_pipe_close_read(&g->pipe);
        pthread_join(g->th, NULL);
        media_rc_t rc = s3_outcome(&g->q, g->res, "GET", g->obj);
        s3_get_free(g);
        return rc == MEDIA_OK ? MEDIA_ERROR : rc;
    }
    out->size = len;
    out->read = s3_get_read;
    out->close = s3_get_close;
    out->ctx = g;
    return MEDIA_OK;
}

/* ---- open, close ------------------------------------------------------------------- */

static void s3_close(media_store_t *base)
{
    s3_store_t *s = (s3_store_t *)base;
    if (s->share)
        curl_share_cleanup(s->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&s->locks[i]);
    if (s->secret)
        sodium_memzero(s->secret, strlen(s->secret));
    if (s->token_header)
        sodium_memzero(s->token_header, strlen(s->token_header));
    free(s->bucket_url);
    free(s->prefix);
    free(s->sigv4);
    free(s->user);
    free(s->secret);
    free(s->token_header);
    free(s);
}

/* True when s is 1-63 of [a-z0-9.-] (an S3 bucket name). */
static bool s3_bucket_ok(const char *b)
{
    size_t n = strlen(b);
    return n >= 1 && n <= 63 && strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

/* True when s is 1-64 of [a-z0-9-] (a region). */
static bool s3_region_ok(const char *r)
{
    size_t n = strlen(r);
    return n >= 1 && n <= 64 && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

media_store_t *media_s3_open(const media_s3_opts_t *o, char *err, size_t errlen)
{
    if (!o->bucket || !s3_bucket_ok(o->bucket)) {
        snprintf(err, errlen, "the bucket name must be 1 to 63 of a-z 0-9 . -");
        return NULL;
    }
    if (o->prefix && o->prefix[0] && !media_key_ok(o->prefix)) {
        snprintf(err, errlen, "the prefix must be segments of A-Z a-z 0-9 _ - separated by single '/'");
        return NULL;
    }
    if (!o->region || !s3_region_ok(o->region)) {
        snprintf(err, errlen, "the region (AWS_REGION) must be 1 to 64 of a-z 0-9 -");
        return NULL;
    }
    if (!o->access_key_id || !*o->access_key_id || !o->secret_access_key || !*o->secret_access_key) {
        snprintf(err, errlen, "S3 media storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
        return NULL;
    }
    if (o->endpoint && strncmp(o->endpoint, "http://", 7) != 0 && strncmp(o->endpoint, "https://", 8) != 0) {
        snprintf(err, errlen, "--s3-endpoint must be an http:// or https:// URL, got \"%.200s\"", o->endpoint);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl failed to initialise");
        return NULL;
    }
    s3_store_t *s = calloc(1, sizeof *s); /* owner: the caller, freed by media_store_close */
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.ops = &s3_ops;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    buf_t b;
    buf_init(&b);
    if (o->endpoint) {
        size_t n = strlen(o->endpoint);
        while (n > 0 && o->endpoint[n - 1] == '/')
            n--;
        buf_printf(&b, "%.*s/%s", (int)n, o->endpoint, o->bucket);
        s->path_style = true;
    } else {
        buf_printf(&b, "https://%s.s3.%s.amazonaws.com", o->bucket, o->region);
    }
    s->bucket_url = buf_detach(&b, NULL);
    buf_init(&b);
    buf_printf(&b, "%s%s", o->prefix ? o->prefix : "", o->prefix && o->prefix[0] ? "/" : "");
    s->prefix = buf_detach(&b, NULL);
    buf_init(&b);
    buf_printf(&b, "aws:amz:%s:s3", o->region);
    s->sigv4 = buf_detach(&b, NULL);
    s->user = strdup(o->access_key_id);
    s->secret = strdup(o->secret_access_key);
    if (o->session_token && *o->session_token) {
        buf_init(&b);
        buf_printf(&b, "x-amz-security-token: %s", o->session_token);
        s->token_header = buf_detach(&b, NULL);
    }
    s->share = curl_share_init();
    if (!s->bucket_url || !s->prefix || !s->sigv4 || !s->user || !s->secret ||
        (o->session_token && *o->session_token && !s->token_header) || !s->share) {
        s3_close(&s->base);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, s3_lock);
    curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, s3_unlock);
    curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    return &s->base;
}

static const media_store_ops_t s3_ops = {
    .stat = s3_stat,
    .read = s3_read,
    .put_open = s3_put_open,
    .put_write = s3_put_write,
    .put_commit = s3_put_commit,
    .put_abort = s3_put_abort,
    .remove = s3_remove,
    .remove_prefix = s3_remove_prefix,
    .close = s3_close,
    .kind = "s3",
};
