/* checkpointer.h - WAL checkpoints of an SQLite database in a background thread, off the writers' commits. */
#ifndef PARLEY_STORE_CHECKPOINTER_H
#define PARLEY_STORE_CHECKPOINTER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL
 * past 1,000 pages, so one writer in a few hundred pays for copying the WAL
 * into the database and its fsync; with group commit that writer is the only
 * one, and every client waits. A checkpointer replaces it on every connection
 * it is attached to: past CHECKPOINTER_SOFT_FRAMES (and then after every
 * further CHECKPOINTER_SOFT_FRAMES of growth) the commit only wakes a thread
 * that runs a PASSIVE checkpoint on its own connection (it never
 * blocks readers or writers); past CHECKPOINTER_HARD_FRAMES (the background
 * one could not catch up, e.g. under a sustained write load that never leaves
 * the WAL fully copied) the committing connection checkpoints inline, as
 * SQLite would, so the WAL stays bounded. Durability is unchanged: a
 * checkpoint only copies what the WAL already holds durably. */
#define CHECKPOINTER_SOFT_FRAMES 1000
#define CHECKPOINTER_HARD_FRAMES 16000

typedef struct checkpointer checkpointer_t;

/* Opens a connection of its own to the database at path (synchronous = FULL
 * when full_sync, else NORMAL) and starts the thread. Returns it (owned by the
 * caller, released by checkpointer_free), or NULL with why in err. */
checkpointer_t *checkpointer_new(const char *path, bool full_sync, char *err, size_t errlen);

/* Installs k's WAL hook on db in place of SQLite's automatic checkpoint. k
 * must outlive db's use (free k only after the last attached connection is
 * closed or no longer commits). */
void checkpointer_attach(checkpointer_t *k, sqlite3 *db);

/* Number of checkpoints the background thread has run (tests, statistics). */
unsigned long checkpointer_runs(checkpointer_t *k);

/* Returns once no checkpoint is asked for or in progress (tests). */
void checkpointer_wait_idle(checkpointer_t *k);

/* Stops the thread (after a checkpoint in progress ends), closes its
 * connection and frees k. NULL is fine. */
void checkpointer_free(checkpointer_t *k);

#endif
