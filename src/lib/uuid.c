/* uuid.c - UUIDv7 generation (RFC 9562), name-based UUIDv8 ids and canonical UUID validation. */
#include "lib/uuid.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "lib/pclock.h"
#include "lib/strutil.h"

static pthread_mutex_t uuid_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t uuid_last_ms = -1;
static unsigned uuid_last_seq; /* the 12-bit rand_a of the last id */
/* --id-seed: the random bits come from a ChaCha20 keystream under this key,
 * block after block (guarded by uuid_lock), instead of the OS. */
static bool uuid_seeded;
static uint8_t uuid_seed_key[crypto_stream_chacha20_KEYBYTES];
static uint64_t uuid_seed_ctr;

void uuid_seed(uint64_t seed)
{
    uint8_t in[8];
    for (int i = 0; i < 8; i++)
        in[i] = (uint8_t)(seed >> (8 * i));
    pthread_mutex_lock(&uuid_lock);
    crypto_generichash(uuid_seed_key, sizeof uuid_seed_key, in, sizeof in, NULL, 0);
    uuid_seed_ctr = 0;
    uuid_seeded = true;
    uuid_last_ms = -1;
    pthread_mutex_unlock(&uuid_lock);
}

/* Without a seed, each thread draws its ids from its own ChaCha20 keystream
 * under a key the OS gave it once (libsodium's randombytes_buf is one
 * getrandom() call each time: a system call per request id on the hot path).
 * A block of 64 bytes serves four ids. Nothing secret is made from uuid_v7. */
static _Thread_local struct {
    bool keyed;
    uint8_t key[crypto_stream_chacha20_KEYBYTES];
    uint64_t ctr;
    uint8_t block[64];
    unsigned pos; /* bytes of block used; 64 = empty */
} uuid_tls = {.pos = 64};

/* The next block of stream under key: nonce = ctr, little-endian. */
static void uuid_stream_block(uint8_t out[64], uint64_t ctr, const uint8_t *key)
{
    uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
    for (int i = 0; i < 8; i++)
        nonce[i] = (uint8_t)(ctr >> (8 * i));
    crypto_stream_chacha20(out, 64, nonce, key);
}

/* 16 random bytes: the thread's stream, or the next block of the seeded one. */
static void uuid_random(uint8_t rnd[16])
{
    pthread_mutex_lock(&uuid_lock);
    bool seeded = uuid_seeded;
    uint64_t ctr = uuid_seed_ctr++;
    pthread_mutex_unlock(&uuid_lock);
    if (seeded) {
        uint8_t block[64];
        uuid_stream_block(block, ctr, uuid_seed_key);
        memcpy(rnd, block, 16);
        return;
    }
    if (!uuid_tls.keyed) {
        randombytes_buf(uuid_tls.key, sizeof uuid_tls.key);
        uuid_tls.keyed = true;
    }
    if (uuid_tls.pos == 64) {
        uuid_stream_block(uuid_tls.block, uuid_tls.ctr++, uuid_tls.key);
        uuid_tls.pos = 0;
    }
    memcpy(rnd, uuid_tls.block + uuid_tls.pos, 16);
    uuid_tls.pos += 16;
}

/* Writes the 16 bytes u as 8-4-4-4-12 lowercase hex (36 chars + NUL). */
static void uuid_format(uuid_str_t out, const uint8_t u[16])
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[u[i] >> 4];
        *o++ = hex[u[i] & 15];
    }
    *o = '\0';
}

void uuid_v8_name(const char *const *parts, int n, uuid_str_t out)
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    for (int i = 0; i < n; i++)
        crypto_hash_sha256_update(&s, (const unsigned char *)parts[i], strlen(parts[i]));
    crypto_hash_sha256_final(&s, h);
    h[6] = (uint8_t)((h[6] & 0x0F) | 0x80); /* version 8: custom */
    h[8] = (uint8_t)((h[8] & 0x3F) | 0x80); /* RFC 9562 variant */
    uuid_format(out, h);
}

/* Layout: 48-bit big-endian ms timestamp, version 7 nibble, 12 bits rand_a,
 * variant bits 10, 62 bits rand_b (all from rnd). Writes 36 chars + NUL. */
void uuid_v7_from(uuid_str_t out, int64_t unix_ms, const uint8_t rnd[16])
{
    uint8_t u[16];
    uint64_t ms = (uint64_t)unix_ms & 0xffffffffffffULL;
    for (int i = 0; i < 6; i++)
        u[i] = (uint8_t)(ms >> (40 - 8 * i));
    memcpy(u + 6, rnd + 6, 10);
    u[6] = (uint8_t)(0x70 | (u[6] & 0x0f));
    u[8] = (uint8_t)(0x80 | (u[8] & 0x3f));
    uuid_format(out, u);
}

/* The time is the server's clock (pclock.h). Monotonic within the process:
 * when the clock has not advanced past the last
 * id's millisecond, rand_a is the previous one plus 1 (carrying into the
 * timestamp at 0xfff), so ids made later always sort after earlier ones. */
void uuid_v7(uuid_str_t out)
{
    uint8_t rnd[16];
    uuid_random(rnd);
    int64_t ms = pclock_now_ms();
    unsigned seq = ((unsigned)(rnd[6] & 0x0f) << 8 | rnd[7]) & 0x7ff; /* leave headroom */

    pthread_mutex_lock(&uuid_lock);
    if (ms <= uuid_last_ms) {
        ms = uuid_last_ms;
        seq = uuid_last_seq + 1;
        if (seq > 0xfff) {
            ms++;
            seq = 0;
        }
    }
    uuid_last_ms = ms;
    uuid_last_seq = seq;
    pthread_mutex_unlock(&uuid_lock);

    rnd[6] = (uint8_t)(seq >> 8);
    rnd[7] = (uint8_t)(seq & 0xff);
    uuid_v7_from(out, ms, rnd);
}

/* Validates 8-4-4-4-12 hex with nothing after; out (may equal s) gets the
 * lowercase form only when s is valid. */
bool uuid_parse(const char *s, uuid_str_t out)
{
    if (!s)
        return false;
    for (int i = 0; i < UUID_STR_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (str_hexval(s[i]) < 0) {
            return false; /* also stops at a NUL of a short string */
        }
    }
    if (s[UUID_STR_LEN] != '\0')
        return false;
    if (out) {
        for (int i = 0; i < UUID_STR_LEN; i++) {
            char c = s[i];
            out[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
        out[UUID_STR_LEN] = '\0';
    }
    return true;
}
