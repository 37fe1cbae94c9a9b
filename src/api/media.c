/* media.c - media (spec §7): upload URLs, the signed /media/ URLs themselves (PUT streamed to storage, GET/HEAD with Range), download URLs of a conversation's recording, and attaching an upload at import. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "http/problem.h"
#include "lib/ptime.h"
#include "media/media.h"
#include "media/range.h"

/* 501 when the server has no media storage (PostgreSQL without --media). True when it has. */
static bool media_on(req_t *r)
{
    if (r->media)
        return true;
    problem_send(r, 501, "not_supported",
                 "this server keeps no media: start it with --media DIR or --media s3://BUCKET/PREFIX");
    return false;
}

/* The key of a /media/uploads/{org}/{id} path into key (org into org), or a
 * 404 (false): anything but two canonical uuids (an escape, "..", a slash
 * decoded from %2F) names nothing. */
static bool media_path_key(req_t *r, char key[MEDIA_KEY_MAX], uuid_str_t org)
{
    media_key_make(key, r->params[0], r->params[1]);
    if (!media_key_parse(key, org)) {
        problem_send(r, 404, "not_found", "no resource at %.200s", r->path);
        return false;
    }
    return true;
}

/* The value of query member name when given exactly once, else NULL. */
static const char *media_query_once(req_t *r, const char *name)
{
    size_t n = 0;
    const char **v = query_get_all(&r->arena, &r->query, name, &n);
    return v && n == 1 ? v[0] : NULL;
}

/* Checks the URL's signature for method ("PUT" or "GET"); false after a 403. */
static bool media_signed(req_t *r, const char *method, const char *key)
{
    int64_t expires = 0;
    media_sig_rc_t rc = media_sig_check(r->media->secret, method, key, media_query_once(r, "expires"),
                                        media_query_once(r, "signature"), ptime_now(), &expires);
    char at[PTIME_STR_LEN + 1];
    switch (rc) {
    case MEDIA_SIG_OK: return true;
    case MEDIA_SIG_MALFORMED:
        problem_send(r, 403, "forbidden",
                     "a media URL needs expires (unix seconds) and signature (64 hex digits) exactly as "
                     "GET /v2/conversations/upload-url or POST /v2/conversations/{id}/media/download issued them");
        break;
    case MEDIA_SIG_MISMATCH:
        problem_send(r, 403, "forbidden",
                     "the signature does not match this URL (altered, or not issued by this server)");
        break;
    case MEDIA_SIG_WRONG_METHOD:
        problem_send(r, 403, "forbidden",
                     "this URL is signed for %s, not %s: upload with the url of GET /v2/conversations/upload-url, "
                     "download with its downloadUrl", strcmp(method, "PUT") == 0 ? "GET and HEAD" : "PUT",
                     strcmp(method, "PUT") == 0 ? "PUT" : r->method == HTTP_HEAD ? "HEAD" : "GET");
        break;
    case MEDIA_SIG_EXPIRED:
        ptime_format(expires, at);
        problem_send(r, 403, "forbidden", "this URL expired at %s; ask for a new one", at);
        break;
    }
    return false;
}

/* Answers a storage failure: 404 for a missing object, else 503. */
static void media_storage_fail(req_t *r, media_rc_t rc, const char *key)
{
    if (rc == MEDIA_NOT_FOUND)
        problem_send(r, 404, "not_found", "no media object %s (not uploaded, or removed)", key);
    else
        problem_send(r, 503, "unavailable", "the media storage cannot be reached or failed (%s); retry later",
                     media_rc_str(rc));
}

/* ---- GET /v2/conversations/upload-url -------------------------------------------- */

void api_media_upload_url(req_t *r)
{
    if (!media_on(r))
        return;
    uuid_str_t id;
    uuid_v7(id);
    char key[MEDIA_KEY_MAX], put[MEDIA_URL_MAX], get[MEDIA_URL_MAX];
    media_key_make(key, r->scope.org_uuid, id);
    int64_t now = ptime_now();
    media_url(r->media, "PUT", key, now, put);
    media_url(r->media, "GET", key, now, get);
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "url", put);
    jsonw_kv_string(&w, "downloadUrl", get);
    jsonw_kv_string(&w, "key", key);
    jsonw_obj_end(&w);
}

/* ---- POST /v2/conversations/{id}/media/download ---------------------------------- */

static int media_seen_cb(void *ctx, const conv_t *c)
{
    (void)ctx;
    (void)c;
    return 0;
}

void api_media_download_url(req_t *r)
{
    if (r->scope.user_uuid) {
        problem_send(r, 403, "forbidden", "only an org-level key may ask for media download URLs");
        return;
    }
    uuid_str_t id;
    if (!uuid_parse(r->params[0], id)) {
        problem_not_found(r, "conversation", r->params[0]);
        return;
    }
    store_rc_t rc = store_conv_get(r->store, &r->scope, id, media_seen_cb, NULL);
    char key[STORE_MEDIA_KEY_MAX];
    if (rc == STORE_OK)
        rc = store_conv_media_get(r->store, r->scope.org_uuid, id, key);
    else if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "conversation", id);
        return;
    }
    if (rc == STORE_NOT_FOUND || rc == STORE_NOT_SUPPORTED) {
        problem_send(r, 404, "no_media", "conversation %s has no media: import it with the downloadUrl of an upload",
                     id);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    if (!media_on(r))
        return;
    char url[MEDIA_URL_MAX];
    media_url(r->media, "GET", key, ptime_now(), url);
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "url", url);
    jsonw_obj_end(&w);
}

/* ---- PUT /media/uploads/{org}/{id} ------------------------------------------------- */

/* The sink of a PUT: its upload, in r's arena. */
typedef struct media_sink {
    media_store_t *store;
    media_put_t *put;
    media_rc_t rc;             /* of the first failed write */
    char key[MEDIA_KEY_MAX];
    uuid_str_t org;
    char ctype[MEDIA_CTYPE_MAX + 1];
} media_sink_t;

static int media_sink_write(void *ctx, const char *data, size_t n)
{
    media_sink_t *k = ctx;
    media_rc_t rc = k->store->ops->put_write(k->put, data, n);
    if (rc == MEDIA_OK)
        return 0;
    k->rc = rc;
    return -1;
}

static void media_sink_abort(void *ctx)
{
    media_sink_t *k = ctx;
    k->store->ops->put_abort(k->put);
}

/* True when v is 1-255 printable ASCII characters (a Content-Type to keep). */
static bool media_ctype_ok(const char *v)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x20 || v[i] > 0x7e)
            return false;
    return n >= 1 && n <= MEDIA_CTYPE_MAX;
}

void api_media_put_open(req_t *r)
{
    char key[MEDIA_KEY_MAX];
    uuid_str_t org;
    if (!media_on(r) || !media_path_key(r, key, org) || !media_signed(r, "PUT", key))
        return;
    if (r->content_length < 0) {
        problem_send(r, 411, "length_required",
                     "a media upload needs Content-Length (a chunked upload is not accepted, as by S3)");
        return;
    }
    if (r->content_length > r->media->max_bytes) {
        problem_send(r, 413, "body_too_large", "the object is %lld bytes; the limit is %lld (--max-media)",
                     (long long)r->content_length, (long long)r->media->max_bytes);
        return;
    }
    const char *ct = r->content_type ? r->content_type : "application/octet-stream";
    if (!media_ctype_ok(ct)) {
        problem_send(r, 400, "invalid_request", "Content-Type must be 1 to %d printable ASCII characters",
                     MEDIA_CTYPE_MAX);
        return;
    }
    media_sink_t *k = arena_alloc(&r->arena, sizeof *k); /* owner: r's arena (lives until the request ends) */
    if (!k) {
        problem_internal(r);
        return;
    }
    memset(k, 0, sizeof *k);
    k->store = r->media->store;
    snprintf(k->key, sizeof k->key, "%s", key);
    memcpy(k->org, org, sizeof k->org);
    snprintf(k->ctype, sizeof k->ctype, "%s", ct);
    media_rc_t rc = k->store->ops->put_open(k->store, key, ct, r->content_length, &k->put);
    if (rc != MEDIA_OK) {
        media_storage_fail(r, rc == MEDIA_NOT_FOUND ? MEDIA_ERROR : rc, key);
        return;
    }
    r->sink.write = media_sink_write;
    r->sink.abort = media_sink_abort;
    r->sink.ctx = k; /* its upload is aborted by the server unless api_media_put takes it */
}

/* The organization of a finished upload must still exist: an organization
 * deleted while its upload ran (the admin API) must not keep the object.
 * Checked after the object became visible, so that the deletion's own sweep
 * (which runs after the rows are gone) or this check catches every upload. */
static bool media_org_alive(req_t *r, const media_sink_t *k)
{
    uuid_str_t found;
    store_rc_t rc = store_org_resolve(r->store, k->org, found);
    if (rc == STORE_OK)
        return true;
    k->store->ops->remove(k->store, k->key);
    if (rc == STORE_NOT_FOUND)
        problem_send(r, 404, "not_found", "organization %s no longer exists; the upload was discarded", k->org);
    else
        problem_internal(r);
    return false;
}

void api_media_put(req_t *r)
{
    media_sink_t *k = r->sink.ctx;
    r->sink.ctx = NULL; /* ours now */
    if (!k) {
        problem_internal(r);
        return;
    }
    media_rc_t rc;
    if (r->sink.failed) {
        k->store->ops->put_abort(k->put);
        rc = k->rc == MEDIA_OK ? MEDIA_ERROR : k->rc;
    } else {
        rc = k->store->ops->put_commit(k->put);
    }
    if (rc != MEDIA_OK) {
        media_storage_fail(r, rc == MEDIA_NOT_FOUND ? MEDIA_ERROR : rc, k->key);
        return;
    }
    if (!media_org_alive(r, k))
        return;
    media_count_upload(r->media, r->sink.received);
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "key", k->key);
    jsonw_kv_int(&w, "size", (int64_t)r->sink.received);
    jsonw_kv_string(&w, "contentType", k->ctype);
    jsonw_obj_end(&w);
}

/* ---- GET and HEAD /media/uploads/{org}/{id} ---------------------------------------- */

void api_media_get(req_t *r)
{
    char key[MEDIA_KEY_MAX];
    uuid_str_t org;
    if (!media_on(r) || !media_path_key(r, key, org) || !media_signed(r, "GET", key))
        return;
    media_store_t *s = r->media->store;
    media_info_t info;
    media_rc_t rc = s->ops->stat(s, key, &info);
    if (rc != MEDIA_OK) {
        media_storage_fail(r, rc, key);
        return;
    }
    char v[96];
    req_header(r, "Accept-Ranges", "bytes");
    int64_t off = 0, len = info.size;
    int status = 200;
    /* If-Range: no validator of ours can match it, so the whole object (RFC 9110 §13.1.5) */
    const char *range = req_in_header(r, "If-Range") ? NULL : req_in_header(r, "Range");
    switch (media_range_parse(range, info.size, &off, &len)) {
    case MEDIA_RANGE_NONE:
        off = 0;
        len = info.size;
        break;
    case MEDIA_RANGE_OK:
        status = 206;
        snprintf(v, sizeof v, "bytes %lld-%lld/%lld", (long long)off, (long long)(off + len - 1), (long long)info.size);
        req_header(r, "Content-Range", v);
        break;
    case MEDIA_RANGE_UNSATISFIABLE:
        snprintf(v, sizeof v, "bytes */%lld", (long long)info.size);
        req_header(r, "Content-Range", v);
        problem_send(r, 416, "range_not_satisfiable", "Range \"%.100s\" is outside the object's %lld bytes", range,
                     (long long)info.size);
        return;
    }
    const char *type = arena_strdup(&r->arena, info.content_type);
    bytesrc_t src;
    bytesrc_init(&src);
    src.size = len; /* a HEAD: the length, without a reader */
    if (r->method != HTTP_HEAD && len > 0 && (rc = s->ops->read(s, key, &info, off, len, &src)) != MEDIA_OK) {
        media_storage_fail(r, rc, key);
        return;
    }
    if (r->method != HTTP_HEAD)
        media_count_download(r->media, (uint64_t)len);
    req_stream(r, status, type ? type : "application/octet-stream", &src);
}

/* ---- import ------------------------------------------------------------------------ */

int api_media_import_attach(req_t *r, const char *media_url, conv_t *c, api_media_import_t *mi)
{
    memset(mi, 0, sizeof *mi);
    switch (media_attach_check(r->media, r->scope.org_uuid, media_url, ptime_now(), mi->key)) {
    case MEDIA_ATTACH_NONE: return 0;
    case MEDIA_ATTACH_UNAVAILABLE:
        problem_send(r, 503, "unavailable",
                     "mediaURL is an upload of this server, but the media storage cannot be reached to check it; "
                     "retry later");
        return -1;
    case MEDIA_ATTACH_OK: break;
    }
    /* the row first: a conversation is never READY without it (a row without its
     * conversation, left by a crash before the insert, is harmless) */
    if (store_conv_media_set(r->store, r->scope.org_uuid, c->uuid, mi->key) != STORE_OK) {
        problem_internal(r);
        return -1;
    }
    c->video_status = "READY";
    c->media_storage_status = "READY";
    memcpy(mi->org, r->scope.org_uuid, sizeof mi->org);
    memcpy(mi->conv, c->uuid, sizeof mi->conv);
    return 0;
}

void api_media_import_then(req_t *r, void *ctx)
{
    api_media_import_t *mi = ctx;
    if (mi->key[0] && mi->rc != STORE_OK)
        store_conv_media_delete(r->store, mi->org, mi->conv);
}
