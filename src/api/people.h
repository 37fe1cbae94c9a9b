/* people.h - helpers shared by the users and teams handlers: loading team sets and writing User objects. */
#ifndef PARLEY_API_PEOPLE_H
#define PARLEY_API_PEOPLE_H

#include "http/request.h"
#include "model/user.h"

/* Loads every team of the caller's organization into *all (array in
 * r->arena). Returns 0, or -1 after replying 500. */
int people_teams_all(req_t *r, team_set_t *all);
/* Loads the teams user_uuid belongs to into *out (array in r->arena).
 * Returns 0, or -1 after replying 500. */
int people_user_teams(req_t *r, const char *user_uuid, team_set_t *out);
/* Loads the users of the caller's organization into *out / *n (array in
 * r->arena), ordered by createdAt, uuid. Returns 0, or -1 after replying 500. */
int people_users_all(req_t *r, store_user_t **out, size_t *n);
/* Writes u as a User (its teams loaded from the store, children from all).
 * Returns 0, or -1 after replying 500. */
int people_user_write(req_t *r, jsonw_t *w, const store_user_t *u, const team_set_t *all);

#endif
