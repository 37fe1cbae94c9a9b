/* upgrade.h - what both backends' migration to stored documents (SQLite 006, PostgreSQL 004) share: the old row shape and its conversion. */
#ifndef PARLEY_STORE_UPGRADE_H
#define PARLEY_STORE_UPGRADE_H

#include "lib/arena.h"
#include "lib/buf.h"
#include "store/shape.h"

/* The conversation columns before stored documents (SQLite schema 5,
 * PostgreSQL schema 3), in the order a migration step selects them: one per
 * conv_t field, named like it (SQLite: the body ones in conversation_bodies),
 * then the owner's four from users. Times are read as the migration left
 * them (milliseconds: its SQL converts them first). */
#define STORE_UPGRADE_NCOLS 51
extern const store_field_t store_upgrade_cols[STORE_UPGRADE_NCOLS + 4];
extern const store_shape_t store_upgrade_shape;

/* Converts c (read with store_upgrade_shape) to today's shapes and prepares
 * it for storing (conv_store_prepare: the stored document into out, the
 * derived filter fields): participants [{id,email,name,organizer}] with an
 * external participant's id its email and no status, attendees without
 * status and without an empty email, milliseconds in the times of bots
 * (beyond.md §0). Strings come from a. Returns 0, or -1 when memory
 * ran out or a stored fragment is not JSON (the migration then stops). */
int store_upgrade_conv(arena_t *a, conv_t *c, buf_t *out);

#endif
