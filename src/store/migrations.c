/* migrations.c - facts about the schema migrations compiled into the binary. */
#include "store/migrations.h"

int store_migrations_latest(const store_migration_t *m)
{
    int v = 0;
    for (; m && m->version; m++)
        if (m->version > v)
            v = m->version;
    return v;
}
