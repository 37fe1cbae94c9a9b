/* pclock.c - the server's clock: real time, real time shifted, or frozen. */
#include "lib/pclock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* The state is two words: when pclock_frozen_at is not PCLOCK_RUNNING the
 * clock stands at it, else it is real time plus pclock_offset. Readers load
 * them without a lock (a reader racing a change sees the old or the new time,
 * either is fine); writers serialize on pclock_mu so that read-modify-write
 * changes (freeze, advance) do not lose one another. */
#define PCLOCK_RUNNING INT64_MIN
static _Atomic int64_t pclock_frozen_at = PCLOCK_RUNNING;
static _Atomic int64_t pclock_offset = 0;
static pthread_mutex_t pclock_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t pclock_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pclock_now_ms(void)
{
    int64_t f = atomic_load_explicit(&pclock_frozen_at, memory_order_acquire);
    if (f != PCLOCK_RUNNING)
        return f;
    return pclock_real_ms() + atomic_load_explicit(&pclock_offset, memory_order_relaxed);
}

bool pclock_frozen(void)
{
    return atomic_load(&pclock_frozen_at) != PCLOCK_RUNNING;
}

/* Callers hold pclock_mu. */
static void pclock_set_locked(int64_t now_ms, bool frozen)
{
    if (now_ms == PCLOCK_RUNNING)
        now_ms++; /* the one value that cannot be stored; a millisecond before year -292 million */
    if (frozen) {
        atomic_store(&pclock_frozen_at, now_ms);
    } else {
        atomic_store(&pclock_offset, now_ms - pclock_real_ms());
        atomic_store(&pclock_frozen_at, PCLOCK_RUNNING);
    }
}

void pclock_set(int64_t now_ms, bool frozen)
{
    pthread_mutex_lock(&pclock_mu);
    pclock_set_locked(now_ms, frozen);
    pthread_mutex_unlock(&pclock_mu);
}

void pclock_freeze(bool frozen)
{
    pthread_mutex_lock(&pclock_mu);
    if (frozen != pclock_frozen())
        pclock_set_locked(pclock_now_ms(), frozen);
    pthread_mutex_unlock(&pclock_mu);
}

void pclock_advance(int64_t delta_ms)
{
    pthread_mutex_lock(&pclock_mu);
    pclock_set_locked(pclock_now_ms() + delta_ms, pclock_frozen());
    pthread_mutex_unlock(&pclock_mu);
}

void pclock_real(void)
{
    pthread_mutex_lock(&pclock_mu);
    atomic_store(&pclock_offset, 0);
    atomic_store(&pclock_frozen_at, PCLOCK_RUNNING);
    pthread_mutex_unlock(&pclock_mu);
}
