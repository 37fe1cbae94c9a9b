/* fuzz_jparse.c - libFuzzer target: jparse against jansson, differentially (same inputs accepted and refused, same trees). */
#include <stdint.h>

#include "fuzz_common.h"
#include "lib/jparse.h"

/* The flag sets the server parses with (JSON_REJECT_DUPLICATES for request
 * bodies and export lines, 0 for stored documents, JSON_DECODE_ANY for stored
 * fragments) and the fourth combination. */
static const size_t jp_flags[] = {0, JSON_REJECT_DUPLICATES, JSON_DECODE_ANY,
                                  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY};
#define JP_NFLAGS (sizeof jp_flags / sizeof *jp_flags)
static unsigned long jp_both[JP_NFLAGS], jp_neither[JP_NFLAGS];

/* Printed at exit, so a corpus run (-runs=0 over a directory) shows how much
 * of the corpus each side accepted. */
static void jp_stats(void)
{
    for (size_t i = 0; i < JP_NFLAGS; i++)
        fprintf(stderr, "jparse flags %zu: both accept %lu, both refuse %lu\n", jp_flags[i], jp_both[i],
                jp_neither[i]);
}

static void jp_report(const char *what, size_t flags, const char *s, size_t n)
{
    fprintf(stderr, "%s (flags %zu): %.*s\n", what, flags, (int)(n > 200 ? 200 : n), s);
}

/* Any bytes, under each flag set. Invariants:
 *  - jparse_loadb accepts exactly what jansson's json_loadb accepts (out of
 *    memory aside: the fuzzer's allocations do not fail short of the RSS
 *    limit), with an identical tree (types, member order, string bytes,
 *    integers, reals bit for bit);
 *  - json_arena_loadb, the interface the server calls, gives jansson's verdict,
 *    its tree, and on a refusal jansson's error (text, line, column, position). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static bool started;
    if (!started) {
        started = true;
        json_arena_install();
        atexit(jp_stats);
    }
    const char *s = (const char *)data;
    for (size_t i = 0; i < JP_NFLAGS; i++) {
        size_t flags = jp_flags[i];
        json_t *mine = jparse_loadb(s, n, flags); /* owner: this function */
        json_error_t e;
        json_t *ref = json_loadb(s, n, flags, &e); /* owner: this function */
        if (!mine != !ref) {
            jp_report(mine ? "jparse accepts, jansson refuses" : "jansson accepts, jparse refuses", flags, s, n);
            FUZZ_CHECK(false, "jparse accepts exactly what jansson accepts");
        }
        if (mine) {
            FUZZ_CHECK(jparse_same_tree(mine, ref), "jparse builds jansson's tree");
            jp_both[i]++;
        } else {
            jp_neither[i]++;
        }

        arena_t a;
        arena_init(&a);
        json_error_t ae;
        json_t *got = json_arena_loadb(&a, s, n, flags, &ae); /* nodes in a */
        FUZZ_CHECK(!got == !ref, "json_arena_loadb gives jansson's verdict");
        if (got) {
            FUZZ_CHECK(jparse_same_tree(got, ref), "json_arena_loadb builds jansson's tree");
            json_decref(got);
        } else {
            FUZZ_CHECK(strcmp(ae.text, e.text) == 0 && ae.line == e.line && ae.column == e.column &&
                           ae.position == e.position,
                       "json_arena_loadb reports jansson's error");
        }
        arena_free(&a);
        json_decref(mine);
        json_decref(ref);
    }
    return 0;
}
