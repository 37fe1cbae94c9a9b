/* json_arena.h - lets jansson take the nodes of one parsed document from an arena instead of malloc. */
#ifndef PARLEY_JSON_ARENA_H
#define PARLEY_JSON_ARENA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"

/* Routes every jansson allocation of the process through this module
 * (json_set_alloc_funcs). Call it once, first thing in main, before any other
 * jansson call: memory jansson took before it cannot be freed after it. Not
 * thread-safe; idempotent. Without it json_arena_loadb is plain json_loadb. */
void json_arena_install(void);

/* True once json_arena_install has run. */
bool json_arena_installed(void);

/* json_loadb (through jparse_loadb when it accepts the document, with the
 * same tree), except that (once installed) the document's nodes and strings
 * are allocated from a, on this thread, and json_decref of them frees nothing:
 * a frees them all at arena_free. So the returned tree, and any value taken
 * from it with json_incref, must not outlive a; json_decref it as usual
 * (values added to it later come from malloc and are freed by that decref).
 * Returns NULL with err set on a parse error or when out of memory; the
 * caller owns the result. */
json_t *json_arena_loadb(arena_t *a, const char *buf, size_t len, size_t flags, json_error_t *err);

/* json_dumps(v, flags) as a string owned by a (never free() it). Use this,
 * not json_dumps: once installed, json_dumps's result must go back through
 * this module, not free(). NULL when out of memory or v cannot be encoded. */
const char *json_arena_dumps(arena_t *a, const json_t *v, size_t flags);

#endif
