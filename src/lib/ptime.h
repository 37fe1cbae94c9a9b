/* ptime.h - RFC 3339 parsing and canonical UTC formatting (second precision). */
#ifndef PARLEY_PTIME_H
#define PARLEY_PTIME_H

#include <stdint.h>

#define PTIME_STR_LEN 20 /* "2024-03-18T10:00:00Z" */

/* Current time, seconds since the epoch (CLOCK_REALTIME). */
int64_t ptime_now(void);
/* Current time in milliseconds since the epoch. */
int64_t ptime_now_ms(void);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (>= PTIME_STR_LEN + 1 bytes). */
void ptime_format(int64_t t, char *out);
/* Parses RFC 3339: date, 'T' or 't' or ' ', time, optional fraction (dropped),
 * then 'Z'/'z' or ±HH:MM. A bare date "YYYY-MM-DD" is midnight UTC. Returns 0
 * and sets *out (UTC seconds), or -1 when s is not such a time (out untouched). */
int ptime_parse(const char *s, int64_t *out);

#endif
