/* user.c - the User and Team resources of spec §5: their one renderer each, request bodies and list filters. */
#include "model/user.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/strutil.h"

/* Number of UTF-8 characters in s (continuation bytes not counted). */
static size_t user_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* ---- rendering ---------------------------------------------------------------- */

void team_render(jsonw_t *w, const store_team_t *t, const team_set_t *all)
{
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", t->uuid);
    jsonw_kv_string(w, "name", t->name);
    jsonw_kv_string(w, "domain", t->domain);
    jsonw_kv_string(w, "parentTeamUUID", t->parent_uuid);
    jsonw_kv_string(w, "organizationUUID", t->org_uuid);
    jsonw_key(w, "children");
    jsonw_arr_begin(w);
    for (size_t i = 0; all && i < all->n; i++)
        if (strcmp(all->v[i].parent_uuid, t->uuid) == 0)
            jsonw_string(w, all->v[i].uuid);
    jsonw_arr_end(w);
    jsonw_obj_end(w);
}

const user_role_t user_roles[USER_ROLES] = {
    {"admin", "ADMIN", "Admin"},
    {"manager", "MANAGER", "Manager"},
    {"member", "SALES_REP", "Sales Representative"},
};

const user_role_t *user_role_of(const char *stored)
{
    for (int i = 0; i < USER_ROLES; i++)
        if (stored && strcmp(stored, user_roles[i].stored) == 0)
            return &user_roles[i];
    return &user_roles[USER_ROLES - 1];
}

const user_role_t *user_role_by_uuid(const char *org_uuid, const char *role_uuid)
{
    for (int i = 0; i < USER_ROLES; i++) {
        uuid_str_t id;
        user_role_uuid(org_uuid, user_roles[i].stored, id);
        if (strcmp(id, role_uuid) == 0)
            return &user_roles[i];
    }
    return NULL;
}

void user_role_uuid(const char *org_uuid, const char *stored, uuid_str_t out)
{
    const char *parts[] = {"parley-role:", org_uuid, "/", stored};
    uuid_v8_name(parts, 4, out);
}

void user_role_render(jsonw_t *w, const char *org_uuid, const user_role_t *role)
{
    uuid_str_t id;
    user_role_uuid(org_uuid, role->stored, id);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", id);
    jsonw_kv_string(w, "name", role->name);
    jsonw_kv_string(w, "type", role->type);
    jsonw_obj_end(w);
}

const char *user_bot_name(const store_user_t *u, char *out, size_t n)
{
    if (u->bot_name[0])
        snprintf(out, n, "%s", u->bot_name);
    else if (u->first_name[0])
        snprintf(out, n, "%s's Notetaker", u->first_name);
    else
        snprintf(out, n, "Notetaker");
    return out;
}

void user_render(jsonw_t *w, const store_user_t *u, const team_set_t *teams, const team_set_t *all)
{
    char bot[sizeof u->first_name + 16];
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", u->uuid);
    jsonw_kv_string(w, "email", u->email);
    jsonw_kv_string(w, "firstName", u->first_name);
    jsonw_kv_string(w, "lastName", u->last_name);
    jsonw_kv_time(w, "createdAt", u->created_at);
    jsonw_kv_string(w, "transcriptLang", u->transcript_lang);
    jsonw_kv_string(w, "primaryTeamUUID", u->primary_team_uuid);
    jsonw_key(w, "roles");
    jsonw_arr_begin(w);
    user_role_render(w, u->org_uuid, user_role_of(u->role));
    jsonw_arr_end(w);
    jsonw_key(w, "teams");
    jsonw_arr_begin(w);
    for (size_t i = 0; teams && i < teams->n; i++)
        team_render(w, &teams->v[i], all);
    jsonw_arr_end(w);
    jsonw_kv_string(w, "botName", user_bot_name(u, bot, sizeof bot));
    jsonw_key(w, "settings");
    jsonw_obj_begin(w);
    jsonw_kv_bool(w, "dealsEnabled", u->deals_enabled);
    jsonw_kv_string(w, "seat_type", u->seat_type[0] ? u->seat_type : "recording");
    jsonw_obj_end(w);
    jsonw_obj_end(w);
}

/* ---- validation ----------------------------------------------------------------- */

bool user_email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    if (!at || at == e || !at[1] || strchr(at + 1, '@') || strlen(e) > USER_EMAIL_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)e; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || strchr("<>\",", *p))
            return false;
    return true;
}

bool user_name_ok(const char *s)
{
    size_t chars = user_utf8_len(s);
    return chars >= 1 && chars <= USER_NAME_MAX_CHARS && strlen(s) <= USER_NAME_MAX_BYTES;
}

/* Member key of obj, or NULL when absent or JSON null. */
static json_t *user_opt(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

/* Optional string member: *out = its value or NULL. -1 (message in err) when
 * it is not a string or longer than max bytes. */
static int user_opt_string(const json_t *obj, const char *key, size_t max, const char **out, char *err,
                           size_t errlen)
{
    json_t *v = user_opt(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string", key);
    if (json_string_length(v) > max)
        return str_fail(err, errlen, "%s must be at most %zu bytes long, got %zu", key, max, json_string_length(v));
    if (strlen(json_string_value(v)) != json_string_length(v))
        return str_fail(err, errlen, "%s must not contain NUL characters", key);
    *out = json_string_value(v);
    return 0;
}

/* Optional UUID member: lowercase form into buf and *out = buf, or NULL. */
static int user_opt_uuid(const json_t *obj, const char *key, uuid_str_t buf, const char **out, char *err,
                         size_t errlen)
{
    const char *s;
    if (user_opt_string(obj, key, 64, &s, err, errlen) != 0) {
        if (json_is_string(json_object_get(obj, key))) /* too long: still "not a UUID" */
            return str_fail(err, errlen, "%s must be a UUID, got a %zu-byte string", key,
                             json_string_length(json_object_get(obj, key)));
        return -1;
    }
    *out = NULL;
    if (!s)
        return 0;
    if (!uuid_parse(s, buf)) {
        char shown[STR_SHOWN_MAX + 4];
        return str_fail(err, errlen, "%s must be a UUID, got \"%s\"", key, str_shown(s, shown, sizeof shown));
    }
    *out = buf;
    return 0;
}

int user_name_member(const json_t *obj, const char *key, const char **out, char *err, size_t errlen)
{
    json_t *v = user_opt(obj, key);
    if (!v)
        return str_fail(err, errlen, "%s is required", key);
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string", key);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return str_fail(err, errlen, "%s must not contain NUL characters", key);
    if (!user_name_ok(s))
        return str_fail(err, errlen, "%s must be 1 to %d characters (at most %d bytes) long, got %zu characters", key,
                         USER_NAME_MAX_CHARS, USER_NAME_MAX_BYTES, user_utf8_len(s));
    *out = s;
    return 0;
}

/* The member of obj spelled a or b (documented snake_case or camelCase), into
 * *key (the spelling found) and the return value; NULL when neither is given
 * (or both are null). -1 in *bad (message in err) when both are given. */
static json_t *user_either(const json_t *obj, const char *a, const char *b, const char **key, int *bad, char *err,
                           size_t errlen)
{
    json_t *va = user_opt(obj, a), *vb = user_opt(obj, b);
    *bad = 0;
    if (va && vb) {
        *bad = str_fail(err, errlen, "give %s or %s, not both", a, b);
        return NULL;
    }
    *key = va ? a : b;
    return va ? va : vb;
}

/* user_opt_string of whichever of a, b is given (both: -1). */
static int user_opt_string2(const json_t *obj, const char *a, const char *b, size_t max, const char **out, char *err,
                            size_t errlen)
{
    const char *key;
    int bad;
    *out = NULL;
    if (!user_either(obj, a, b, &key, &bad, err, errlen))
        return bad;
    return user_opt_string(obj, key, max, out, err, errlen);
}

/* seat_type: "listener" or "recording" into *out (static), or NULL when absent. */
static int user_seat_type(const json_t *obj, const char **out, char *err, size_t errlen)
{
    const char *s;
    if (user_opt_string(obj, "seat_type", 64, &s, err, errlen) != 0)
        return -1;
    *out = NULL;
    if (!s)
        return 0;
    if (strcmp(s, "listener") != 0 && strcmp(s, "recording") != 0) {
        char shown[STR_SHOWN_MAX + 4];
        return str_fail(err, errlen, "seat_type must be \"listener\" or \"recording\", got \"%s\"",
                        str_shown(s, shown, sizeof shown));
    }
    *out = strcmp(s, "listener") == 0 ? "listener" : "recording";
    return 0;
}

/* Element i of array key (named "key[i]" in messages) as a UUID into buf.
 * -1 with a message when it is not one. */
static int user_uuid_at(const json_t *v, const char *name, size_t i, uuid_str_t buf, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 4];
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s[%zu] must be a UUID string", name, i);
    if (json_string_length(v) > 64 || !uuid_parse(json_string_value(v), buf))
        return str_fail(err, errlen, "%s[%zu] must be a UUID, got \"%s\"", name, i,
                        str_shown(json_string_value(v), shown, sizeof shown));
    return 0;
}

/* A `teams` / `teamsToAdd` array: [{uuid, primary?}], at most
 * USER_TEAMS_MAX, no uuid twice, at most one primary. The uuids go to
 * bufs/out[] (*n), the primary one to *primary (NULL when none). */
static int user_teams_array(const json_t *arr, const char *name, uuid_str_t *bufs, const char **out, size_t *n,
                            const char **primary, char *err, size_t errlen)
{
    *n = 0;
    *primary = NULL;
    if (!json_is_array(arr))
        return str_fail(err, errlen, "%s must be an array of {uuid, primary}", name);
    if (json_array_size(arr) > USER_TEAMS_MAX)
        return str_fail(err, errlen, "%s has %zu entries; the limit is %d", name, json_array_size(arr), USER_TEAMS_MAX);
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t) {
        if (!json_is_object(t))
            return str_fail(err, errlen, "%s[%zu] must be an object {uuid, primary}", name, i);
        json_t *u = user_opt(t, "uuid");
        if (!u)
            return str_fail(err, errlen, "%s[%zu].uuid is required", name, i);
        char at[64];
        snprintf(at, sizeof at, "%s[%zu].uuid", name, i);
        if (!json_is_string(u) || json_string_length(u) > 64 || !uuid_parse(json_string_value(u), bufs[i])) {
            char shown[STR_SHOWN_MAX + 4];
            return str_fail(err, errlen, "%s must be a UUID, got %s%s%s", at, json_is_string(u) ? "\"" : "a non-string",
                            json_is_string(u) ? str_shown(json_string_value(u), shown, sizeof shown) : "",
                            json_is_string(u) ? "\"" : "");
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(bufs[k], bufs[i]) == 0)
                return str_fail(err, errlen, "%s[%zu].uuid repeats %s[%zu].uuid (%s)", name, i, name, k, bufs[i]);
        json_t *p = user_opt(t, "primary");
        if (p && !json_is_boolean(p))
            return str_fail(err, errlen, "%s[%zu].primary must be a boolean", name, i);
        if (p && json_is_true(p)) {
            if (*primary)
                return str_fail(err, errlen, "%s: only one team can be primary, got %s and %s", name, *primary,
                                bufs[i]);
            *primary = bufs[i];
        }
        out[i] = bufs[i];
        *n = i + 1;
    }
    return 0;
}

int user_body_parse(const json_t *body, user_body_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return str_fail(err, errlen, "the request body must be a JSON object");
    json_t *e = user_opt(body, "email");
    if (!e)
        return str_fail(err, errlen, "email is required");
    if (!json_is_string(e))
        return str_fail(err, errlen, "email must be a string");
    const char *email = json_string_value(e);
    if (strlen(email) != json_string_length(e) || !user_email_ok(email)) {
        char shown[STR_SHOWN_MAX + 4];
        return str_fail(err, errlen, "email must be an email address (one @, no spaces, at most %d bytes), got \"%s\"",
                        USER_EMAIL_MAX, str_shown(email, shown, sizeof shown));
    }
    out->email = email;
    if (user_opt_string2(body, "first_name", "firstName", USER_PERSON_NAME_MAX, &out->first_name, err, errlen) != 0 ||
        user_opt_string2(body, "last_name", "lastName", USER_PERSON_NAME_MAX, &out->last_name, err, errlen) != 0 ||
        user_seat_type(body, &out->seat_type, err, errlen) != 0)
        return -1;
    const char *key;
    int bad;
    /* teams: the documented form; teamUUID: the camelCase one */
    if (!user_either(body, "teams", "teamUUID", &key, &bad, err, errlen)) {
        if (bad)
            return -1;
    } else if (strcmp(key, "teams") == 0) {
        const char *all[USER_TEAMS_MAX], *primary;
        size_t n;
        if (user_teams_array(json_object_get(body, "teams"), "teams", out->teams_buf, all, &n, &primary, err,
                             errlen) != 0)
            return -1;
        if (n == 0)
            return str_fail(err, errlen, "teams must name at least one team");
        out->team_uuid = primary ? primary : all[0];
        for (size_t i = 0; i < n; i++)
            if (all[i] != out->team_uuid)
                out->more_teams[out->n_more_teams++] = all[i];
    } else if (user_opt_uuid(body, "teamUUID", out->team_buf, &out->team_uuid, err, errlen) != 0) {
        return -1;
    }
    if (!user_either(body, "roleUUID", "role", &key, &bad, err, errlen)) {
        if (bad)
            return -1;
    } else if (strcmp(key, "roleUUID") == 0) {
        if (user_opt_uuid(body, "roleUUID", out->role_uuid_buf, &out->role_uuid, err, errlen) != 0)
            return -1;
    } else {
        const char *role;
        if (user_opt_string(body, "role", 64, &role, err, errlen) != 0)
            return -1;
        const char *stored = NULL;
        for (int i = 0; i < USER_ROLES; i++)
            if (strcasecmp(role, user_roles[i].stored) == 0)
                stored = user_roles[i].stored;
        if (!stored) {
            char shown[STR_SHOWN_MAX + 4];
            return str_fail(err, errlen, "role must be \"member\", \"manager\" or \"admin\", got \"%s\"",
                            str_shown(role, shown, sizeof shown));
        }
        snprintf(out->role_buf, sizeof out->role_buf, "%s", stored);
        out->role = out->role_buf;
    }
    const char *password;
    if (user_opt_string(body, "password", USER_PASSWORD_MAX, &password, err, errlen) != 0)
        return -1;
    if (password && !password[0])
        return str_fail(err, errlen, "password must not be empty");
    out->has_password = password != NULL;
    return 0;
}

int user_patch_parse(const json_t *body, user_patch_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->deals_enabled = -1;
    if (!json_is_object(body))
        return str_fail(err, errlen, "the request body must be a JSON object");
    static const char *const known[] = {"firstName", "lastName", "botName", "dealsEnabled", "roleUUID",
                                        "teamsToAdd", "teamUUIDsToRemove", "seat_type", NULL};
    bool any = false;
    for (const char *const *k = known; *k; k++)
        any = any || user_opt(body, *k);
    if (!any)
        return str_fail(err, errlen, "at least one of firstName, lastName, botName, dealsEnabled, roleUUID, "
                                     "teamsToAdd, teamUUIDsToRemove, seat_type is required");
    if (user_opt_string(body, "firstName", USER_PERSON_NAME_MAX, &out->first_name, err, errlen) != 0 ||
        user_opt_string(body, "lastName", USER_PERSON_NAME_MAX, &out->last_name, err, errlen) != 0 ||
        user_opt_string(body, "botName", USER_PERSON_NAME_MAX, &out->bot_name, err, errlen) != 0 ||
        user_opt_uuid(body, "roleUUID", out->role_uuid_buf, &out->role_uuid, err, errlen) != 0 ||
        user_seat_type(body, &out->seat_type, err, errlen) != 0)
        return -1;
    json_t *d = user_opt(body, "dealsEnabled");
    if (d && !json_is_boolean(d))
        return str_fail(err, errlen, "dealsEnabled must be a boolean");
    if (d)
        out->deals_enabled = json_is_true(d) ? 1 : 0;
    json_t *add = user_opt(body, "teamsToAdd");
    if (add && user_teams_array(add, "teamsToAdd", out->add_buf, out->add, &out->n_add, &out->primary, err,
                                errlen) != 0)
        return -1;
    json_t *rm = user_opt(body, "teamUUIDsToRemove");
    if (rm) {
        if (!json_is_array(rm))
            return str_fail(err, errlen, "teamUUIDsToRemove must be an array of team UUIDs");
        if (json_array_size(rm) > USER_TEAMS_MAX)
            return str_fail(err, errlen, "teamUUIDsToRemove has %zu entries; the limit is %d", json_array_size(rm),
                            USER_TEAMS_MAX);
        size_t i;
        json_t *v;
        json_array_foreach(rm, i, v) {
            if (user_uuid_at(v, "teamUUIDsToRemove", i, out->remove_buf[i], err, errlen) != 0)
                return -1;
            for (size_t k = 0; k < out->n_add; k++)
                if (strcmp(out->add[k], out->remove_buf[i]) == 0)
                    return str_fail(err, errlen, "team %s is both in teamsToAdd and in teamUUIDsToRemove",
                                    out->remove_buf[i]);
            out->remove[out->n_remove++] = out->remove_buf[i];
        }
    }
    return 0;
}

int team_body_parse(const json_t *body, team_body_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return str_fail(err, errlen, "the request body must be a JSON object");
    if (user_name_member(body, "name", &out->name, err, errlen) != 0)
        return -1;
    return user_opt_uuid(body, "parentTeamUUID", out->parent_buf, &out->parent_uuid, err, errlen);
}

int team_patch_parse(const json_t *body, team_patch_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return str_fail(err, errlen, "the request body must be a JSON object");
    json_t *parent = json_object_get(body, "parentTeamUUID"); /* null here means "no parent" */
    if (!user_opt(body, "name") && !parent)
        return str_fail(err, errlen, "at least one of name and parentTeamUUID is required");
    if (user_opt(body, "name") && user_name_member(body, "name", &out->name, err, errlen) != 0)
        return -1;
    if (parent && (json_is_null(parent) || (json_is_string(parent) && json_string_length(parent) == 0)))
        out->parent_uuid = "";
    else if (parent && user_opt_uuid(body, "parentTeamUUID", out->parent_buf, &out->parent_uuid, err, errlen) != 0)
        return -1;
    return 0;
}

/* ---- list filters ---------------------------------------------------------------- */

/* Reads array filter key from q into *v / *n; with uuids, every value must be
 * a UUID and is lowercased in place (arena copies). */
static int user_filter_list(arena_t *a, const query_t *q, const char *key, bool uuids, const char ***v, size_t *n,
                            char *err, size_t errlen)
{
    *v = query_get_all(a, q, key, n);
    if (!*v && query_has(q, key) && *n == 0)
        return 0; /* present but empty: no filter */
    for (size_t i = 0; uuids && i < *n; i++) {
        uuid_str_t u;
        if (!uuid_parse((*v)[i], u)) {
            char shown[STR_SHOWN_MAX + 4];
            return str_fail(err, errlen, "%s must be UUIDs, got \"%s\"", key, str_shown((*v)[i], shown, sizeof shown));
        }
        if (!((*v)[i] = arena_strdup(a, u)))
            return str_fail(err, errlen, "out of memory");
    }
    return 0;
}

int user_filter_parse(arena_t *a, const query_t *q, user_filter_t *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (user_filter_list(a, q, "filter[id]", true, &f->ids, &f->nids, err, errlen) != 0 ||
        user_filter_list(a, q, "filter[email]", false, &f->emails, &f->nemails, err, errlen) != 0 ||
        user_filter_list(a, q, "teamUUID", true, &f->teams, &f->nteams, err, errlen) != 0)
        return -1;
    return 0;
}

bool user_filter_match(const user_filter_t *f, const store_user_t *u, const team_set_t *teams)
{
    bool ok = f->nids == 0;
    for (size_t i = 0; !ok && i < f->nids; i++)
        ok = strcmp(f->ids[i], u->uuid) == 0;
    if (!ok)
        return false;
    ok = f->nemails == 0;
    for (size_t i = 0; !ok && i < f->nemails; i++)
        ok = strcasecmp(f->emails[i], u->email) == 0;
    if (!ok)
        return false;
    ok = f->nteams == 0;
    for (size_t i = 0; !ok && i < f->nteams; i++)
        for (size_t j = 0; !ok && teams && j < teams->n; j++)
            ok = strcmp(f->teams[i], teams->v[j].uuid) == 0;
    return ok;
}
