/* sign.h - the signed media URLs (spec §7): object keys, HMAC-SHA256 signatures over method, key and expiry, and the parser of a URL this server issued. */
#ifndef PARLEY_MEDIA_SIGN_H
#define PARLEY_MEDIA_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/uuid.h"

#define MEDIA_SECRET_LEN 32          /* bytes of the signing secret (kept in the database) */
#define MEDIA_SIG_HEX 64             /* hex characters of a signature */
#define MEDIA_KEY_MAX 96             /* "uploads/<uuid>/<uuid>" is 81 characters */
#define MEDIA_EXPIRES_MAX 19         /* digits of an expiry (unix seconds) */

/* Writes "uploads/<org>/<id>" into out (both canonical uuids). Can't fail. */
void media_key_make(char out[MEDIA_KEY_MAX], const char *org, const char *id);

/* True when key is exactly "uploads/<uuid>/<uuid>" in canonical (lowercase)
 * form; the organization's uuid goes to org (may be NULL). Nothing else is a
 * key this server issues: no other characters, no "..", no encoded slash. */
bool media_key_parse(const char *key, uuid_str_t org);

/* The signature of a URL: lowercase hex of HMAC-SHA256(secret,
 * "parley-media-v1\n" METHOD "\n" KEY "\n" EXPIRES) into out (65 bytes with
 * the NUL). method is "PUT" for upload URLs, "GET" for download URLs (HEAD
 * uses GET's). Can't fail. */
void media_sign(const uint8_t secret[MEDIA_SECRET_LEN], const char *method, const char *key, int64_t expires,
                char out[MEDIA_SIG_HEX + 1]);

typedef enum {
    MEDIA_SIG_OK = 0,
    MEDIA_SIG_MALFORMED,     /* expires or signature missing or not of their form */
    MEDIA_SIG_MISMATCH,      /* not a signature of this key and expiry (altered, or another server's) */
    MEDIA_SIG_WRONG_METHOD,  /* the signature of this key and expiry for the other method */
    MEDIA_SIG_EXPIRED,       /* right signature, past its expiry */
} media_sig_rc_t;

/* Checks the query members of a media URL (expires: decimal unix seconds,
 * signature: 64 hex digits) for method ("GET" or "PUT") and key at time now,
 * comparing in constant time. The expiry is checked only once the signature
 * holds, so an altered expiry is a MISMATCH. *expires_out (may be NULL)
 * receives the parsed expiry when it parses. */
media_sig_rc_t media_sig_check(const uint8_t secret[MEDIA_SECRET_LEN], const char *method, const char *key,
                               const char *expires, const char *signature, int64_t now, int64_t *expires_out);

/* A URL of this server's media, taken apart by media_link_parse. */
typedef struct media_link {
    char key[MEDIA_KEY_MAX];
    uuid_str_t org;                       /* the organization in the key */
    char expires[MEDIA_EXPIRES_MAX + 1];
    char signature[MEDIA_SIG_HEX + 1];
} media_link_t;

typedef enum {
    MEDIA_LINK_OTHER = 0,    /* not under base + "/media/": some other URL */
    MEDIA_LINK_OURS,         /* base + "/media/" + key + "?expires=E&signature=S", well formed */
    MEDIA_LINK_MALFORMED,    /* under base + "/media/" but not a well-formed link (bad key, members) */
} media_link_rc_t;

/* Takes url apart when it is a media URL of the server whose public base URL
 * is base (no trailing slash): the path after "/media/" must be a key
 * (media_key_parse, taken literally: an escape is not decoded and makes it
 * malformed), the query must carry expires and signature exactly once (other
 * members are ignored; a fragment too). Whether the signature is right is
 * media_sig_check's business. Can't fail; out is filled only for OURS. */
media_link_rc_t media_link_parse(const char *base, const char *url, media_link_t *out);

/* Writes base + "/media/" + key + "?expires=E&signature=S" into out (NUL-
 * terminated, truncated to cap). */
void media_link_write(char *out, size_t cap, const char *base, const char *key, int64_t expires,
                      const char signature[MEDIA_SIG_HEX + 1]);

#endif
