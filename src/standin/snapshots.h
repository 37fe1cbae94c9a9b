/* snapshots.h - named copies of the database in the snapshot directory (stand-in §2), for the admin API and the CLI. */
#ifndef PARLEY_STANDIN_SNAPSHOTS_H
#define PARLEY_STANDIN_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/jsonw.h"
#include "store/store.h"

#define SNAPSHOT_NAME_MAX 64

/* What is known of one snapshot. */
typedef struct snapshot_info {
    char name[SNAPSHOT_NAME_MAX + 1];
    int64_t created_at_ms;     /* the server's clock when it was taken */
    int64_t conversations;
    int64_t bytes;
} snapshot_info_t;

/* True when name is 1-64 of [A-Za-z0-9_.-], not "." and without ".."; else
 * false with the reason (naming the value) in err. */
bool snapshot_name_ok(const char *name, char *err, size_t errlen);
/* The default directory of a database file: "<path>.snapshots". Returns out. */
const char *snapshot_default_dir(const char *db_path, char *out, size_t n);

/* Takes snapshot name of st into dir (created 0700 when missing; the file is
 * 0600, written under a temporary name and renamed, so a failure leaves the
 * previous snapshot of that name, if any). Replaces an existing one.
 * STORE_NOT_SUPPORTED on a backend without snapshots; STORE_ERROR with a
 * message in err. */
store_rc_t snapshot_take(store_t *st, const char *dir, const char *name, snapshot_info_t *out, char *err,
                         size_t errlen);
/* Makes st's database exactly what snapshot name holds. The caller makes sure
 * no request uses st meanwhile. STORE_NOT_FOUND when there is no such snapshot. */
store_rc_t snapshot_restore(store_t *st, const char *dir, const char *name, char *err, size_t errlen);
/* Removes snapshot name; STORE_NOT_FOUND when there is none. */
store_rc_t snapshot_delete(const char *dir, const char *name, char *err, size_t errlen);
/* The snapshot name, if it exists. */
store_rc_t snapshot_get(const char *dir, const char *name, snapshot_info_t *out);
/* Every snapshot in dir, sorted by name, into *out (caller frees; NULL and 0
 * when there are none or dir does not exist). -1 when out of memory or dir
 * cannot be read (message in err). */
int snapshot_list(const char *dir, snapshot_info_t **out, size_t *n, char *err, size_t errlen);
/* Writes one snapshot as {"name","createdAt","conversations","bytes"}. */
void snapshot_render(jsonw_t *w, const snapshot_info_t *s);

#endif
