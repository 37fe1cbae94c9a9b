/* user.c - the User and Team resources of spec §5: their one renderer each, request bodies and list filters. */
#include "model/user.h"

#include <ctype.h>
#include <sodium.h>
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

void user_role_uuid(const char *org_uuid, const char *type, uuid_str_t out)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const unsigned char *)"parley-role:", 12);
    crypto_hash_sha256_update(&s, (const unsigned char *)org_uuid, strlen(org_uuid));
    crypto_hash_sha256_update(&s, (const unsigned char *)"/", 1);
    crypto_hash_sha256_update(&s, (const unsigned char *)type, strlen(type));
    crypto_hash_sha256_final(&s, h);
    h[6] = (unsigned char)((h[6] & 0x0F) | 0x80); /* version 8: custom */
    h[8] = (unsigned char)((h[8] & 0x3F) | 0x80); /* RFC 9562 variant */
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[h[i] >> 4];
        *o++ = hex[h[i] & 15];
    }
    *o = '\0';
}

void user_render(jsonw_t *w, const store_user_t *u, const team_set_t *teams, const team_set_t *all)
{
    bool admin = strcmp(u->role, "admin") == 0;
    const char *type = admin ? "admin" : "member";
    uuid_str_t role_id;
    user_role_uuid(u->org_uuid, type, role_id);

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
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", role_id);
    jsonw_kv_string(w, "name", admin ? "Admin" : "Member");
    jsonw_kv_string(w, "type", type);
    jsonw_obj_end(w);
    jsonw_arr_end(w);
    jsonw_key(w, "teams");
    jsonw_arr_begin(w);
    for (size_t i = 0; teams && i < teams->n; i++)
        team_render(w, &teams->v[i], all);
    jsonw_arr_end(w);
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
    if (user_opt_string(body, "firstName", USER_PERSON_NAME_MAX, &out->first_name, err, errlen) != 0 ||
        user_opt_string(body, "lastName", USER_PERSON_NAME_MAX, &out->last_name, err, errlen) != 0 ||
        user_opt_uuid(body, "teamUUID", out->team_buf, &out->team_uuid, err, errlen) != 0)
        return -1;
    const char *role;
    if (user_opt_string(body, "role", 64, &role, err, errlen) != 0)
        return -1;
    if (role) {
        if (strcasecmp(role, "admin") != 0 && strcasecmp(role, "member") != 0) {
            char shown[STR_SHOWN_MAX + 4];
            return str_fail(err, errlen, "role must be \"member\" or \"admin\", got \"%s\"",
                             str_shown(role, shown, sizeof shown));
        }
        snprintf(out->role_buf, sizeof out->role_buf, "%s", tolower((unsigned char)role[0]) == 'a' ? "admin" : "member");
        out->role = out->role_buf;
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
