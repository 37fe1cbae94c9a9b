/* jparse.h - a fast JSON parser for request bodies that builds jansson trees and defers to jansson on anything unusual. */
#ifndef PARLEY_JPARSE_H
#define PARLEY_JPARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses buf[0..len) (need not be NUL-terminated) into a jansson tree made
 * with jansson's own constructors, so the nodes come from jansson's allocator
 * (json_arena's arena when called inside json_arena_loadb). What it accepts,
 * it accepts exactly as jansson 2.14's json_loadb(buf, len, flags) would, with
 * an identical tree: same types, object key order, string bytes, integers and
 * bit-identical reals.
 *
 * Returns NULL, never with a message, whenever it does not accept the input
 * or meets something it does not handle: invalid JSON, a string with \u0000,
 * an integer out of range, a real that overflows, nesting deeper than
 * JSON_PARSER_MAX_DEPTH, a duplicate key under JSON_REJECT_DUPLICATES, flags
 * other than JSON_REJECT_DUPLICATES and JSON_DECODE_ANY, out of memory. The
 * caller then calls json_loadb for jansson's verdict and error text (see
 * json_arena_loadb). On success the caller owns the tree (json_decref). */
json_t *jparse_loadb(const char *buf, size_t len, size_t flags);

/* True when a and b are the same tree to the last bit, the promise
 * jparse_loadb keeps: same types, object members in the same order with the
 * same name bytes, strings byte for byte (NULs included), equal integers,
 * reals with the same bit pattern (json_equal would call -0.0 and 0.0 equal
 * and ignores member order). For the tests and the differential fuzzer. */
bool jparse_same_tree(const json_t *a, const json_t *b);

#endif
