/* migrations.h - numbered schema migrations compiled into the binary (see cmake/embed_migrations.cmake). */
#ifndef PARLEY_STORE_MIGRATIONS_H
#define PARLEY_STORE_MIGRATIONS_H

typedef struct store_migration {
    int version;        /* NNN from NNN_name.sql; 0 terminates the array */
    const char *name;
    const char *sql;
} store_migration_t;

extern const store_migration_t store_sqlite_migrations[];
extern const store_migration_t store_postgres_migrations[];

/* The highest version in m (a 0-terminated array); 0 when it is empty. */
int store_migrations_latest(const store_migration_t *m);

#endif
