/* jparse_bench.c - wall-clock time to parse one JSON document N times: jansson vs jparse, with malloc and in an arena. */
/*
 * usage: jparse_bench FILE [N]          (N defaults to 2000)
 * build: cc -O2 -std=c17 -D_GNU_SOURCE -Isrc -o jparse_bench bench/jparse_bench.c src/lib/jparse.c src/lib/arena.c -ljansson
 *        (bench/callgrind_import.py --body FILE writes the import body it sends)
 *
 * Four ways, each N times, best of 5 rounds (a shared machine adds noise, never removes it):
 *   jansson malloc   json_loadb, jansson's own malloc/free (no json_arena)
 *   jparse  malloc   jparse_loadb, same allocator
 *   jansson arena    json_loadb with json_arena's allocator aimed at an arena: the server's
 *                    json_arena_loadb before jparse
 *   jparse  arena    json_arena_loadb as it is now (jparse first, into the arena)
 * Every parse uses JSON_REJECT_DUPLICATES, as req_json_body does; the tree is checked against
 * jansson's once. Single-threaded; needs no server.
 */

#include "lib/json_arena.c" /* for ja_current: the "jansson arena" row aims the allocator by hand */

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { JB_JANSSON, JB_JPARSE, JB_JANSSON_ARENA, JB_JPARSE_ARENA };

/* One parse the given way; aborts when the document does not parse. */
static void parse_once(int how, const char *s, size_t n)
{
    json_t *v;
    arena_t a;
    arena_init(&a);
    switch (how) {
    case JB_JANSSON:
        v = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
        break;
    case JB_JPARSE:
        v = jparse_loadb(s, n, JSON_REJECT_DUPLICATES);
        break;
    case JB_JANSSON_ARENA:
        ja_current = &a;
        v = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
        ja_current = NULL;
        break;
    default:
        v = json_arena_loadb(&a, s, n, JSON_REJECT_DUPLICATES, NULL);
        break;
    }
    if (!v) {
        fputs("jparse_bench: the document does not parse\n", stderr);
        exit(1);
    }
    json_decref(v);
    arena_free(&a);
}

/* Best of 5 rounds of n parses, in microseconds per parse. */
static double best_us(int how, const char *s, size_t len, long n)
{
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            parse_once(how, s, len);
        double us = (now_s() - t0) * 1e6 / (double)n;
        if (us < best)
            best = us;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: jparse_bench FILE [N]\n", stderr);
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 2000;
    FILE *f = fopen(argv[1], "rb");
    if (!f || n <= 0) {
        perror(argv[1]);
        return 2;
    }
    static char buf[1 << 22];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);

    json_t *want = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL), *got = jparse_loadb(buf, len, JSON_REJECT_DUPLICATES);
    if (!want || !got || !jparse_same_tree(want, got)) {
        fputs("jparse_bench: jparse and jansson disagree on this document\n", stderr);
        return 1;
    }
    json_decref(want);
    json_decref(got);

    static const char *const names[] = {"jansson malloc", "jparse  malloc", "jansson arena ", "jparse  arena "};
    double us[4];
    us[JB_JANSSON] = best_us(JB_JANSSON, buf, len, n);
    us[JB_JPARSE] = best_us(JB_JPARSE, buf, len, n);
    json_arena_install(); /* from here on every jansson allocation goes through json_arena */
    us[JB_JANSSON_ARENA] = best_us(JB_JANSSON_ARENA, buf, len, n);
    us[JB_JPARSE_ARENA] = best_us(JB_JPARSE_ARENA, buf, len, n);
    printf("document %zu bytes, %ld parses a round, best of 5 rounds\n", len, n);
    for (int i = 0; i < 4; i++)
        printf("%s %9.1f us/parse %8.1f MB/s\n", names[i], us[i], (double)len / us[i]);
    printf("speed-up: %.2fx with malloc, %.2fx in the arena (the server's path)\n", us[JB_JANSSON] / us[JB_JPARSE],
           us[JB_JANSSON_ARENA] / us[JB_JPARSE_ARENA]);
    return 0;
}
