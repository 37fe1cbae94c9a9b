/* arena.h - a bump allocator for request-lifetime strings; everything is freed at once. */
#ifndef PARLEY_ARENA_H
#define PARLEY_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block_t;
/* The arena owns every block; arena_free releases them all. */
typedef struct arena {
    arena_block_t *head;
} arena_t;

void arena_init(arena_t *a);
void arena_free(arena_t *a);
/* Returns n bytes (8-aligned) valid until arena_free, or NULL when out of memory. */
void *arena_alloc(arena_t *a, size_t n);
/* Copies s (or its first n bytes) NUL-terminated into the arena; NULL on OOM or when s is NULL. */
char *arena_strdup(arena_t *a, const char *s);
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
