/* standin.h - the state behind the admin API (stand-in controls): token, faults, rate limit, journal, snapshots. */
#ifndef PARLEY_STANDIN_H
#define PARLEY_STANDIN_H

#include <stdbool.h>
#include <stddef.h>

#include "standin/faults.h"
#include "standin/journal.h"
#include "standin/ratelimit.h"

/* One per server, made by `parley serve`, borrowed by the server and by
 * every request (req_t.standin). */
typedef struct standin {
    const char *admin_token;   /* NULL: the admin API is off (every /_parley/ path is a 404) */
    size_t admin_token_len;
    faults_t *faults;          /* owned; NULL while the admin API is off */
    ratelimit_t *ratelimit;    /* owned; a limit may also come from serve --rate-limit */
    journal_t *journal;        /* owned; NULL: off (--journal 0, or the admin API off) */
    const char *snapshot_dir;  /* where snapshots are kept (serve --snapshot-dir) */
} standin_t;

/* True when path is under the admin API ("/_parley" or "/_parley/…"). */
bool standin_is_admin_path(const char *path);
/* True when token (the Authorization header's value, "Bearer T" or "T") is
 * the admin token; compared in constant time. False when the API is off. */
bool standin_token_ok(const standin_t *s, const char *authorization);

#endif
