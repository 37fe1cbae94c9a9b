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

/* Organization administration needs an org-level key: 0 for one, else
 * replies 403 ("<what> needs an org-level key …") and returns -1. */
int people_org_level(req_t *r, const char *what);
/* Checks that each of the n team uuids (canonical) is one of all (the
 * organization's teams): 0, or replies 400 and returns -1. The message names
 * the value as `field` or, when member is not NULL, as an array element
 * `field[i]member` ("teams[1].uuid"). */
int people_teams_known(req_t *r, const team_set_t *all, const char *field, const char *member,
                       const char *const *teams, size_t n);

/* The start of POST /organizations/users (ub) or /organizations/teams (tb;
 * give exactly one): 403 for a user-level key, else the JSON body read by
 * user_body_parse or team_body_parse (400 when bad). Returns the body, which
 * *ub / *tb point into (owner: the caller, who json_decref's it), or NULL
 * after replying. */
json_t *people_create_body(req_t *r, user_body_t *ub, team_body_t *tb);
/* Replies for a create whose store call returned rc: 400 when the team given
 * as field (teamUUID, parentTeamUUID) = team_uuid is not one of the
 * organization's (STORE_NOT_FOUND), 409 `<taken> "<value>" already exists in
 * this organization` (STORE_CONFLICT), else 500. Returns 0 without replying
 * when rc is STORE_OK, else -1. */
int people_create_fail(req_t *r, store_rc_t rc, const char *field, const char *team_uuid, const char *taken,
                       const char *value);

#endif
