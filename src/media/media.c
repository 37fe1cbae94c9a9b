/* media.c - the media service of a server (spec §7): its storage, the URL-signing secret, the URLs it issues, and what an import or an organization's deletion does to objects. */
#include "media/media.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opens the storage of o->where: s3://BUCKET[/PREFIX] or a directory. */
static media_store_t *media_open_store(const media_opts_t *o, char *err, size_t errlen)
{
    if (strncmp(o->where, "s3://", 5) != 0) {
        if (o->s3_endpoint) {
            snprintf(err, errlen, "--s3-endpoint needs --media s3://BUCKET/PREFIX");
            return NULL;
        }
        return media_dir_open(o->where, o->durable, err, errlen);
    }
    const char *b = o->where + 5;
    size_t bl = strcspn(b, "/");
    char bucket[64], prefix[512];
    if (bl == 0 || bl >= sizeof bucket) {
        snprintf(err, errlen, "--media s3://BUCKET/PREFIX: the bucket name is missing or too long");
        return NULL;
    }
    memcpy(bucket, b, bl);
    bucket[bl] = '\0';
    const char *p = b[bl] == '/' ? b + bl + 1 : "";
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/')
        pl--;
    if (pl >= sizeof prefix) {
        snprintf(err, errlen, "--media s3://BUCKET/PREFIX: the prefix is too long");
        return NULL;
    }
    memcpy(prefix, p, pl);
    prefix[pl] = '\0';
    const char *region = getenv("AWS_REGION");
    if (!region || !*region)
        region = getenv("AWS_DEFAULT_REGION");
    media_s3_opts_t so = {
        .bucket = bucket,
        .prefix = prefix,
        .endpoint = o->s3_endpoint,
        .region = region && *region ? region : "us-east-1",
        .access_key_id = getenv("AWS_ACCESS_KEY_ID"),
        .secret_access_key = getenv("AWS_SECRET_ACCESS_KEY"),
        .session_token = getenv("AWS_SESSION_TOKEN"),
    };
    return media_s3_open(&so, err, errlen);
}

media_t *media_open(const media_opts_t *o, store_t *st, char *err, size_t errlen)
{
    if (strlen(o->base) >= sizeof ((media_t *)0)->base) {
        snprintf(err, errlen, "--public-url is longer than %zu bytes", sizeof ((media_t *)0)->base - 1);
        return NULL;
    }
    media_t *m = calloc(1, sizeof *m); /* owner: the caller, freed by media_close */
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(m->base, sizeof m->base, "%s", o->base);
    m->url_ttl = o->url_ttl;
    m->max_bytes = o->max_bytes;
    uint8_t fresh[MEDIA_SECRET_LEN];
    char cand[STORE_MEDIA_SECRET_HEX + 1], got[STORE_MEDIA_SECRET_HEX + 1];
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(cand, sizeof cand, fresh, sizeof fresh);
    store_rc_t rc = store_media_secret(st, cand, got);
    size_t bin_len = 0;
    if (rc != STORE_OK || sodium_hex2bin(m->secret, sizeof m->secret, got, strlen(got), NULL, &bin_len, NULL) != 0 ||
        bin_len != MEDIA_SECRET_LEN) {
        snprintf(err, errlen, "cannot read or store the media signing secret (%s)",
                 rc != STORE_OK ? store_rc_str(rc) : "malformed");
        media_close(m);
        m = NULL;
    } else if (!(m->store = media_open_store(o, err, errlen))) {
        media_close(m);
        m = NULL;
    }
    sodium_memzero(fresh, sizeof fresh);
    sodium_memzero(cand, sizeof cand);
    sodium_memzero(got, sizeof got);
    return m;
}

void media_close(media_t *m)
{
    if (!m)
        return;
    media_store_close(m->store);
    sodium_memzero(m->secret, sizeof m->secret);
    free(m);
}

void media_url(const media_t *m, const char *method, const char *key, int64_t now, char out[MEDIA_URL_MAX])
{
    char sig[MEDIA_SIG_HEX + 1];
    int64_t expires = now + m->url_ttl;
    media_sign(m->secret, method, key, expires, sig);
    media_link_write(out, MEDIA_URL_MAX, m->base, key, expires, sig);
}

media_attach_t media_attach_check(const media_t *m, const char *org, const char *url, int64_t now,
                                  char key[MEDIA_KEY_MAX])
{
    media_link_t l;
    if (!m || !url || media_link_parse(m->base, url, &l) != MEDIA_LINK_OURS || strcmp(l.org, org) != 0 ||
        media_sig_check(m->secret, "GET", l.key, l.expires, l.signature, now, NULL) != MEDIA_SIG_OK)
        return MEDIA_ATTACH_NONE;
    media_info_t info;
    switch (m->store->ops->stat(m->store, l.key, &info)) {
    case MEDIA_OK:
        snprintf(key, MEDIA_KEY_MAX, "%s", l.key);
        return MEDIA_ATTACH_OK;
    case MEDIA_NOT_FOUND: return MEDIA_ATTACH_NONE;
    case MEDIA_UNAVAILABLE:
    case MEDIA_ERROR: break;
    }
    return MEDIA_ATTACH_UNAVAILABLE;
}

media_rc_t media_remove_org(const media_t *m, const char *org)
{
    if (!m)
        return MEDIA_OK;
    char prefix[MEDIA_KEY_MAX];
    snprintf(prefix, sizeof prefix, "uploads/%s/", org);
    return m->store->ops->remove_prefix(m->store, prefix);
}

void media_counts(const media_t *m, media_counts_t *out)
{
    out->uploaded_bytes = atomic_load_explicit(&m->uploaded_bytes, memory_order_relaxed);
    out->uploads = atomic_load_explicit(&m->uploads, memory_order_relaxed);
    out->downloaded_bytes = atomic_load_explicit(&m->downloaded_bytes, memory_order_relaxed);
}

void media_count_upload(media_t *m, uint64_t n)
{
    atomic_fetch_add_explicit(&m->uploaded_bytes, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->uploads, 1, memory_order_relaxed);
}

void media_count_download(media_t *m, uint64_t n)
{
    atomic_fetch_add_explicit(&m->downloaded_bytes, n, memory_order_relaxed);
}
