/* pclock.h - the server's clock: real time, real time shifted, or frozen (the admin API's clock, stand-in §5). */
#ifndef PARLEY_PCLOCK_H
#define PARLEY_PCLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds since the epoch as the server sees them: CLOCK_REALTIME plus
 * an offset, or a frozen value. Every time Parley writes or compares
 * (createdAt, archivedAt, key lastSeenAt, URL expiry, …) comes from here,
 * through ptime_now / ptime_now_ms. Thread-safe and lock-free. */
int64_t pclock_now_ms(void);
/* True while the clock stands still. */
bool pclock_frozen(void);
/* Sets the clock to now_ms; frozen true stops it there, false lets it run on
 * from there. */
void pclock_set(int64_t now_ms, bool frozen);
/* Stops (frozen true) the clock at its current time, or lets a frozen clock
 * run on from where it stands (false). No effect when already in that state. */
void pclock_freeze(bool frozen);
/* Moves the clock by delta_ms (may be negative), frozen or not. */
void pclock_advance(int64_t delta_ms);
/* Back to real time, not frozen. */
void pclock_real(void);

#endif
