/* json_arena.c - lets jansson take the nodes of one parsed document from an arena instead of malloc.
 *
 * jansson mallocs every value, key and hashtable of a document separately and
 * frees them one by one; for an import body (~5,000 values) that malloc/free
 * traffic was ~15% of the server's CPU. Once installed, each jansson
 * allocation carries a 16-byte header saying where it came from: the arena of
 * the parse running on this thread (json_arena_loadb), or malloc otherwise.
 * Freeing an arena block is a no-op (arena_free releases it); freeing a heap
 * block is free(). */
#include "lib/json_arena.h"

#include "lib/jparse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JA_HEADER 16u /* keeps malloc's 16-byte alignment; arena blocks stay 8-aligned */

/* The tag in a block's first bytes (a whole word, so a stray byte write is noticed). */
static const uint64_t ja_tag_heap = 0x50414548614a7031ull;  /* from malloc: free() it */
static const uint64_t ja_tag_arena = 0x414e5241614a7031ull; /* from ja_current: arena_free frees it */

static bool ja_installed;
/* The arena of the json_arena_loadb running on this thread, else NULL. Borrowed. */
static _Thread_local arena_t *ja_current;

static void *ja_malloc(size_t n)
{
    if (n > SIZE_MAX - JA_HEADER)
        return NULL;
    arena_t *a = ja_current;
    unsigned char *p = a ? arena_alloc(a, n + JA_HEADER) : malloc(n + JA_HEADER);
    if (!p)
        return NULL;
    uint64_t tag = a ? ja_tag_arena : ja_tag_heap;
    memcpy(p, &tag, sizeof tag);
    return p + JA_HEADER;
}

/* A block with neither tag is not one of ours: the heap is corrupt, or memory
 * jansson took before json_arena_install is being freed. Either is a bug that
 * must not be papered over. */
static void ja_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - JA_HEADER;
    uint64_t tag;
    memcpy(&tag, p, sizeof tag);
    if (tag == ja_tag_heap) {
        free(p);
    } else if (tag != ja_tag_arena) {
        fputs("parley: json_arena: freeing a block jansson did not allocate through json_arena\n", stderr);
        abort();
    }
}

void json_arena_install(void)
{
    if (ja_installed)
        return;
    json_set_alloc_funcs(ja_malloc, ja_free);
    ja_installed = true;
}

bool json_arena_installed(void)
{
    return ja_installed;
}

/* jparse first (several times cheaper); jansson decides whatever jparse does
 * not accept, so a rejected document gets jansson's error and text. On
 * success err reads as json_loadb leaves it: empty text, line and column -1,
 * the position just past the input. A document jparse refuses only after
 * building part of it leaves those nodes in a until arena_free. */
json_t *json_arena_loadb(arena_t *a, const char *buf, size_t len, size_t flags, json_error_t *err)
{
    arena_t *saved = ja_current;
    ja_current = ja_installed ? a : NULL;
    json_t *root = jparse_loadb(buf, len, flags);
    if (root) {
        if (err) {
            err->text[0] = '\0';
            err->line = -1;
            err->column = -1;
            err->position = (int)len;
            memcpy(err->source, "<buffer>", sizeof "<buffer>");
        }
    } else {
        root = json_loadb(buf, len, flags, err);
    }
    ja_current = saved;
    return root;
}

const char *json_arena_dumps(arena_t *a, const json_t *v, size_t flags)
{
    if (ja_installed) { /* the string, and the buffers it grew through, come from a */
        arena_t *saved = ja_current;
        ja_current = a;
        const char *s = json_dumps(v, flags);
        ja_current = saved;
        return s;
    }
    char *s = json_dumps(v, flags); /* malloc'd: owned here */
    if (!s)
        return NULL;
    const char *r = arena_strdup(a, s);
    free(s);
    return r;
}
