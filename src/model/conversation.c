/* conversation.c - the conversation resource: its stored document, the one renderer that splices it, and its status enums. */
#include "model/conversation.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/json_arena.h"
#include "lib/jspan.h"
#include "lib/ptime.h"
#include "model/transcript.h"

/* ---- the stored document -------------------------------------------------- */

/* Records where the value just about to be written starts. */
#define CONV_SLOT_OPEN(slots, out, i) ((slots)->start[i] = (uint32_t)(out)->len)
#define CONV_SLOT_CLOSE(slots, out, i) ((slots)->end[i] = (uint32_t)(out)->len)

/* True when s is a stored fragment standing for "no opportunity": NULL, "" or {}. */
static bool conv_no_opportunity(const char *s)
{
    if (!s || !*s)
        return true;
    while (*s == ' ')
        s++;
    if (*s++ != '{')
        return false;
    while (*s == ' ')
        s++;
    return *s == '}';
}

int conv_doc_build(const conv_t *c, buf_t *out, conv_doc_slots_t *slots)
{
    buf_reset(out);
    memset(slots, 0, sizeof *slots);
    jsonw_t wr, *w = &wr;
    jsonw_init(w, out);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "type", "conversations");
    jsonw_kv_string(w, "id", c->uuid);
    jsonw_key(w, "attributes");
    jsonw_obj_begin(w);

    jsonw_kv_string(w, "uuid", c->uuid);
    jsonw_kv_string(w, "title", c->title);
    jsonw_kv_time(w, "createdAt", c->created_at);
    jsonw_kv_time(w, "finishedAt", c->finished_at);
    jsonw_kv_time(w, "liveStreamStartedAt", c->live_started_at);
    jsonw_kv_time(w, "liveStreamEndedAt", c->live_ended_at);
    jsonw_kv_string(w, "userUUID", c->user_uuid);
    jsonw_kv_string(w, "teamUUID", c->team_uuid);
    jsonw_key(w, "archived");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_ARCHIVED);
    jsonw_bool(w, false); /* the row's flag is spliced in at read time */
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_ARCHIVED);
    jsonw_kv_bool(w, "referenceable", c->referenceable);
    jsonw_kv_bool(w, "private", c->is_private);
    jsonw_kv_bool(w, "isInternal", c->is_internal);
    jsonw_kv_bool(w, "isEmpty", c->is_empty);
    jsonw_kv_number(w, "mediaDuration", c->media_duration);
    jsonw_kv_string(w, "videoUID", c->video_uid);
    jsonw_kv_string(w, "videoStatus", c->video_status);
    jsonw_kv_string(w, "mediaStorageStatus", c->media_storage_status);
    jsonw_kv_string(w, "transcriptStatus", c->transcript_status);
    jsonw_kv_string(w, "crmExportStatus", c->crm_export_status);
    jsonw_kv_string(w, "importStatus", c->import_status);
    jsonw_kv_string(w, "dealUUID", c->deal_uuid);
    jsonw_kv_string(w, "emailTemplateID", c->email_template_id);
    jsonw_kv_string(w, "externalIntelligenceOpportunityID", c->ext_intel_opp_id);
    jsonw_kv_string(w, "zoomMeetingJoinUrl", c->zoom_url);
    jsonw_kv_string(w, "googleMeetJoinUrl", c->gmeet_url);
    jsonw_kv_string(w, "microsoftTeamsJoinUrl", c->teams_url);
    jsonw_kv_string(w, "webexJoinUrl", c->webex_url);

    jsonw_key(w, "transcript");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_TRANSCRIPT);
    jsonw_obj_begin(w);
    if (c->transcript_v1_json && c->transcript_v1_json[0])
        jsonw_kv_raw(w, "v1", c->transcript_v1_json, "{}");
    if (c->transcript_v2_json && c->transcript_v2_json[0])
        jsonw_kv_raw(w, "v2", c->transcript_v2_json, "{}");
    jsonw_obj_end(w);
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_TRANSCRIPT);

    jsonw_key(w, "participants");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_PARTICIPANTS);
    jsonw_raw(w, c->participants_ext_json, "[]");
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_PARTICIPANTS);
    jsonw_kv_raw(w, "attendees", c->attendees_json, "[]");
    jsonw_kv_raw(w, "bots", c->bots_json, "[]");
    jsonw_kv_raw(w, "boards", c->boards_json, "[]");
    jsonw_kv_raw(w, "talktracks", c->talktracks_json, "[]");
    jsonw_kv_raw(w, "scorecardResults", c->scorecards_json, "[]");
    if (conv_no_opportunity(c->external_opportunity_json)) {
        jsonw_key(w, "externalOpportunity");
        jsonw_null(w); /* as the hosted API answers (beyond.md §0) */
    } else {
        jsonw_kv_raw(w, "externalOpportunity", c->external_opportunity_json, "null");
    }
    jsonw_key(w, "importMetadata");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_IMPORT_META);
    jsonw_raw(w, "{}", "{}");
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_IMPORT_META);
    jsonw_key(w, "zoomMetadata");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_ZOOM_META);
    jsonw_raw(w, "{}", "{}");
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_ZOOM_META);
    jsonw_kv_raw(w, "linkedCrmRecords", c->linked_crm_json, "[]");
    jsonw_kv_raw(w, "externalAccounts", c->external_accounts_json, "[]");
    jsonw_kv_raw(w, "externalContacts", c->external_contacts_json, "[]");
    jsonw_key(w, "extractedIntelligence");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_EXTRACTED);
    jsonw_raw(w, c->extracted_intel_json, "{}");
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_EXTRACTED);
    jsonw_key(w, "confirmedExtractedIntelligence");
    CONV_SLOT_OPEN(slots, out, CONV_SLOT_CONFIRMED);
    jsonw_raw(w, c->confirmed_intel_json, "{}");
    CONV_SLOT_CLOSE(slots, out, CONV_SLOT_CONFIRMED);
    jsonw_kv_raw(w, "labels", c->labels_json, "{}");
    jsonw_kv_raw(w, "labelTagsToFilterIfNA", c->label_tags_na_json, "[]");
    jsonw_kv_raw(w, "deprecatedLabelCategories", c->deprecated_label_categories_json, "[]");

    slots->tail = (uint32_t)out->len; /* `user` and `archivedAt` go here, before the closing brace */
    jsonw_obj_end(w);                 /* attributes */

    jsonw_key(w, "links");
    jsonw_obj_begin(w);
    /* "/v2/conversations/" + 36 + NUL */
    char self[18 + UUID_STR_LEN + 1];
    size_t ul = strnlen(c->uuid, UUID_STR_LEN);
    memcpy(self, "/v2/conversations/", 18);
    memcpy(self + 18, c->uuid, ul);
    self[18 + ul] = '\0';
    jsonw_kv_string(w, "self", self);
    jsonw_obj_end(w);
    jsonw_obj_end(w);
    return out->oom || w->err || out->len > UINT32_MAX ? -1 : 0;
}

void conv_slots_format(const conv_doc_slots_t *s, char *out)
{
    char *p = out;
    for (int i = 0; i < CONV_NSLOTS; i++)
        p += sprintf(p, "%u,%u,", s->start[i], s->end[i]);
    sprintf(p, "%u", s->tail);
}

int conv_slots_parse(const char *text, size_t doc_len, conv_doc_slots_t *out)
{
    uint32_t v[2 * CONV_NSLOTS + 1];
    const char *p = text;
    if (!p)
        return -1;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint64_t n = 0;
        const char *d = p;
        while (*p >= '0' && *p <= '9' && n <= UINT32_MAX)
            n = n * 10 + (uint64_t)(*p++ - '0');
        if (p == d || n > doc_len || *p != (i + 1 < sizeof v / sizeof v[0] ? ',' : '\0'))
            return -1;
        p++;
        v[i] = (uint32_t)n;
    }
    uint32_t last = 0;
    for (int i = 0; i < CONV_NSLOTS; i++) {
        out->start[i] = v[2 * i];
        out->end[i] = v[2 * i + 1];
        if (out->start[i] < last || out->end[i] < out->start[i])
            return -1;
        last = out->end[i];
    }
    out->tail = v[2 * CONV_NSLOTS];
    return out->tail < last ? -1 : 0;
}

/* ---- the transcript's derived forms ---------------------------------------- */

/* If s[*i..n) starts with lit, moves *i past it and returns true. */
static bool conv_lit(const char *s, size_t n, size_t *i, const char *lit, size_t len)
{
    if (n - *i < len || memcmp(s + *i, lit, len) != 0)
        return false;
    *i += len;
    return true;
}

/* Moves *i past a JSON number at s[*i]; false when there is none. */
static bool conv_number(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == '.' || s[k] == '-' || s[k] == '+' || s[k] == 'e' ||
                     s[k] == 'E'))
        k++;
    if (k == *i)
        return false;
    *i = k;
    return true;
}

/* With s[*i] just inside a JSON string, the index of its closing quote (one
 * not escaped by an odd run of backslashes), or n. */
static size_t conv_string_end(const char *s, size_t n, size_t i)
{
    for (;;) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q)
            return n;
        size_t at = (size_t)(q - s), k = at;
        while (k > i && s[k - 1] == '\\')
            k--;
        if ((at - k) % 2 == 0)
            return at;
        i = at + 1;
    }
}

/* The list's text from a transcript object in the canonical layout this
 * program writes ({"v1":{"pieceInFlux":…,"final":[{"speaker":"…",
 * "sentence":"…","startTimestamp":N,"endTimestamp":N},…]},…}), in one
 * forward pass: each string is found with memchr and copied as it is. False (b unchanged past its length on entry)
 * when the text is laid out any other way; conv_text_escaped then walks it. */
static bool conv_text_canonical(buf_t *b, const char *s, size_t n)
{
    static const char head[] = "{\"v1\":{\"pieceInFlux\":", fin[] = ",\"final\":[",
                      spk[] = "{\"speaker\":\"", sen[] = ",\"sentence\":\"",
                      st[] = ",\"startTimestamp\":", et[] = ",\"endTimestamp\":";
    size_t i = 0, mark = b->len;
    if (!conv_lit(s, n, &i, head, sizeof head - 1))
        return false;
    i = jspan_skip(s, n, i); /* pieceInFlux: a string or an object */
    if (!conv_lit(s, n, &i, fin, sizeof fin - 1))
        goto other;
    if (i < n && s[i] == ']')
        return true;
    for (;;) {
        if (!conv_lit(s, n, &i, spk, sizeof spk - 1))
            goto other;
        size_t e = conv_string_end(s, n, i);
        if (e >= n)
            goto other;
        buf_append(b, s + i, e - i);
        buf_append(b, ": ", 2);
        i = e + 1;
        if (!conv_lit(s, n, &i, sen, sizeof sen - 1))
            goto other;
        e = conv_string_end(s, n, i);
        if (e >= n)
            goto other;
        buf_append(b, s + i, e - i);
        buf_append(b, "\\n", 2);
        i = e + 1;
        if (!conv_lit(s, n, &i, st, sizeof st - 1) || !conv_number(s, n, &i) ||
            !conv_lit(s, n, &i, et, sizeof et - 1) || !conv_number(s, n, &i) || !conv_lit(s, n, &i, "}", 1) ||
            i >= n)
            goto other;
        if (s[i] == ']')
            return true;
        if (s[i] != ',')
            goto other;
        i++;
    }
other:
    b->len = mark;
    return false;
}

/* Appends, JSON-escaped (without quotes), "<speaker>: <sentence>\n" for each
 * segment of the v1 in the transcript object s[0..n) ({"v1":…,"v2":…}). The
 * document's strings are escaped already, and escaping commutes with
 * concatenation, so the escaped pieces are copied as they are. */
static void conv_text_escaped(buf_t *b, const char *s, size_t n)
{
    if (conv_text_canonical(b, s, n))
        return;
    size_t pos = 0, end = n;
    if (!jspan_member(s, n, &pos, &end, "v1"))
        return;
    size_t fp = pos, fe = end;
    if (!jspan_member(s, end, &fp, &fe, "final"))
        return;
    jspan_iter_t it;
    size_t vs, ve;
    if (!jspan_open(&it, s, fe, fp))
        return;
    while (jspan_next(&it, NULL, NULL, &vs, &ve)) {
        size_t sp = vs, se = ve, tp = vs, te = ve;
        bool has_speaker = jspan_member(s, ve, &sp, &se, "speaker") && se - sp >= 2 && s[sp] == '"';
        bool has_sentence = jspan_member(s, ve, &tp, &te, "sentence") && te - tp >= 2 && s[tp] == '"';
        if (has_speaker)
            buf_append(b, s + sp + 1, se - sp - 2);
        buf_append(b, ": ", 2);
        if (has_sentence)
            buf_append(b, s + tp + 1, te - tp - 2);
        buf_append(b, "\\n", 2);
    }
}

/* The transcript object of c: its document's slot, or (no document) NULL. */
static bool conv_transcript_slot(const conv_t *c, const char **s, size_t *n)
{
    if (!c->doc)
        return false;
    *s = c->doc + c->slots.start[CONV_SLOT_TRANSCRIPT];
    *n = c->slots.end[CONV_SLOT_TRANSCRIPT] - c->slots.start[CONV_SLOT_TRANSCRIPT];
    return true;
}

/* Copies the member key of the object s[0..n) into a NUL-terminated arena
 * string; NULL when absent (or out of memory). */
static const char *conv_member_copy(arena_t *a, const char *s, size_t n, const char *key)
{
    size_t pos = 0, end = n;
    if (!jspan_member(s, n, &pos, &end, key))
        return NULL;
    return arena_strndup(a, s + pos, end - pos);
}

const char *conv_stored_transcript_v1(arena_t *a, const char *text, size_t len)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    conv_stored_doc_read(&c, text, len);
    const char *s;
    size_t n;
    return conv_transcript_slot(&c, &s, &n) ? conv_member_copy(a, s, n, "v1") : NULL;
}

/* Writes the detailed form from the transcript object s[0..n). */
static void conv_write_detailed(jsonw_t *w, const char *s, size_t n, const char *participants_json)
{
    arena_t a;
    arena_init(&a);
    const char *v1 = conv_member_copy(&a, s, n, "v1"), *v2 = conv_member_copy(&a, s, n, "v2");
    /* A stored value that does not parse renders as [] (transcript_write_detailed). */
    (void)transcript_write_detailed(w, v1, v2, participants_json);
    arena_free(&a);
}

/* ---- rendering ------------------------------------------------------------------ */

/* Writes the value of slot i of the document (doc[start, end)) as o asks. */
static void conv_render_slot(buf_t *b, int i, const char *v, size_t n, const conv_t *c, const conv_render_opts_t *o)
{
    const char *alt = NULL;
    switch ((conv_slot_t)i) {
    case CONV_SLOT_ARCHIVED:
        alt = c->archived ? "true" : "false";
        break;
    case CONV_SLOT_TRANSCRIPT:
        if (o->hide_transcript) {
            alt = o->transcript == CONV_TRANSCRIPT_TEXT ? "\"\"" : "{}";
        } else if (o->transcript == CONV_TRANSCRIPT_TEXT) {
            buf_putc(b, '"');
            conv_text_escaped(b, v, n);
            buf_putc(b, '"');
            return;
        } else if (o->transcript == CONV_TRANSCRIPT_DETAILED) {
            jsonw_t lw; /* a writer of its own: the value is one, at its top level */
            jsonw_init(&lw, b);
            /* Speaker emails are looked up among all participants (internal ones
             * included): the names are in the transcript anyway. */
            const char *parts = c->participants_json && *c->participants_json ? c->participants_json : NULL;
            if (!parts) {
                arena_t a;
                arena_init(&a);
                parts = arena_strndup(&a, c->doc + c->slots.start[CONV_SLOT_PARTICIPANTS],
                                      c->slots.end[CONV_SLOT_PARTICIPANTS] - c->slots.start[CONV_SLOT_PARTICIPANTS]);
                conv_write_detailed(&lw, v, n, parts);
                arena_free(&a);
            } else {
                conv_write_detailed(&lw, v, n, parts);
            }
            return;
        }
        break;
    case CONV_SLOT_PARTICIPANTS:
        if (o->include_internal_participants && c->participants_json && *c->participants_json)
            alt = c->participants_json;
        break;
    case CONV_SLOT_IMPORT_META:
        if (o->include_import_metadata)
            alt = c->import_metadata_json && *c->import_metadata_json ? c->import_metadata_json : "{}";
        break;
    case CONV_SLOT_ZOOM_META:
        if (o->include_zoom_metadata)
            alt = c->zoom_metadata_json && *c->zoom_metadata_json ? c->zoom_metadata_json : "{}";
        break;
    case CONV_SLOT_EXTRACTED:
    case CONV_SLOT_CONFIRMED:
        if (o->omit_intelligence)
            alt = "{}";
        break;
    case CONV_NSLOTS:
        break;
    }
    if (alt)
        buf_puts(b, alt);
    else
        buf_append(b, v, n);
}

/* Writes the live parts at the tail: the owner (`user`) and `archivedAt`. */
static void conv_render_tail(buf_t *b, const conv_t *c)
{
    jsonw_t lw;
    jsonw_init(&lw, b);
    buf_puts(b, ",\"user\":");
    jsonw_obj_begin(&lw);
    jsonw_kv_string(&lw, "uuid", c->user_uuid);
    jsonw_kv_string(&lw, "email", c->user_email);
    jsonw_kv_string(&lw, "firstName", c->user_first_name);
    jsonw_kv_string(&lw, "lastName", c->user_last_name);
    jsonw_kv_string(&lw, "transcriptLang", c->user_transcript_lang);
    jsonw_obj_end(&lw);
    if (c->archived) {
        buf_puts(b, ",\"archivedAt\":");
        jsonw_time(&lw, c->archived_at);
    }
}

void conv_render(jsonw_t *w, const conv_t *c, const conv_render_opts_t *o)
{
    conv_t built;
    buf_t tmp;
    buf_init(&tmp);
    if (!c->doc) {
        built = *c;
        if (conv_doc_build(c, &tmp, &built.slots) != 0) {
            w->b->oom = true;
            buf_free(&tmp);
            return;
        }
        built.doc = tmp.data;
        built.doc_len = tmp.len;
        c = &built;
    }
    buf_t *b = jsonw_value_begin(w);
    const char *doc = c->doc;
    size_t pos = 0;
    for (int i = 0; i < CONV_NSLOTS; i++) {
        buf_append(b, doc + pos, c->slots.start[i] - pos);
        conv_render_slot(b, i, doc + c->slots.start[i], c->slots.end[i] - c->slots.start[i], c, o);
        pos = c->slots.end[i];
    }
    buf_append(b, doc + pos, c->slots.tail - pos);
    conv_render_tail(b, c);
    buf_append(b, doc + c->slots.tail, c->doc_len - c->slots.tail);
    buf_free(&tmp);
}

void conv_write_transcript_text(jsonw_t *w, const conv_t *c)
{
    const char *s;
    size_t n;
    buf_t tmp;
    buf_init(&tmp);
    conv_doc_slots_t sl;
    if (!conv_transcript_slot(c, &s, &n)) {
        if (conv_doc_build(c, &tmp, &sl) != 0) {
            w->b->oom = true;
            buf_free(&tmp);
            return;
        }
        s = tmp.data + sl.start[CONV_SLOT_TRANSCRIPT];
        n = sl.end[CONV_SLOT_TRANSCRIPT] - sl.start[CONV_SLOT_TRANSCRIPT];
    }
    buf_t *b = jsonw_value_begin(w);
    buf_putc(b, '"');
    conv_text_escaped(b, s, n);
    buf_putc(b, '"');
    buf_free(&tmp);
}

void conv_write_participants(jsonw_t *w, const conv_t *c)
{
    if (c->participants_json && *c->participants_json)
        jsonw_raw(w, c->participants_json, "[]");
    else if (c->doc)
        jsonw_rawn(w, c->doc + c->slots.start[CONV_SLOT_PARTICIPANTS],
                   c->slots.end[CONV_SLOT_PARTICIPANTS] - c->slots.start[CONV_SLOT_PARTICIPANTS]);
    else
        jsonw_raw(w, c->participants_ext_json, "[]");
}

/* ---- reading a document back ----------------------------------------------------- */

/* The raw text of attribute key of the document (its "attributes" object
 * bounded by [as, ae)), copied into a; NULL when absent. */
static const char *conv_attr_raw(arena_t *a, const char *doc, size_t as, size_t ae, const char *key)
{
    size_t pos = as, end = ae;
    if (!jspan_member(doc, ae, &pos, &end, key))
        return NULL;
    return arena_strndup(a, doc + pos, end - pos);
}

/* Copies slot i's text into a. */
static const char *conv_slot_copy(arena_t *a, const conv_t *c, conv_slot_t i)
{
    return arena_strndup(a, c->doc + c->slots.start[i], c->slots.end[i] - c->slots.start[i]);
}

/* Reads a time attribute ("" → 0). */
static int64_t conv_attr_time(const json_t *attrs, const char *key)
{
    int64_t ms = 0;
    const char *s = json_string_value(json_object_get(attrs, key));
    if (s && *s && ptime_parse_ms(s, &ms) != 0)
        ms = 0;
    return ms;
}

/* A string attribute as an arena copy ("" when absent). */
static const char *conv_attr_str(arena_t *a, const json_t *attrs, const char *key)
{
    const json_t *v = json_object_get(attrs, key);
    return arena_strdup(a, json_is_string(v) ? json_string_value(v) : "");
}

int conv_doc_parse(arena_t *a, conv_t *c)
{
    if (!c->doc)
        return 0;
    json_error_t je;
    json_t *root = json_arena_loadb(a, c->doc, c->doc_len, 0, &je); /* nodes in a */
    json_t *attrs = root ? json_object_get(root, "attributes") : NULL;
    size_t as = 0, ae = c->doc_len;
    if (!json_is_object(attrs) || !jspan_member(c->doc, c->doc_len, &as, &ae, "attributes")) {
        json_decref(root);
        return -1;
    }
    c->title = conv_attr_str(a, attrs, "title");
    c->finished_at = conv_attr_time(attrs, "finishedAt");
    c->live_started_at = conv_attr_time(attrs, "liveStreamStartedAt");
    c->live_ended_at = conv_attr_time(attrs, "liveStreamEndedAt");
    c->referenceable = json_is_true(json_object_get(attrs, "referenceable"));
    c->media_duration = json_number_value(json_object_get(attrs, "mediaDuration"));
    static const struct { const char *key; size_t off; } strs[] = {
        {"videoUID", offsetof(conv_t, video_uid)},
        {"videoStatus", offsetof(conv_t, video_status)},
        {"mediaStorageStatus", offsetof(conv_t, media_storage_status)},
        {"transcriptStatus", offsetof(conv_t, transcript_status)},
        {"crmExportStatus", offsetof(conv_t, crm_export_status)},
        {"importStatus", offsetof(conv_t, import_status)},
        {"dealUUID", offsetof(conv_t, deal_uuid)},
        {"emailTemplateID", offsetof(conv_t, email_template_id)},
        {"externalIntelligenceOpportunityID", offsetof(conv_t, ext_intel_opp_id)},
        {"zoomMeetingJoinUrl", offsetof(conv_t, zoom_url)},
        {"googleMeetJoinUrl", offsetof(conv_t, gmeet_url)},
        {"microsoftTeamsJoinUrl", offsetof(conv_t, teams_url)},
        {"webexJoinUrl", offsetof(conv_t, webex_url)},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *(const char **)((char *)c + strs[i].off) = conv_attr_str(a, attrs, strs[i].key);
    static const struct { const char *key; size_t off; } frags[] = {
        {"attendees", offsetof(conv_t, attendees_json)},
        {"bots", offsetof(conv_t, bots_json)},
        {"boards", offsetof(conv_t, boards_json)},
        {"talktracks", offsetof(conv_t, talktracks_json)},
        {"scorecardResults", offsetof(conv_t, scorecards_json)},
        {"externalOpportunity", offsetof(conv_t, external_opportunity_json)},
        {"linkedCrmRecords", offsetof(conv_t, linked_crm_json)},
        {"externalAccounts", offsetof(conv_t, external_accounts_json)},
        {"externalContacts", offsetof(conv_t, external_contacts_json)},
        {"labels", offsetof(conv_t, labels_json)},
        {"labelTagsToFilterIfNA", offsetof(conv_t, label_tags_na_json)},
        {"deprecatedLabelCategories", offsetof(conv_t, deprecated_label_categories_json)},
    };
    for (size_t i = 0; i < sizeof frags / sizeof frags[0]; i++)
        *(const char **)((char *)c + frags[i].off) = conv_attr_raw(a, c->doc, as, ae, frags[i].key);
    if (c->external_opportunity_json && strcmp(c->external_opportunity_json, "null") == 0)
        c->external_opportunity_json = NULL;
    c->participants_ext_json = conv_slot_copy(a, c, CONV_SLOT_PARTICIPANTS);
    if (!c->participants_json || !*c->participants_json)
        c->participants_json = c->participants_ext_json;
    c->extracted_intel_json = conv_slot_copy(a, c, CONV_SLOT_EXTRACTED);
    c->confirmed_intel_json = conv_slot_copy(a, c, CONV_SLOT_CONFIRMED);
    const char *ts = "{}";
    size_t tn = 2;
    conv_transcript_slot(c, &ts, &tn);
    c->transcript_v1_json = conv_member_copy(a, ts, tn, "v1");
    c->transcript_v2_json = conv_member_copy(a, ts, tn, "v2");
    json_decref(root);
    c->doc = NULL; /* the fields hold it all now */
    c->doc_len = 0;
    return 0;
}

int conv_store_prepare(arena_t *a, conv_t *c, buf_t *out)
{
    buf_reset(out);
    conv_doc_slots_t sl;
    buf_t doc;
    buf_init(&doc);
    if (conv_doc_build(c, &doc, &sl) != 0) {
        buf_free(&doc);
        return -1;
    }
    char head[CONV_SLOTS_TEXT_MAX];
    conv_slots_format(&sl, head);
    buf_puts(out, head);
    buf_putc(out, '\n');
    buf_append(out, doc.data, doc.len);
    buf_free(&doc);

    c->opportunity_uuid = NULL;
    const char *eo = c->external_opportunity_json;
    if (!conv_no_opportunity(eo)) {
        json_error_t je;
        json_t *v = json_arena_loadb(a, eo, strlen(eo), JSON_DECODE_ANY, &je); /* nodes in a */
        const char *u = json_string_value(json_object_get(v, "uuid"));
        if (u)
            c->opportunity_uuid = arena_strdup(a, u);
        json_decref(v);
    }
    /* analyzed: scorecard results, or extracted intelligence with a key */
    jspan_iter_t it;
    size_t vs, ve;
    const char *sc = c->scorecards_json, *ei = c->extracted_intel_json;
    c->analyzed = (sc && jspan_open(&it, sc, strlen(sc), 0) && !it.object && jspan_next(&it, NULL, NULL, &vs, &ve)) ||
                  (ei && jspan_open(&it, ei, strlen(ei), 0) && it.object && jspan_next(&it, NULL, NULL, &vs, &ve));
    if (c->participants_json && c->participants_ext_json && strcmp(c->participants_json, c->participants_ext_json) == 0)
        c->participants_json = NULL;
    return out->oom ? -1 : 0;
}

void conv_stored_doc_read(conv_t *c, const char *text, size_t len)
{
    c->doc = NULL;
    c->doc_len = 0;
    const char *nl = text ? memchr(text, '\n', len < CONV_SLOTS_TEXT_MAX ? len : CONV_SLOTS_TEXT_MAX) : NULL;
    if (!nl)
        return;
    char head[CONV_SLOTS_TEXT_MAX];
    memcpy(head, text, (size_t)(nl - text));
    head[nl - text] = '\0';
    size_t n = len - (size_t)(nl - text) - 1;
    if (conv_slots_parse(head, n, &c->slots) != 0)
        return;
    c->doc = nl + 1;
    c->doc_len = n;
}

int conv_own(arena_t *a, conv_t *c)
{
    static const size_t strs[] = {
        offsetof(conv_t, title), offsetof(conv_t, video_uid), offsetof(conv_t, video_status),
        offsetof(conv_t, media_storage_status), offsetof(conv_t, transcript_status),
        offsetof(conv_t, crm_export_status), offsetof(conv_t, import_status), offsetof(conv_t, deal_uuid),
        offsetof(conv_t, email_template_id), offsetof(conv_t, ext_intel_opp_id), offsetof(conv_t, zoom_url),
        offsetof(conv_t, gmeet_url), offsetof(conv_t, teams_url), offsetof(conv_t, webex_url),
        offsetof(conv_t, external_id), offsetof(conv_t, application_name), offsetof(conv_t, user_email),
        offsetof(conv_t, user_first_name), offsetof(conv_t, user_last_name), offsetof(conv_t, user_transcript_lang),
        offsetof(conv_t, participants_json), offsetof(conv_t, participants_ext_json), offsetof(conv_t, attendees_json),
        offsetof(conv_t, bots_json), offsetof(conv_t, boards_json), offsetof(conv_t, talktracks_json),
        offsetof(conv_t, scorecards_json), offsetof(conv_t, external_opportunity_json),
        offsetof(conv_t, import_metadata_json), offsetof(conv_t, zoom_metadata_json), offsetof(conv_t, linked_crm_json),
        offsetof(conv_t, external_accounts_json), offsetof(conv_t, external_contacts_json),
        offsetof(conv_t, extracted_intel_json), offsetof(conv_t, confirmed_intel_json), offsetof(conv_t, labels_json),
        offsetof(conv_t, label_tags_na_json), offsetof(conv_t, deprecated_label_categories_json),
        offsetof(conv_t, transcript_v1_json), offsetof(conv_t, transcript_v2_json), offsetof(conv_t, opportunity_uuid),
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char **f = (const char **)((char *)c + strs[i]);
        if (*f && !(*f = arena_strdup(a, *f)))
            return -1;
    }
    if (c->doc && !(c->doc = arena_strndup(a, c->doc, c->doc_len)))
        return -1;
    return 0;
}

conv_render_opts_t conv_render_opts_single(void)
{
    conv_render_opts_t o;
    memset(&o, 0, sizeof o);
    o.transcript = CONV_TRANSCRIPT_OBJECT;
    return o;
}

bool conv_render_opts_is_single(const conv_render_opts_t *o)
{
    return o->transcript == CONV_TRANSCRIPT_OBJECT && !o->hide_transcript && !o->include_internal_participants &&
           !o->include_zoom_metadata && !o->include_import_metadata && !o->omit_intelligence;
}

conv_render_opts_t conv_render_opts_list(void)
{
    conv_render_opts_t o;
    memset(&o, 0, sizeof o);
    o.transcript = CONV_TRANSCRIPT_TEXT;
    return o;
}

/* True when s is one of the NULL-terminated set (exact, case-sensitive). */
static bool conv_in_set(const char *s, const char *const *set)
{
    if (!s)
        return false;
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

bool conv_media_status_valid(const char *s)
{
    static const char *const set[] = {"PENDING", "UNAVAILABLE", "IMPORTING", "READY", NULL};
    return conv_in_set(s, set);
}

bool conv_import_status_valid(const char *s)
{
    static const char *const set[] = {"NONE", "PENDING", "IN_PROGRESS", "FINISHED", "DISCARDED", "FAILED", NULL};
    return conv_in_set(s, set);
}

bool conv_transcript_status_valid(const char *s)
{
    static const char *const set[] = {"PENDING", "IN_PROGRESS", "COMPLETED", "FAILED", NULL};
    return conv_in_set(s, set);
}

bool conv_crm_export_status_valid(const char *s)
{
    static const char *const set[] = {"NONE", "PENDING", "EXPORTED", "FAILED", NULL};
    return conv_in_set(s, set);
}
