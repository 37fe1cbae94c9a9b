/* update.c - the conversation-change request bodies (spec §4): validated into a conv_update_t, applied to a conversation. */
#include "model/update.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json_arena.h"
#include "lib/json_merge.h"
#include "lib/strutil.h"
#include "model/scorecard.h"

/* Number of UTF-8 code points in s[0..n) (valid UTF-8: jansson checked it). */
static size_t upd_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* A member of obj, or NULL when absent or JSON null. */
static json_t *upd_opt(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return (v && !json_is_null(v)) ? v : NULL;
}

/* Starts *u: nothing changes. */
static void upd_init(conv_update_t *u)
{
    memset(u, 0, sizeof *u);
    u->privacy = CONV_PRIVACY_KEEP;
}

/* The body must be an object. Returns 0 or -1 (message). */
static int upd_object(const json_t *body, char *err, size_t errlen)
{
    if (!body || !json_is_object(body))
        return str_fail(err, errlen, "the request body must be a JSON object");
    return 0;
}

/* Validates a title value v (member name `name` for messages) and stores an
 * arena copy in u->title. */
static int upd_title_value(arena_t *a, const json_t *v, const char *name, conv_update_t *u, char *err, size_t errlen)
{
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string", name);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    size_t chars = upd_chars(s, n);
    if (chars < 1 || chars > UPDATE_TITLE_MAX)
        return str_fail(err, errlen, "%s must be 1 to %d characters long, got %zu", name, UPDATE_TITLE_MAX, chars);
    if (!(u->title = arena_strndup(a, s, n)))
        return str_fail(err, errlen, "out of memory");
    return 0;
}

/* Validates a labels value v (an object of at most UPDATE_LABELS_MAX string
 * values; keys 1..UPDATE_LABEL_KEY_MAX characters, values at most
 * UPDATE_LABEL_VALUE_MAX) and stores its compact form in u->labels_json. */
static int upd_labels_value(arena_t *a, const json_t *v, conv_update_t *u, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 8];
    if (!json_is_object(v))
        return str_fail(err, errlen, "labels must be an object of category name to string value");
    if (json_object_size(v) > UPDATE_LABELS_MAX)
        return str_fail(err, errlen, "labels must have at most %d categories, got %zu", UPDATE_LABELS_MAX,
                        json_object_size(v));
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        size_t kc = upd_chars(k, strlen(k));
        if (kc < 1 || kc > UPDATE_LABEL_KEY_MAX)
            return str_fail(err, errlen, "labels keys must be 1 to %d characters long, got %zu (\"%s\")",
                            UPDATE_LABEL_KEY_MAX, kc, str_shown(k, shown, sizeof shown));
        if (!json_is_string(x))
            return str_fail(err, errlen, "labels[\"%s\"] must be a string", str_shown(k, shown, sizeof shown));
        size_t vc = upd_chars(json_string_value(x), json_string_length(x));
        if (vc > UPDATE_LABEL_VALUE_MAX)
            return str_fail(err, errlen, "labels[\"%s\"] must be at most %d characters long, got %zu",
                            str_shown(k, shown, sizeof shown), UPDATE_LABEL_VALUE_MAX, vc);
    }
    if (!(u->labels_json = json_arena_dumps(a, v, JSON_COMPACT | JSON_ENCODE_ANY)))
        return str_fail(err, errlen, "out of memory");
    return 0;
}

/* Writes {"uuid":id,"title":""} into the arena as u->external_opportunity_json. */
static int upd_opportunity_json(arena_t *a, const char *id, conv_update_t *u, char *err, size_t errlen)
{
    json_t *o = json_pack("{s:s, s:s}", "uuid", id, "title", ""); /* owned here */
    if (!o)
        return str_fail(err, errlen, "out of memory");
    u->external_opportunity_json = json_arena_dumps(a, o, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(o);
    if (!u->external_opportunity_json)
        return str_fail(err, errlen, "out of memory");
    return 0;
}

/* Validates an opportunity id member (non-empty string of at most
 * UPDATE_OPPORTUNITY_MAX characters) and writes externalOpportunity. */
static int upd_opportunity(arena_t *a, const json_t *v, const char *name, conv_update_t *u, char *err, size_t errlen)
{
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string", name);
    size_t chars = upd_chars(json_string_value(v), json_string_length(v));
    if (chars < 1 || chars > UPDATE_OPPORTUNITY_MAX)
        return str_fail(err, errlen, "%s must be 1 to %d characters long, got %zu", name,
                        UPDATE_OPPORTUNITY_MAX, chars);
    return upd_opportunity_json(a, json_string_value(v), u, err, errlen);
}

int update_parse_conversation(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen)
{
    upd_init(u);
    if (upd_object(body, err, errlen) != 0)
        return -1;
    json_t *t = upd_opt(body, "title"), *l = upd_opt(body, "labels");
    if (!t && !l)
        return str_fail(err, errlen, "the body must contain title or labels (or both)");
    if (t && upd_title_value(a, t, "title", u, err, errlen) != 0)
        return -1;
    if (l && upd_labels_value(a, l, u, err, errlen) != 0)
        return -1;
    u->workflow_name = (t && l) ? "updated" : t ? "title_changed" : "labels_changed";
    return 0;
}

int update_parse_title(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen)
{
    upd_init(u);
    if (upd_object(body, err, errlen) != 0)
        return -1;
    json_t *t = upd_opt(body, "title");
    if (!t)
        return str_fail(err, errlen, "title is required");
    if (upd_title_value(a, t, "title", u, err, errlen) != 0)
        return -1;
    u->workflow_name = "title_changed";
    return 0;
}

int update_parse_labels(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen)
{
    upd_init(u);
    if (upd_object(body, err, errlen) != 0)
        return -1;
    json_t *l = upd_opt(body, "labels");
    if (!l)
        return str_fail(err, errlen, "labels is required");
    json_t *skip = upd_opt(body, "skip_analysis");
    if (skip && !json_is_boolean(skip))
        return str_fail(err, errlen, "skip_analysis must be a boolean");
    if (upd_labels_value(a, l, u, err, errlen) != 0)
        return -1;
    u->workflow_name = "labels_changed";
    return 0;
}

int update_parse_privacy(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen)
{
    (void)a;
    upd_init(u);
    u->workflow_name = "privacy_changed";
    u->privacy = CONV_PRIVACY_TOGGLE;
    if (!body)
        return 0;
    if (upd_object(body, err, errlen) != 0)
        return -1;
    json_t *p = upd_opt(body, "private");
    if (!p)
        return 0;
    if (!json_is_boolean(p))
        return str_fail(err, errlen, "private must be a boolean");
    u->privacy = json_is_true(p) ? CONV_PRIVACY_PRIVATE : CONV_PRIVACY_PUBLIC;
    return 0;
}

int update_parse_linked_crm(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen)
{
    upd_init(u);
    const json_t *l = body;
    if (body && json_is_object(body)) {
        l = upd_opt(body, "linkedCrmRecords");
        if (!l)
            return str_fail(err, errlen, "linkedCrmRecords is required");
    } else if (!body || !json_is_array(body)) {
        return str_fail(err, errlen, "the request body must be {\"linkedCrmRecords\":[…]} or an array");
    }
    if (!json_is_array(l))
        return str_fail(err, errlen, "linkedCrmRecords must be an array");
    if (json_array_size(l) > UPDATE_CRM_RECORDS_MAX)
        return str_fail(err, errlen, "linkedCrmRecords must have at most %d records, got %zu", UPDATE_CRM_RECORDS_MAX,
                        json_array_size(l));
    size_t i;
    json_t *e;
    json_array_foreach(l, i, e) {
        if (!json_is_object(e))
            return str_fail(err, errlen, "linkedCrmRecords[%zu] must be an object", i);
        if (!json_is_string(json_object_get(e, "id")))
            return str_fail(err, errlen, "linkedCrmRecords[%zu].id must be a string", i);
        if (!json_is_string(json_object_get(e, "code")))
            return str_fail(err, errlen, "linkedCrmRecords[%zu].code must be a string", i);
    }
    if (!(u->linked_crm_json = json_arena_dumps(a, l, JSON_COMPACT | JSON_ENCODE_ANY)))
        return str_fail(err, errlen, "out of memory");
    u->workflow_name = "linked_crm_records_changed";
    return 0;
}

/* Optional string member `name` of intelligence entry i, "" when absent. */
static int upd_intel_str(const json_t *e, size_t i, const char *name, const char **out, char *err, size_t errlen)
{
    json_t *v = upd_opt(e, name);
    *out = "";
    if (!v)
        return 0;
    if (!json_is_string(v))
        return str_fail(err, errlen, "intelligence[%zu].%s must be a string", i, name);
    *out = json_string_value(v);
    return 0;
}

/* Validates the intelligence array and builds the keyed object into u. */
static int upd_intel(arena_t *a, const json_t *list, conv_update_t *u, char *err, size_t errlen)
{
    if (!json_is_array(list))
        return str_fail(err, errlen, "intelligence must be an array");
    if (json_array_size(list) > UPDATE_INTEL_MAX)
        return str_fail(err, errlen, "intelligence must have at most %d entries, got %zu", UPDATE_INTEL_MAX,
                        json_array_size(list));
    json_t *merged = json_object(); /* owned here */
    if (!merged)
        return str_fail(err, errlen, "out of memory");
    size_t i;
    json_t *e;
    int rc = 0;
    json_array_foreach(list, i, e) {
        const char *id, *title, *category, *source;
        if (!json_is_object(e)) {
            rc = str_fail(err, errlen, "intelligence[%zu] must be an object", i);
            break;
        }
        json_t *key = upd_opt(e, "key");
        if (!key || !json_is_string(key) || json_string_length(key) == 0) {
            rc = str_fail(err, errlen, "intelligence[%zu].key is required and must be a non-empty string", i);
            break;
        }
        json_t *value = upd_opt(e, "value");
        if (!value || !(json_is_string(value) || json_is_number(value) || json_is_boolean(value))) {
            rc = str_fail(err, errlen, "intelligence[%zu].value is required and must be a string, number or boolean",
                          i);
            break;
        }
        if (upd_intel_str(e, i, "id", &id, err, errlen) || upd_intel_str(e, i, "title", &title, err, errlen) ||
            upd_intel_str(e, i, "category", &category, err, errlen) ||
            upd_intel_str(e, i, "source", &source, err, errlen)) {
            rc = -1;
            break;
        }
        json_t *entry = json_pack("{s:s, s:O, s:O, s:s, s:s, s:s}", "id", id, "key", key, "value", value, "title",
                                  title, "category", category, "source", source); /* owned until set_new */
        if (!entry || json_object_set_new(merged, json_string_value(key), entry) != 0) {
            rc = str_fail(err, errlen, "out of memory");
            break;
        }
    }
    if (rc == 0 && !(u->confirm_intel_json = json_arena_dumps(a, merged, JSON_COMPACT | JSON_ENCODE_ANY)))
        rc = str_fail(err, errlen, "out of memory");
    json_decref(merged);
    return rc;
}

int update_parse_crm_confirm(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen)
{
    upd_init(u);
    if (upd_object(body, err, errlen) != 0)
        return -1;
    json_t *list = upd_opt(body, "intelligence");
    if (!list)
        return str_fail(err, errlen, "intelligence is required");
    if (upd_intel(a, list, u, err, errlen) != 0)
        return -1;
    json_t *opp = upd_opt(body, "opportunity_id");
    if (opp && upd_opportunity(a, opp, "opportunity_id", u, err, errlen) != 0)
        return -1;
    u->workflow_name = "crm_confirmed";
    return 0;
}

int update_parse_opportunity(arena_t *a, const json_t *body, conv_update_t *u, uuid_str_t conv_out, char *err,
                             size_t errlen)
{
    char shown[STR_SHOWN_MAX + 8];
    upd_init(u);
    conv_out[0] = '\0';
    if (upd_object(body, err, errlen) != 0)
        return -1;
    json_t *cid = upd_opt(body, "conversation_id");
    if (!cid)
        return str_fail(err, errlen, "conversation_id is required");
    if (!json_is_string(cid))
        return str_fail(err, errlen, "conversation_id must be a string");
    if (!uuid_parse(json_string_value(cid), conv_out))
        return str_fail(err, errlen, "conversation_id must be a UUID, got \"%s\"",
                        str_shown(json_string_value(cid), shown, sizeof shown));
    json_t *code = upd_opt(body, "entity_code");
    if (code && !json_is_string(code))
        return str_fail(err, errlen, "entity_code must be a string");
    json_t *rm = upd_opt(body, "remove_opportunity");
    if (rm && !json_is_boolean(rm))
        return str_fail(err, errlen, "remove_opportunity must be a boolean");
    bool remove = rm && json_is_true(rm);
    json_t *opp = upd_opt(body, "opportunity_id");
    if (remove && opp)
        return str_fail(err, errlen, "give either opportunity_id or remove_opportunity=true, not both");
    if (!remove && !opp)
        return str_fail(err, errlen, "opportunity_id is required unless remove_opportunity is true");
    if (remove)
        u->external_opportunity_json = "{}";
    else if (upd_opportunity(a, opp, "opportunity_id", u, err, errlen) != 0)
        return -1;
    u->workflow_name = "opportunity_changed";
    return 0;
}

int update_apply(arena_t *a, conv_t *c, const conv_update_t *u)
{
    if (u->title)
        c->title = u->title;
    switch (u->privacy) {
    case CONV_PRIVACY_PUBLIC: c->is_private = false; break;
    case CONV_PRIVACY_PRIVATE: c->is_private = true; break;
    case CONV_PRIVACY_TOGGLE: c->is_private = !c->is_private; break;
    case CONV_PRIVACY_KEEP: break;
    }
    if (u->labels_json)
        c->labels_json = u->labels_json;
    if (u->linked_crm_json)
        c->linked_crm_json = u->linked_crm_json;
    if (u->external_opportunity_json)
        c->external_opportunity_json = u->external_opportunity_json;
    if (u->confirm_intel_json) {
        char *merged = json_merge_members(c->confirmed_intel_json ? c->confirmed_intel_json : "{}",
                                          u->confirm_intel_json); /* owner: this function */
        if (!merged)
            return -1;
        c->confirmed_intel_json = arena_strdup(a, merged);
        free(merged);
        if (!c->confirmed_intel_json)
            return -1;
    }
    if (u->scorecard_entry_json && scorecard_results_add(a, c, u->scorecard_entry_json) != 0)
        return -1;
    return 0;
}
