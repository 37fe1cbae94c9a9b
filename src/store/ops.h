/* ops.h - internals shared by the operations on a whole database: backup.c, check.c, check_pg.c (ops.c). */
#ifndef PARLEY_STORE_OPS_H
#define PARLEY_STORE_OPS_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_OPS_BUSY_TIMEOUT_MS 5000 /* as the SQLite backend's connections */

/* The SQL of each count of store_count_t: one row, one column; the same text
 * on SQLite and PostgreSQL (the tables and columns are named alike). */
extern const char *const store_ops_count_sql[STORE_COUNT__N];

/* Opens the SQLite database at url (a path, or sqlite://PATH) read-only, with
 * the backend's busy timeout, starts a read transaction and makes sure it is
 * a Parley database: until the caller's COMMIT (or close), everything it reads
 * is the database as of this moment, and a server writing to it is not
 * blocked (WAL). Sets *version to its schema version. Returns the connection
 * (the caller closes it with sqlite3_close), or NULL with why in err (no such
 * file, unreadable, not a database, not a Parley database). */
sqlite3 *store_ops_sqlite_snapshot(const char *url, int *version, char *err, size_t errlen);

/* One integer from the first row of sql on db into *out. Returns an SQLite
 * code (SQLITE_EMPTY when there is no row). */
int store_ops_int(sqlite3 *db, const char *sql, int64_t *out);

/* The path of an SQLite url: url without its "sqlite://" prefix. */
const char *store_ops_sqlite_path(const char *url);

/* Appends one reason (a line) to r->problems, truncating, and clears r->ok. */
void store_ops_problem(store_check_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a problem unless r->schema_version equals r->known_version (older:
 * `parley serve` would migrate it; newer: a newer parley is needed). */
void store_ops_check_version(store_check_report_t *r);

/* store_check's PostgreSQL part (check_pg.c): the schema version and the
 * counts, in one REPEATABLE READ READ ONLY transaction. Same contract as
 * store_check; r is zeroed and r->ok set by the caller. */
store_rc_t store_ops_check_postgres(const char *url, store_check_report_t *r, char *err, size_t errlen);

#endif
