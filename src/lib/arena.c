/* arena.c - a bump allocator for request-lifetime memory, freed all at once. */
#include "lib/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE 4096u
#define ARENA_ALIGN 8u

/* One malloc'd block; owned by the arena's list. mem follows the header. */
struct arena_block {
    arena_block_t *next;
    size_t size; /* usable bytes in mem */
    size_t used;
    _Alignas(max_align_t) unsigned char mem[];
};

void arena_init(arena_t *a)
{
    a->head = NULL;
}

void arena_free(arena_t *a)
{
    arena_block_t *b = a->head;
    while (b) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

/* Allocates from the head block, or a new block (at least n bytes). A large
 * request gets its own block inserted behind the head so the head's free space
 * is not wasted. Returns NULL on OOM or size overflow. */
void *arena_alloc(arena_t *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - sizeof(arena_block_t) - ARENA_ALIGN)
        return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    arena_block_t *h = a->head;
    if (h && h->size - h->used >= n) {
        void *p = h->mem + h->used;
        h->used += n;
        return p;
    }
    size_t size = n > ARENA_BLOCK_SIZE / 2 ? n : ARENA_BLOCK_SIZE;
    arena_block_t *nb = malloc(sizeof(*nb) + size);
    if (!nb)
        return NULL;
    nb->size = size;
    nb->used = n;
    if (h && size == n) {
        /* dedicated block: keep the current head for small allocations */
        nb->next = h->next;
        h->next = nb;
    } else {
        nb->next = h;
        a->head = nb;
    }
    return nb->mem;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    if (n == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena_t *a, const char *s)
{
    if (!s)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

/* Measures first, then formats into arena memory. NULL on OOM or format error. */
char *arena_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
