/* progress.h - a one-line progress meter (count/total, rate, ETA) for long commands on a terminal. */
#ifndef PARLEY_CLI_PROGRESS_H
#define PARLEY_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_INTERVAL 0.1 /* seconds between redraws: at most 10 a second */

/* Seconds on a monotonic clock (tests pass a fake one). */
typedef double (*progress_clock_fn)(void);

/* A meter drawing `LABEL: COUNT/TOTAL UNIT, RATE/s, ETA M:SS` on one line of
 * out, redrawn in place with '\r'. When it is off (out is not a terminal, or
 * --quiet) every call does nothing. Owns no memory; label and unit must
 * outlive it. */
typedef struct progress {
    FILE *out;
    bool on;
    const char *label;       /* "seed" */
    const char *unit;        /* "conversations" */
    int64_t total;           /* 0 = unknown: no "/TOTAL" and no ETA */
    int64_t count;
    progress_clock_fn clock;
    double start, last_draw;
    int width;               /* characters of the line on screen (0: none drawn) */
} progress_t;

/* True when a meter should draw on f: not quiet and f is a terminal. */
bool progress_wanted(FILE *f, bool quiet);

/* Starts p at count 0. on: whether to draw at all (progress_wanted);
 * clock NULL = CLOCK_MONOTONIC. Cannot fail. */
void progress_start(progress_t *p, FILE *out, bool on, const char *label, const char *unit, int64_t total,
                    progress_clock_fn clock);

/* Sets the total once it is known (0 = unknown). */
void progress_set_total(progress_t *p, int64_t total);

/* Records count and redraws the line when PROGRESS_INTERVAL has passed since
 * the start or the last redraw. Cheap when off. */
void progress_update(progress_t *p, int64_t count);

/* Erases the line (before the caller prints a message on the same stream);
 * the next redraw puts it back. */
void progress_clear(progress_t *p);

/* Draws the final line (count as last updated; `done in M:SS` in place of
 * the ETA) and ends it with a newline. Does nothing when off; safe to call twice. */
void progress_finish(progress_t *p);

/* Writes the text of the line (no '\r') for count at elapsed seconds into
 * out (capacity n, truncating); done: the final line. Exposed for tests. */
void progress_format(const progress_t *p, int64_t count, double elapsed, bool done, char *out, size_t n);

#endif
