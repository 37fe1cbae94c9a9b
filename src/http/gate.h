/* gate.h - lets one operation (a snapshot restore) run while no request is in flight, holding new ones back. */
#ifndef PARLEY_HTTP_GATE_H
#define PARLEY_HTTP_GATE_H

#include <stdbool.h>

typedef struct gate gate_t;

/* A request held back while an exclusive operation runs: the gate calls
 * resume(self) once it may try again. The node is the caller's (embedded in
 * its request); the gate only links it. */
typedef struct gate_waiter {
    void (*resume)(struct gate_waiter *self);
    struct gate_waiter *next;
} gate_waiter_t;

typedef void (*gate_fn)(void *ctx);

/* NULL when out of memory. Owner: the caller (gate_free, once nothing is in flight). */
gate_t *gate_new(void);
void gate_free(gate_t *g);

/* A request that will use the store asks to enter. true: it is in flight
 * until gate_leave. false: an exclusive operation is pending or running; w
 * is queued and w->resume(w) will be called when the request may call
 * gate_enter again (the caller suspends it meanwhile, never blocking its
 * thread). Lock held only briefly; never blocks. */
bool gate_enter(gate_t *g, gate_waiter_t *w);
void gate_leave(gate_t *g);

/* Runs fn(ctx) on a new thread once every request in flight has left, while
 * new ones wait (gate_enter returns false); then resumes the waiters and
 * calls done(ctx). The caller, itself in flight, must gate_leave before or
 * right after calling this (else it waits for itself). Exclusive operations
 * run one at a time. Returns 0, or -1 when no thread can be started (nothing
 * ran). */
int gate_exclusive(gate_t *g, gate_fn fn, gate_fn done, void *ctx);

#endif
