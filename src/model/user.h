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
 * primaryTeamUUID,roles:[Role],teams:[Team],botName,settings:{dealsEnabled,
 * seat_type}}. roles holds the one role of the user (user_role_render);
 * teams are rendered with team_render(…, all); botName is the stored one or
 * user_bot_name's default. Can't fail. */
void user_render(jsonw_t *w, const store_user_t *u, const team_set_t *teams, const team_set_t *all);

/* The roles of an organization (beyond.md §4). [decided] the stored role
 * `member` is SALES_REP. */
typedef struct user_role {
    const char *stored;        /* users.role: "admin", "manager", "member" */
    const char *type;          /* "ADMIN", "MANAGER", "SALES_REP" */
    const char *name;          /* "Admin", "Manager", "Sales Representative" */
} user_role_t;
#define USER_ROLES 3
extern const user_role_t user_roles[USER_ROLES];

/* The role stored as `stored` (any other value: SALES_REP). Never NULL. */
const user_role_t *user_role_of(const char *stored);
/* The role of organization org_uuid whose uuid is role_uuid (canonical), or NULL. */
const user_role_t *user_role_by_uuid(const char *org_uuid, const char *role_uuid);
/* Writes Role {uuid,name,type} of role in organization org_uuid. Can't fail. */
void user_role_render(jsonw_t *w, const char *org_uuid, const user_role_t *role);

/* A stable id for a role in organization org_uuid, from its stored name
 * (so ids made before MANAGER existed stay): the first 16 bytes of
 * SHA-256("parley-role:" org "/" stored) as a version-8 UUID, so each
 * organization's roles have their own ids and they never change. */
void user_role_uuid(const char *org_uuid, const char *stored, uuid_str_t out);

/* The botName of u: its own, else "<first name>'s Notetaker" ("Notetaker"
 * without a first name), into out (capacity n). Returns out. */
const char *user_bot_name(const store_user_t *u, char *out, size_t n);

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

#define USER_TEAMS_MAX 100 /* teams in one user body (teams, teamsToAdd, teamUUIDsToRemove) */
#define USER_PASSWORD_MAX 1024 /* bytes */

/* POST /organizations/users. Strings borrow from the JSON value (valid while
 * it lives) or from the struct's buffers. */
typedef struct user_body {
    const char *email;
    const char *first_name, *last_name; /* NULL when absent */
    const char *team_uuid;              /* the primary team (lowercase), or NULL: the default team */
    const char *more_teams[USER_TEAMS_MAX]; /* the other teams of `teams` (lowercase) */
    size_t n_more_teams;
    const char *role;                   /* "admin" / "manager" / "member" (from role), or NULL */
    const char *role_uuid;              /* roleUUID (lowercase), or NULL: the caller resolves it */
    const char *seat_type;              /* "listener" / "recording", or NULL */
    bool has_password;                  /* a password was given (checked, never kept) */
    uuid_str_t team_buf;
    uuid_str_t teams_buf[USER_TEAMS_MAX];
    uuid_str_t role_uuid_buf;
    char role_buf[8];
} user_body_t;

/* Validates body (any JSON value) for POST /organizations/users, in either
 * of its two forms: the documented one {email, first_name, last_name,
 * teams:[{uuid, primary?}], roleUUID, password?, seat_type?} and the
 * camelCase one {email, firstName, lastName, teamUUID?, role?} (members of
 * both may be mixed; the same field in both spellings is a 400). email is
 * required (user_email_ok); names are strings <= 255 bytes; teams has 1 to
 * USER_TEAMS_MAX distinct teams, at most one primary (none: the first);
 * teams and teamUUID exclude each other; role is "member", "manager" or
 * "admin" (any case) and excludes roleUUID (a UUID); password a string of 1
 * to USER_PASSWORD_MAX bytes; seat_type "listener" or "recording". JSON null
 * counts as absent; unknown fields are ignored. Returns 0, or -1 with a
 * message naming the field, the value and the rule in err. */
int user_body_parse(const json_t *body, user_body_t *out, char *err, size_t errlen);

/* PATCH /organizations/users/{id} (beyond.md §4): firstName, lastName,
 * botName ("" = back to the default), dealsEnabled, roleUUID, teamsToAdd
 * [{uuid, primary?}], teamUUIDsToRemove [uuid], seat_type. */
typedef struct user_patch {
    const char *first_name, *last_name, *bot_name; /* NULL: unchanged */
    int deals_enabled;                  /* -1: unchanged */
    const char *role_uuid;              /* lowercase, or NULL */
    const char *seat_type;
    const char *add[USER_TEAMS_MAX];
    size_t n_add;
    const char *primary;                /* the teamsToAdd entry with primary: true, or NULL */
    const char *remove[USER_TEAMS_MAX];
    size_t n_remove;
    uuid_str_t add_buf[USER_TEAMS_MAX], remove_buf[USER_TEAMS_MAX], role_uuid_buf;
} user_patch_t;

/* Validates a PATCH body: an object with at least one of the members above
 * (not null); names and botName strings <= 255 bytes; dealsEnabled a
 * boolean; roleUUID a UUID; teamsToAdd as `teams` of user_body_parse (but
 * may be empty) and teamUUIDsToRemove an array of <= USER_TEAMS_MAX UUIDs,
 * no team in both; seat_type "listener" or "recording". Unknown members are
 * ignored. Returns 0, or -1 with the reason in err. */
int user_patch_parse(const json_t *body, user_patch_t *out, char *err, size_t errlen);

/* POST /organizations/teams: name (required, user_name_ok) and
 * parentTeamUUID (optional UUID). Same conventions as user_body_parse. */
typedef struct team_body {
    const char *name;
    const char *parent_uuid;            /* lowercase, or NULL */
    uuid_str_t parent_buf;
} team_body_t;
int team_body_parse(const json_t *body, team_body_t *out, char *err, size_t errlen);

/* PATCH /organizations/teams/{id}: name (user_name_ok) and parentTeamUUID (a
 * UUID; null or "" moves the team to the top), at least one of them. */
typedef struct team_patch {
    const char *name;                   /* NULL: unchanged */
    const char *parent_uuid;            /* NULL: unchanged; "": no parent; else lowercase */
    uuid_str_t parent_buf;
} team_patch_t;
int team_patch_parse(const json_t *body, team_patch_t *out, char *err, size_t errlen);

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
