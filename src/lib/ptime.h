/* ptime.h - RFC 3339 parsing and canonical UTC formatting (second and millisecond precision). */
#ifndef PARLEY_PTIME_H
#define PARLEY_PTIME_H

#include <stdint.h>

#define PTIME_STR_LEN 20 /* "2024-03-18T10:00:00Z" */

/* Current time, seconds since the epoch, from the server's clock (pclock.h:
 * real time unless the admin API shifted or froze it). */
int64_t ptime_now(void);
/* Current time in milliseconds since the epoch, from the same clock. */
int64_t ptime_now_ms(void);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (>= PTIME_STR_LEN + 1 bytes). */
void ptime_format(int64_t t, char *out);
/* Parses RFC 3339: date, 'T' or 't' or ' ', time, optional fraction (dropped),
 * then 'Z'/'z' or ±HH:MM. A bare date "YYYY-MM-DD" is midnight UTC. Returns 0
 * and sets *out (UTC seconds), or -1 when s is not such a time (out untouched). */
int ptime_parse(const char *s, int64_t *out);
/* The same, keeping milliseconds: *out is UTC milliseconds since the epoch. */
int ptime_parse_ms(const char *s, int64_t *out);

#define PTIME_MS_STR_LEN 24 /* "2024-03-18T10:00:00.000Z" */
/* Formats ms (milliseconds since the epoch) as "YYYY-MM-DDTHH:MM:SS.mmmZ"
 * into out (>= PTIME_MS_STR_LEN + 1 bytes), clamped like ptime_format. */
void ptime_format_ms(int64_t ms, char *out);

#endif
