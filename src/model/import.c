/* import.c - validation of a POST /conversations/import body into a new conversation (spec §4.2). */
#include "model/import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/json_arena.h"
#include "lib/jsonw.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "model/transcript.h"

#define IMPORT_URL_MAX 2048
#define IMPORT_EXTERNAL_ID_MAX 255
#define IMPORT_APP_NAME_MAX 255
#define IMPORT_TITLE_MAX 500
#define IMPORT_DEFAULT_TITLE "Imported conversation"

/* Number of UTF-8 code points in s[0..n) (input is valid UTF-8: jansson checked). */
static size_t imp_utf8_len(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* Looks up an optional member: returns it, or NULL when absent or JSON null. */
static json_t *imp_opt(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return (v && !json_is_null(v)) ? v : NULL;
}

/* Optional string member of at most max code points (0 = no limit). Returns
 * 0 with *out borrowed from the JSON (NULL when absent), or -1 with a message. */
static int imp_opt_string(const json_t *obj, const char *key, size_t max, const char **out, char *err,
                          size_t errlen)
{
    json_t *v = imp_opt(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string", key);
    if (max && imp_utf8_len(json_string_value(v), json_string_length(v)) > max)
        return str_fail(err, errlen, "%s must be at most %zu characters", key, max);
    *out = json_string_value(v);
    return 0;
}

/* Optional boolean member. Returns 0 or -1 with a message naming it. */
static int imp_opt_bool(const json_t *obj, const char *key, char *err, size_t errlen)
{
    json_t *v = imp_opt(obj, key);
    if (v && !json_is_boolean(v))
        return str_fail(err, errlen, "%s must be a boolean", key);
    return 0;
}

/* True when url is http:// or https:// (scheme case-insensitive) followed by
 * a non-empty host, with no whitespace or control characters anywhere. */
static bool imp_url_ok(const char *url)
{
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    const char *auth = url + skip;
    size_t alen = strcspn(auth, "/?#");
    /* host is what follows the last '@' of the authority, up to a port */
    const char *host = auth;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            host = auth + i + 1;
    size_t hlen = (size_t)(auth + alen - host);
    if (hlen > 0 && host[0] == '[') /* IPv6 literal */
        return hlen > 2 && memchr(host, ']', hlen) != NULL;
    const char *colon = memchr(host, ':', hlen);
    if (colon)
        hlen = (size_t)(colon - host);
    return hlen > 0;
}

/* Copies the writer's buffer into the arena and frees the buffer. Returns NULL on OOM. */
static const char *imp_finish(arena_t *a, jsonw_t *w, buf_t *b)
{
    const char *r = (w->err || b->oom || !b->data) ? NULL : arena_strndup(a, b->data, b->len);
    buf_free(b);
    return r;
}

/* Validates headers: an array of {key: string, value: string}. Contents are not kept. */
static int imp_headers(const json_t *root, char *err, size_t errlen)
{
    json_t *h = imp_opt(root, "headers");
    size_t i;
    json_t *e;
    if (!h)
        return 0;
    if (!json_is_array(h))
        return str_fail(err, errlen, "headers must be an array");
    json_array_foreach(h, i, e) {
        if (!json_is_object(e))
            return str_fail(err, errlen, "headers[%zu] must be an object", i);
        if (!json_is_string(json_object_get(e, "key")))
            return str_fail(err, errlen, "headers[%zu].key must be a string", i);
        if (!json_is_string(json_object_get(e, "value")))
            return str_fail(err, errlen, "headers[%zu].value must be a string", i);
    }
    return 0;
}

/* Validates linkedCrmRecords (objects with string id and code, kept as given)
 * and stores its compact form in c. Returns 0 or -1. */
static int imp_crm(arena_t *a, const json_t *root, conv_t *c, char *err, size_t errlen)
{
    json_t *l = imp_opt(root, "linkedCrmRecords");
    size_t i;
    json_t *e;
    c->linked_crm_json = "[]";
    if (!l)
        return 0;
    if (!json_is_array(l))
        return str_fail(err, errlen, "linkedCrmRecords must be an array");
    json_array_foreach(l, i, e) {
        if (!json_is_object(e))
            return str_fail(err, errlen, "linkedCrmRecords[%zu] must be an object", i);
        if (!json_is_string(json_object_get(e, "id")))
            return str_fail(err, errlen, "linkedCrmRecords[%zu].id must be a string", i);
        if (!json_is_string(json_object_get(e, "code")))
            return str_fail(err, errlen, "linkedCrmRecords[%zu].code must be a string", i);
    }
    if (!(c->linked_crm_json = json_arena_dumps(a, l, JSON_COMPACT | JSON_ENCODE_ANY)))
        return str_fail(err, errlen, "out of memory");
    return 0;
}

/* Validates externalMetadata and writes participants_json (everyone) and
 * participants_ext_json (without accessType "Internal", case-insensitive),
 * each [{id,email,name,organizer}] as real responses have them (beyond.md
 * §0): an external participant's id is its email, an internal one gets a new
 * UUID. *participants receives the
 * borrowed participants array (or NULL) and *extra the borrowed extra object
 * (or NULL). Returns 0 or -1. */
static int imp_participants(arena_t *a, const json_t *root, conv_t *c, const json_t **participants,
                            const json_t **extra, char *err, size_t errlen)
{
    json_t *md = imp_opt(root, "externalMetadata");
    json_t *list = NULL;
    *participants = NULL;
    *extra = NULL;
    c->participants_json = "[]";
    c->participants_ext_json = "[]";
    if (!md)
        return 0;
    if (!json_is_object(md))
        return str_fail(err, errlen, "externalMetadata must be an object");
    json_t *x = imp_opt(md, "extra");
    if (x && !json_is_object(x))
        return str_fail(err, errlen, "externalMetadata.extra must be an object");
    *extra = x;
    list = imp_opt(md, "participants");
    if (!list)
        return 0;
    if (!json_is_array(list))
        return str_fail(err, errlen, "externalMetadata.participants must be an array");
    *participants = list;

    buf_t all, ext; /* owned here; moved into the arena by imp_finish */
    jsonw_t wa, we;
    buf_init(&all);
    buf_init(&ext);
    jsonw_init(&wa, &all);
    jsonw_init(&we, &ext);
    jsonw_arr_begin(&wa);
    jsonw_arr_begin(&we);
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        static const char *const skeys[3] = {"email", "name", "accessType"};
        const char *sv[3];
        if (!json_is_object(p)) {
            buf_free(&all);
            buf_free(&ext);
            return str_fail(err, errlen, "externalMetadata.participants[%zu] must be an object", i);
        }
        for (int k = 0; k < 3; k++) {
            json_t *v = imp_opt(p, skeys[k]);
            if (v && !json_is_string(v)) {
                buf_free(&all);
                buf_free(&ext);
                return str_fail(err, errlen, "externalMetadata.participants[%zu].%s must be a string", i,
                                skeys[k]);
            }
            sv[k] = v ? json_string_value(v) : "";
        }
        json_t *org = imp_opt(p, "organizer");
        if (org && !json_is_boolean(org)) {
            buf_free(&all);
            buf_free(&ext);
            return str_fail(err, errlen, "externalMetadata.participants[%zu].organizer must be a boolean", i);
        }
        bool internal = strcasecmp(sv[2], "Internal") == 0;
        uuid_str_t id;
        if (internal)
            uuid_v7(id);
        for (int k = 0; k < (internal ? 1 : 2); k++) {
            jsonw_t *w = k == 0 ? &wa : &we;
            jsonw_obj_begin(w);
            jsonw_kv_string(w, "id", internal ? id : sv[0]);
            jsonw_kv_string(w, "email", sv[0]);
            jsonw_kv_string(w, "name", sv[1]);
            jsonw_kv_bool(w, "organizer", org ? json_is_true(org) : false);
            jsonw_obj_end(w);
        }
    }
    jsonw_arr_end(&wa);
    jsonw_arr_end(&we);
    c->participants_json = imp_finish(a, &wa, &all);
    c->participants_ext_json = imp_finish(a, &we, &ext);
    if (!c->participants_json || !c->participants_ext_json)
        return str_fail(err, errlen, "out of memory");
    return 0;
}

/* Writes import_metadata_json: {"applicationName","mediaURL","extra"} (extra
 * only when externalMetadata.extra is an object). Returns 0 or -1 on OOM. */
static int imp_metadata(arena_t *a, conv_t *c, const char *media_url, const json_t *extra, char *err,
                        size_t errlen)
{
    buf_t b; /* owned here; moved into the arena by imp_finish */
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "applicationName", c->application_name);
    jsonw_kv_string(&w, "mediaURL", media_url);
    if (extra) {
        const char *s = json_arena_dumps(a, extra, JSON_COMPACT); /* owned by a */
        if (!s) {
            buf_free(&b);
            return str_fail(err, errlen, "out of memory");
        }
        jsonw_kv_raw(&w, "extra", s, "{}");
    }
    jsonw_obj_end(&w);
    if (!(c->import_metadata_json = imp_finish(a, &w, &b)))
        return str_fail(err, errlen, "out of memory");
    return 0;
}

int import_build(arena_t *a, const json_t *root, int64_t now, conv_t *c, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 8];
    const char *s;

    if (!json_is_object(root))
        return str_fail(err, errlen, "the body must be a JSON object");

    /* keep what the caller owns, reset everything else */
    conv_t keep = *c;
    memset(c, 0, sizeof *c);
    memcpy(c->org_uuid, keep.org_uuid, sizeof c->org_uuid);
    memcpy(c->team_uuid, keep.team_uuid, sizeof c->team_uuid);
    c->user_email = keep.user_email;
    c->user_first_name = keep.user_first_name;
    c->user_last_name = keep.user_last_name;
    c->user_transcript_lang = keep.user_transcript_lang;

    /* mediaURL */
    json_t *v = json_object_get(root, "mediaURL");
    if (!v || json_is_null(v))
        return str_fail(err, errlen, "mediaURL is required");
    if (!json_is_string(v))
        return str_fail(err, errlen, "mediaURL must be a string");
    const char *media_url = json_string_value(v);
    if (json_string_length(v) > IMPORT_URL_MAX)
        return str_fail(err, errlen, "mediaURL must be at most %d characters", IMPORT_URL_MAX);
    if (strlen(media_url) != json_string_length(v) || !imp_url_ok(media_url))
        return str_fail(err, errlen, "mediaURL must be an http or https URL with a host, got \"%s\"",
                        str_shown(media_url, shown, sizeof shown));

    /* userID */
    v = json_object_get(root, "userID");
    if (!v || json_is_null(v))
        return str_fail(err, errlen, "userID is required");
    if (!json_is_string(v))
        return str_fail(err, errlen, "userID must be a string");
    if (!uuid_parse(json_string_value(v), c->user_uuid))
        return str_fail(err, errlen, "userID must be a UUID, got \"%s\"",
                        str_shown(json_string_value(v), shown, sizeof shown));

    /* application fields */
    if (imp_opt_string(root, "applicationName", IMPORT_APP_NAME_MAX, &s, err, errlen) != 0)
        return -1;
    c->application_name = arena_strdup(a, s ? s : "");
    if (imp_opt_string(root, "applicationExternalID", IMPORT_EXTERNAL_ID_MAX, &s, err, errlen) != 0)
        return -1;
    c->external_id = (s && *s) ? arena_strdup(a, s) : NULL; /* "" means none: it is a unique key */
    if (!c->application_name || (s && *s && !c->external_id))
        return str_fail(err, errlen, "out of memory");

    /* title */
    if (imp_opt_string(root, "conversationTitle", IMPORT_TITLE_MAX, &s, err, errlen) != 0)
        return -1;
    if (!(c->title = arena_strdup(a, (s && *s) ? s : IMPORT_DEFAULT_TITLE)))
        return str_fail(err, errlen, "out of memory");

    /* conversationStartedAt */
    if (imp_opt_string(root, "conversationStartedAt", 0, &s, err, errlen) != 0)
        return -1;
    c->created_at = now;
    if (s) {
        int64_t t;
        if (ptime_parse_ms(s, &t) != 0)
            return str_fail(err, errlen, "conversationStartedAt must be an RFC 3339 time, got \"%s\"",
                            str_shown(s, shown, sizeof shown));
        if (t <= 0)
            return str_fail(err, errlen, "conversationStartedAt must be after 1970-01-01T00:00:00Z, got \"%s\"",
                            str_shown(s, shown, sizeof shown));
        c->created_at = t;
    }

    if (imp_headers(root, err, errlen) != 0)
        return -1;

    /* opportunityID → externalOpportunity */
    if (imp_opt_string(root, "opportunityID", 0, &s, err, errlen) != 0)
        return -1;
    c->external_opportunity_json = "{}";
    if (s && *s) {
        buf_t b; /* owned here; moved into the arena by imp_finish */
        jsonw_t w;
        buf_init(&b);
        jsonw_init(&w, &b);
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "uuid", s);
        jsonw_kv_string(&w, "title", "");
        jsonw_obj_end(&w);
        if (!(c->external_opportunity_json = imp_finish(a, &w, &b)))
            return str_fail(err, errlen, "out of memory");
    }

    if (imp_crm(a, root, c, err, errlen) != 0)
        return -1;
    if (imp_opt_bool(root, "skipScorecardCalculation", err, errlen) != 0 ||
        imp_opt_bool(root, "skipCRMFieldsCalculation", err, errlen) != 0 ||
        imp_opt_bool(root, "skipOpportunitiesExport", err, errlen) != 0)
        return -1;
    v = imp_opt(root, "transcriptionSettings");
    if (v && !json_is_object(v))
        return str_fail(err, errlen, "transcriptionSettings must be an object");

    const json_t *participants, *extra;
    if (imp_participants(a, root, c, &participants, &extra, err, errlen) != 0)
        return -1;

    transcript_out_t tr;
    if (transcript_build(a, json_object_get(root, "transcript"), participants, &tr, err, errlen) != 0)
        return -1;
    c->transcript_v1_json = tr.v1_json;
    c->transcript_v2_json = tr.v2_json;

    if (imp_metadata(a, c, media_url, extra, err, errlen) != 0)
        return -1;

    /* everything else: fixed values and documented empty defaults */
    uuid_v7(c->uuid);
    bool has_transcript = tr.segments > 0;
    c->is_empty = !has_transcript;
    c->import_status = has_transcript ? "FINISHED" : "PENDING";
    c->transcript_status = has_transcript ? "COMPLETED" : "PENDING";
    c->video_status = "PENDING";
    c->media_storage_status = "PENDING";
    c->crm_export_status = "NONE";
    c->referenceable = true;
    c->is_private = false;
    c->is_internal = false;
    c->archived = false;
    c->media_duration = tr.last_end;
    c->video_uid = "";
    c->deal_uuid = "";
    c->email_template_id = "";
    c->ext_intel_opp_id = "";
    c->zoom_url = c->gmeet_url = c->teams_url = c->webex_url = "";
    c->attendees_json = "[]";
    c->bots_json = "[]";
    c->boards_json = "[]";
    c->talktracks_json = "[]";
    c->scorecards_json = "[]";
    c->zoom_metadata_json = "{}";
    c->external_accounts_json = "[]";
    c->external_contacts_json = "[]";
    c->extracted_intel_json = "{}";
    c->confirmed_intel_json = "{}";
    c->labels_json = "{}";
    c->label_tags_na_json = "[]";
    c->deprecated_label_categories_json = "[]";
    return 0;
}
