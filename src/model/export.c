/* export.c - the line format of `parley export` and `parley load` (spec §6): one conversation per line. */
#include "model/export.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/json_arena.h"
#include "lib/jspan.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "model/user.h"

int export_line_write(buf_t *b, const conv_t *c, const char *team_name)
{
    jsonw_t w;
    jsonw_init(&w, b);
    conv_render_opts_t ro = conv_render_opts_single();
    jsonw_obj_begin(&w);
    jsonw_key(&w, "conversation");
    conv_render(&w, c, &ro);
    jsonw_key(&w, "stored");
    jsonw_obj_begin(&w);
    jsonw_key(&w, "participants");
    conv_write_participants(&w, c);
    jsonw_kv_raw(&w, "importMetadata", c->import_metadata_json, "{}");
    jsonw_kv_raw(&w, "zoomMetadata", c->zoom_metadata_json, "{}");
    jsonw_key(&w, "transcriptText");
    conv_write_transcript_text(&w, c);
    jsonw_kv_string(&w, "applicationExternalID", c->external_id);
    jsonw_kv_string(&w, "applicationName", c->application_name);
    jsonw_obj_end(&w);
    if (c->team_uuid[0]) {
        jsonw_key(&w, "team");
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "uuid", c->team_uuid);
        jsonw_kv_string(&w, "name", team_name);
        jsonw_obj_end(&w);
    }
    jsonw_obj_end(&w);
    return b->oom || w.err ? -1 : 0;
}

/* ---- raw spans ----------------------------------------------------------------
 * The line was validated by jansson first, so lib/jspan only needs to find
 * where values start and end. */

/* The raw text of the value at path (NULL-terminated keys) as an arena
 * string, or NULL when absent (or OOM: *oom set). */
static const char *ex_raw(arena_t *a, const char *s, size_t n, const char *const *path, bool *oom)
{
    size_t pos = 0, end = n;
    for (; *path; path++) {
        size_t sub_end;
        if (!jspan_member(s, end, &pos, &sub_end, *path))
            return NULL;
        end = sub_end;
    }
    char *r = arena_strndup(a, s + pos, end - pos);
    if (!r)
        *oom = true;
    return r;
}

/* ---- parsing ------------------------------------------------------------------- */

typedef struct ex_ctx {
    arena_t *a;
    const char *line;
    size_t len;
    char *err;
    size_t errlen;
    bool oom;
} ex_ctx_t;

static int ex_fail(ex_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ex_fail(ex_ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Optional string member key of obj (prefix names obj in messages) copied
 * into the arena: *out = NULL when absent or null. */
static int ex_string(ex_ctx_t *x, const json_t *obj, const char *prefix, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return ex_fail(x, "%s%s must be a string", prefix, key);
    if (!(*out = arena_strndup(x->a, json_string_value(v), json_string_length(v))))
        x->oom = true;
    return 0;
}

/* Time attribute: "" or absent → 0; required ones must be non-empty. */
static int ex_time(ex_ctx_t *x, const json_t *attrs, const char *key, bool required, int64_t *out)
{
    const char *s;
    *out = 0;
    if (ex_string(x, attrs, "conversation.attributes.", key, &s) != 0)
        return -1;
    if (!s || !*s) {
        if (required)
            return ex_fail(x, "conversation.attributes.%s is required (an RFC 3339 time)", key);
        return 0;
    }
    if (ptime_parse_ms(s, out) != 0) {
        char shown[STR_SHOWN_MAX + 4];
        return ex_fail(x, "conversation.attributes.%s must be an RFC 3339 time%s, got \"%s\"", key,
                       required ? "" : " or \"\"", str_shown(s, shown, sizeof shown));
    }
    return 0;
}

static int ex_bool(ex_ctx_t *x, const json_t *attrs, const char *key, bool *out)
{
    json_t *v = json_object_get(attrs, key);
    *out = false;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return ex_fail(x, "conversation.attributes.%s must be a boolean", key);
    *out = json_is_true(v);
    return 0;
}

/* Status attribute: "" (or absent) or a member of its enum (valid()). */
static int ex_status(ex_ctx_t *x, const json_t *attrs, const char *key, bool (*valid)(const char *),
                     const char **out)
{
    if (ex_string(x, attrs, "conversation.attributes.", key, out) != 0)
        return -1;
    if (*out && **out && !valid(*out)) {
        char shown[STR_SHOWN_MAX + 4];
        return ex_fail(x, "conversation.attributes.%s is not a known status: \"%s\"", key,
                       str_shown(*out, shown, sizeof shown));
    }
    return 0;
}

/* A JSON fragment member: must be an array (want_array) or an object when
 * present; *out receives its exact bytes from the line (NULL when absent). */
static int ex_fragment(ex_ctx_t *x, const json_t *obj, const char *const *path, const char *shown_path,
                       bool want_array, const char **out)
{
    const char *last = ""; /* obj is the parent of the last path element */
    for (const char *const *p = path; *p; p++)
        last = *p;
    json_t *v = json_object_get(obj, last);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (want_array ? !json_is_array(v) : !json_is_object(v))
        return ex_fail(x, "%s must be a JSON %s", shown_path, want_array ? "array" : "object");
    *out = ex_raw(x->a, x->line, x->len, path, &x->oom);
    if (!*out && !x->oom)
        return ex_fail(x, "%s: cannot find it in the line (write keys without escapes)", shown_path);
    return 0;
}

/* The array/object attributes spliced into the resource, and their fields. */
typedef struct ex_frag {
    const char *attr;
    size_t off;     /* offset of the const char * field in conv_t */
    bool array;
} ex_frag_t;

#define EX_FRAG(a, f, arr) {a, offsetof(conv_t, f), arr}
static const ex_frag_t ex_frags[] = {
    EX_FRAG("participants", participants_ext_json, true),
    EX_FRAG("attendees", attendees_json, true),
    EX_FRAG("bots", bots_json, true),
    EX_FRAG("boards", boards_json, true),
    EX_FRAG("talktracks", talktracks_json, true),
    EX_FRAG("scorecardResults", scorecards_json, true),
    EX_FRAG("externalOpportunity", external_opportunity_json, false),
    EX_FRAG("linkedCrmRecords", linked_crm_json, true),
    EX_FRAG("externalAccounts", external_accounts_json, true),
    EX_FRAG("externalContacts", external_contacts_json, true),
    EX_FRAG("extractedIntelligence", extracted_intel_json, false),
    EX_FRAG("confirmedExtractedIntelligence", confirmed_intel_json, false),
    EX_FRAG("labels", labels_json, false),
    EX_FRAG("labelTagsToFilterIfNA", label_tags_na_json, true),
    EX_FRAG("deprecatedLabelCategories", deprecated_label_categories_json, true),
};

/* The plain string attributes and their fields. */
typedef struct ex_str {
    const char *attr;
    size_t off;
} ex_str_t;

#define EX_STR(a, f) {a, offsetof(conv_t, f)}
static const ex_str_t ex_strs[] = {
    EX_STR("title", title),
    EX_STR("dealUUID", deal_uuid),
    EX_STR("emailTemplateID", email_template_id),
    EX_STR("externalIntelligenceOpportunityID", ext_intel_opp_id),
    EX_STR("videoUID", video_uid),
    EX_STR("zoomMeetingJoinUrl", zoom_url),
    EX_STR("googleMeetJoinUrl", gmeet_url),
    EX_STR("microsoftTeamsJoinUrl", teams_url),
    EX_STR("webexJoinUrl", webex_url),
};

/* Identity, owner and team of the resource. */
static int ex_identity(ex_ctx_t *x, const json_t *res, const json_t *attrs, conv_t *c)
{
    json_t *type = json_object_get(res, "type");
    if (!json_is_string(type) || strcmp(json_string_value(type), "conversations") != 0)
        return ex_fail(x, "conversation.type must be \"conversations\"");
    json_t *id = json_object_get(res, "id");
    if (!json_is_string(id) || !uuid_parse(json_string_value(id), c->uuid))
        return ex_fail(x, "conversation.id must be a UUID");
    json_t *u = json_object_get(attrs, "uuid");
    uuid_str_t au;
    if (!json_is_string(u) || !uuid_parse(json_string_value(u), au) || strcmp(au, c->uuid) != 0)
        return ex_fail(x, "conversation.attributes.uuid must equal conversation.id (%s)", c->uuid);

    json_t *owner = json_object_get(attrs, "userUUID");
    if (!json_is_string(owner) || !uuid_parse(json_string_value(owner), c->user_uuid))
        return ex_fail(x, "conversation.attributes.userUUID must be a UUID");
    json_t *team = json_object_get(attrs, "teamUUID");
    if (team && !json_is_null(team)) {
        if (!json_is_string(team))
            return ex_fail(x, "conversation.attributes.teamUUID must be a UUID or \"\"");
        const char *t = json_string_value(team);
        if (*t && !uuid_parse(t, c->team_uuid))
            return ex_fail(x, "conversation.attributes.teamUUID must be a UUID or \"\"");
    }

    json_t *user = json_object_get(attrs, "user");
    if (!json_is_object(user))
        return ex_fail(x, "conversation.attributes.user must be an object (the owner)");
    json_t *uu = json_object_get(user, "uuid");
    uuid_str_t uid;
    if (!json_is_string(uu) || !uuid_parse(json_string_value(uu), uid) || strcmp(uid, c->user_uuid) != 0)
        return ex_fail(x, "conversation.attributes.user.uuid must equal userUUID (%s)", c->user_uuid);
    if (ex_string(x, user, "conversation.attributes.user.", "email", &c->user_email) != 0 ||
        ex_string(x, user, "conversation.attributes.user.", "firstName", &c->user_first_name) != 0 ||
        ex_string(x, user, "conversation.attributes.user.", "lastName", &c->user_last_name) != 0 ||
        ex_string(x, user, "conversation.attributes.user.", "transcriptLang", &c->user_transcript_lang) != 0)
        return -1;
    if (!c->user_email || !user_email_ok(c->user_email)) {
        char shown[STR_SHOWN_MAX + 4];
        return ex_fail(x, "conversation.attributes.user.email must be an email address, got \"%s\"",
                       str_shown(c->user_email ? c->user_email : "", shown, sizeof shown));
    }
    return 0;
}

/* "stored" and "team". */
static int ex_extras(ex_ctx_t *x, const json_t *root, export_line_t *out)
{
    conv_t *c = &out->conv;
    json_t *stored = json_object_get(root, "stored");
    if (stored && !json_is_object(stored))
        return ex_fail(x, "stored must be an object");
    if (stored) {
        static const char *const p_part[] = {"stored", "participants", NULL};
        static const char *const p_imp[] = {"stored", "importMetadata", NULL};
        static const char *const p_zoom[] = {"stored", "zoomMetadata", NULL};
        const char *transcript_text; /* checked, not kept: the list form derives from the transcript's v1 */
        if (ex_fragment(x, stored, p_part, "stored.participants", true, &c->participants_json) != 0 ||
            ex_fragment(x, stored, p_imp, "stored.importMetadata", false, &c->import_metadata_json) != 0 ||
            ex_fragment(x, stored, p_zoom, "stored.zoomMetadata", false, &c->zoom_metadata_json) != 0 ||
            ex_string(x, stored, "stored.", "transcriptText", &transcript_text) != 0 ||
            ex_string(x, stored, "stored.", "applicationExternalID", &c->external_id) != 0 ||
            ex_string(x, stored, "stored.", "applicationName", &c->application_name) != 0)
            return -1;
        if (c->external_id && !*c->external_id)
            c->external_id = NULL; /* "" = none */
    }
    if (!c->participants_json)
        c->participants_json = c->participants_ext_json; /* no internal participants recorded */

    json_t *team = json_object_get(root, "team");
    if (team && !json_is_null(team)) {
        if (!json_is_object(team))
            return ex_fail(x, "team must be an object {uuid, name}");
        json_t *tu = json_object_get(team, "uuid");
        uuid_str_t t;
        if (!json_is_string(tu) || !uuid_parse(json_string_value(tu), t) || strcmp(t, c->team_uuid) != 0)
            return ex_fail(x, "team.uuid must equal conversation.attributes.teamUUID (\"%s\")", c->team_uuid);
        if (ex_string(x, team, "team.", "name", &out->team_name) != 0)
            return -1;
        if (!out->team_name || !user_name_ok(out->team_name))
            return ex_fail(x, "team.name must be 1 to %d characters (at most %d bytes)", USER_NAME_MAX_CHARS,
                           USER_NAME_MAX_BYTES);
    }
    return 0;
}

/* Everything below the root, once jansson has parsed it. */
static int ex_parse(ex_ctx_t *x, const json_t *root, export_line_t *out)
{
    conv_t *c = &out->conv;
    if (!json_is_object(root))
        return ex_fail(x, "the line must be a JSON object {\"conversation\": …, \"stored\": …}");
    json_t *res = json_object_get(root, "conversation");
    if (!json_is_object(res))
        return ex_fail(x, "conversation is required (the resource as GET /v2/conversations/{id} returns it)");
    json_t *attrs = json_object_get(res, "attributes");
    if (!json_is_object(attrs))
        return ex_fail(x, "conversation.attributes must be an object");
    if (ex_identity(x, res, attrs, c) != 0)
        return -1;

    if (ex_time(x, attrs, "createdAt", true, &c->created_at) != 0 ||
        ex_time(x, attrs, "finishedAt", false, &c->finished_at) != 0 ||
        ex_time(x, attrs, "liveStreamStartedAt", false, &c->live_started_at) != 0 ||
        ex_time(x, attrs, "liveStreamEndedAt", false, &c->live_ended_at) != 0 ||
        ex_bool(x, attrs, "archived", &c->archived) != 0 || ex_bool(x, attrs, "referenceable", &c->referenceable) != 0 ||
        ex_bool(x, attrs, "private", &c->is_private) != 0 || ex_bool(x, attrs, "isInternal", &c->is_internal) != 0 ||
        ex_bool(x, attrs, "isEmpty", &c->is_empty) != 0)
        return -1;
    if (c->archived && json_object_get(attrs, "archivedAt") &&
        ex_time(x, attrs, "archivedAt", false, &c->archived_at) != 0)
        return -1;

    json_t *md = json_object_get(attrs, "mediaDuration");
    if (md) {
        if (!json_is_number(md) || json_number_value(md) < 0)
            return ex_fail(x, "conversation.attributes.mediaDuration must be a number >= 0");
        c->media_duration = json_number_value(md);
    }
    if (ex_status(x, attrs, "videoStatus", conv_media_status_valid, &c->video_status) != 0 ||
        ex_status(x, attrs, "mediaStorageStatus", conv_media_status_valid, &c->media_storage_status) != 0 ||
        ex_status(x, attrs, "transcriptStatus", conv_transcript_status_valid, &c->transcript_status) != 0 ||
        ex_status(x, attrs, "crmExportStatus", conv_crm_export_status_valid, &c->crm_export_status) != 0 ||
        ex_status(x, attrs, "importStatus", conv_import_status_valid, &c->import_status) != 0)
        return -1;
    for (size_t i = 0; i < sizeof ex_strs / sizeof ex_strs[0]; i++)
        if (ex_string(x, attrs, "conversation.attributes.", ex_strs[i].attr,
                      (const char **)((char *)c + ex_strs[i].off)) != 0)
            return -1;

    char shown[96];
    for (size_t i = 0; i < sizeof ex_frags / sizeof ex_frags[0]; i++) {
        const char *path[] = {"conversation", "attributes", ex_frags[i].attr, NULL};
        snprintf(shown, sizeof shown, "conversation.attributes.%s", ex_frags[i].attr);
        if (ex_fragment(x, attrs, path, shown, ex_frags[i].array, (const char **)((char *)c + ex_frags[i].off)) != 0)
            return -1;
    }

    json_t *tr = json_object_get(attrs, "transcript");
    if (tr && !json_is_object(tr))
        return ex_fail(x, "conversation.attributes.transcript must be an object {\"v1\"?, \"v2\"?} (the GET form)");
    if (tr) {
        static const char *const p_v1[] = {"conversation", "attributes", "transcript", "v1", NULL};
        static const char *const p_v2[] = {"conversation", "attributes", "transcript", "v2", NULL};
        if (ex_fragment(x, tr, p_v1, "conversation.attributes.transcript.v1", false, &c->transcript_v1_json) != 0 ||
            ex_fragment(x, tr, p_v2, "conversation.attributes.transcript.v2", false, &c->transcript_v2_json) != 0)
            return -1;
    }
    return ex_extras(x, root, out);
}

int export_line_parse(arena_t *a, const char *line, size_t len, export_line_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    ex_ctx_t x = {.a = a, .line = line, .len = len, .err = err, .errlen = errlen};
    json_error_t jerr;
    /* owned here; its nodes live in a (freed with the line's strings) */
    json_t *root = json_arena_loadb(a, line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "not valid JSON at column %d: %s", jerr.column, jerr.text);
        return -1;
    }
    int rc = ex_parse(&x, root, out);
    json_decref(root);
    if (rc == 0 && x.oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return rc;
}
