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

#endif
