/* keys.h - API key generation, hashing, header parsing and constant-time comparison. */
#ifndef PARLEY_AUTH_KEYS_H
#define PARLEY_AUTH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_PREFIX "prl_"
#define KEY_RANDOM_BYTES 32                 /* 256 bits from the OS via libsodium */
#define KEY_STR_LEN (4 + 43)                /* prefix + unpadded base64url of 32 bytes */
#define KEY_HASH_LEN 32                     /* SHA-256 */
#define KEY_MAX_HEADER 512                  /* longer Authorization values are refused */

typedef uint8_t key_hash_t[KEY_HASH_LEN];

/* Initialises libsodium; returns 0, or -1 when it cannot (the process must stop). */
int key_lib_init(void);
/* Writes a new random key ("prl_" + 43 base64url characters) NUL-terminated
 * into out (>= KEY_STR_LEN + 1 bytes). Can't fail once key_lib_init succeeded. */
void key_generate(char *out);
/* SHA-256 of the key text. */
void key_hash(const char *key, size_t len, key_hash_t out);
/* Extracts the key from an Authorization header value: "Bearer <key>" (scheme
 * case-insensitive) or the bare key. Returns a pointer into value and sets *len,
 * or NULL when there is no usable key (empty, whitespace inside, too long). */
const char *key_from_header(const char *value, size_t *len);
/* Constant-time equality of two hashes. */
bool key_hash_equal(const key_hash_t a, const key_hash_t b);
/* Writes the masked form shown by GET /api_keys ("…" + last 4 characters). */
void key_mask(const char *last4, char *out, size_t outlen);

#endif
