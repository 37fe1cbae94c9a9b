/* user.h - the User and Team resources of spec §5: their one renderer each, request bodies and list filters. */
#ifndef PARLEY_MODEL_USER_H
#define PARLEY_MODEL_USER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/jsonw.h"
#include "lib/query.h"
#include "store/store.h"

#define USER_NAME_MAX_CHARS 200 /* team and key names: 1..200 characters ... */
#define USER_NAME_MAX_BYTES 255 /* ... and at most 255 bytes of UTF-8 (what the store keeps) */
#define USER_PERSON_NAME_MAX 255 /* firstName / lastName, bytes */
#define USER_EMAIL_MAX 320

/* A borrowed array of teams (e.g. every team of an organization, or one
 * user's teams). The caller owns v. */
typedef struct team_set {
    const store_team_t *v;
    size_t n;
} team_set_t;

/* Writes Team {uuid,name,domain,parentTeamUUID,organizationUUID,children}.
 * [decided] children = the uuids (strings) of the direct child teams, found
 * in all (the organization's teams; NULL gives []), in all's order. Can't fail
 * (the writer records OOM). */
void team_render(jsonw_t *w, const store_team_t *t, const team_set_t *all);

/* Writes User {uuid,email,firstName,lastName,createdAt,transcriptLang,
 * primaryTeamUUID,roles:[{uuid,name,type}],teams:[Team]}. [decided] roles
 * holds one entry derived from the user's role: type "admin"/"member", name
 * "Admin"/"Member", uuid = user_role_uuid(org, type). teams are rendered with
 * team_render(…, all). Can't fail. */
void user_render(jsonw_t *w, const store_user_t *u, const team_set_t *teams, const team_set_t *all);

/* A stable id for the role `type` in organization org_uuid: the first 16
 * bytes of SHA-256("parley-role:" org "/" type) as a version-8 UUID, so each
 * organization's roles have their own ids and they never change. */
void user_role_uuid(const char *org_uuid, const char *type, uuid_str_t out);

/* A plausible email: one '@' with text on both sides, no spaces, controls or
 * <>",, at most USER_EMAIL_MAX bytes. */
bool user_email_ok(const char *e);

/* True when s is a name of 1..USER_NAME_MAX_CHARS characters and at most
 * USER_NAME_MAX_BYTES bytes. */
bool user_name_ok(const char *s);

/* Reads the required string member key of obj (a team or key name) into *out
 * (borrowed from obj) and checks it with user_name_ok. Returns 0, or -1 with
 * a message naming key and the rule in err. */
int user_name_member(const json_t *obj, const char *key, const char **out, char *err, size_t errlen);

/* POST /organizations/users. Strings borrow from the JSON value (valid while
 * it lives). role is lowercased into role_buf. */
typedef struct user_body {
    const char *email;
    const char *first_name, *last_name; /* NULL when absent */
    const char *team_uuid;              /* lowercase, or NULL */
    const char *role;                   /* "admin" / "member", or NULL */
    uuid_str_t team_buf;
    char role_buf[8];
} user_body_t;

/* Validates body (any JSON value) for POST /organizations/users: an object
 * with email (required, user_email_ok), firstName and lastName (optional
 * strings <= 255 bytes), teamUUID (optional UUID) and role (optional,
 * "member" or "admin", any case). JSON null counts as absent; unknown fields
 * are ignored. Returns 0, or -1 with a message naming the field, the value
 * and the rule in err. */
int user_body_parse(const json_t *body, user_body_t *out, char *err, size_t errlen);

/* POST /organizations/teams: name (required, user_name_ok) and
 * parentTeamUUID (optional UUID). Same conventions as user_body_parse. */
typedef struct team_body {
    const char *name;
    const char *parent_uuid;            /* lowercase, or NULL */
    uuid_str_t parent_buf;
} team_body_t;
int team_body_parse(const json_t *body, team_body_t *out, char *err, size_t errlen);

/* GET /users filters: filter[id] (UUIDs), filter[email] (case-insensitive)
 * and teamUUID (UUIDs), each an array per spec §1 (repeated keys and/or
 * commas). Empty arrays do not filter. Arrays are arena-owned. */
typedef struct user_filter {
    const char **ids;                   /* lowercase UUIDs */
    size_t nids;
    const char **emails;
    size_t nemails;
    const char **teams;                 /* lowercase UUIDs */
    size_t nteams;
} user_filter_t;

/* Decodes the filters from q. Returns 0, or -1 with a message in err (a
 * value that is not a UUID, or OOM). */
int user_filter_parse(arena_t *a, const query_t *q, user_filter_t *f, char *err, size_t errlen);
/* True when u (whose teams are teams) passes every filter of f. */
bool user_filter_match(const user_filter_t *f, const store_user_t *u, const team_set_t *teams);

#endif
