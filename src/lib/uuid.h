/* uuid.h - UUIDv7 generation, name-based UUIDv8 ids and canonical UUID validation. */
#ifndef PARLEY_UUID_H
#define PARLEY_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_STR_LEN 36
typedef char uuid_str_t[UUID_STR_LEN + 1];

/* Writes a new time-ordered UUIDv7 (lowercase) into out, timed by the
 * server's clock (pclock.h). Random bits come from libsodium (sodium_init()
 * must have succeeded), or from the seeded stream after uuid_seed. Can't fail. */
void uuid_v7(uuid_str_t out);
/* `serve --id-seed`: from now on the random bits of uuid_v7 are a
 * deterministic stream of seed, so the same calls in the same order (with a
 * frozen clock) give the same ids. Secrets never come from here. */
void uuid_seed(uint64_t seed);
/* Same, with the 48-bit timestamp taken from unix_ms (used by the seeder so
 * ids sort with createdAt); the random part comes from rnd (16 bytes). */
void uuid_v7_from(uuid_str_t out, int64_t unix_ms, const uint8_t rnd[16]);
/* A name-based UUID: the first 16 bytes of SHA-256 of the n strings of
 * parts, concatenated, as a version-8 UUID (RFC 9562 variant). The same parts
 * always give the same id. Can't fail. */
void uuid_v8_name(const char *const *parts, int n, uuid_str_t out);
/* True when s is a 36-character 8-4-4-4-12 hex UUID (either case). When out
 * is non-NULL it receives the lowercase form. */
bool uuid_parse(const char *s, uuid_str_t out);

#endif
