/* upgrade.c - what both backends' migration to stored documents shares: the old row shape and its conversion to today's. */
#include "store/upgrade.h"

#include <stddef.h>
#include <string.h>

#include "lib/jspan.h"
#include "lib/jsonw.h"

#define OLD_COL(f, k) {#f, k, offsetof(conv_t, f), 0, false}
#define OLD_UUID(f) {#f, STORE_FIELD_STR, offsetof(conv_t, f), sizeof(uuid_str_t), false}
#define OLD_BODY(f) {#f, STORE_FIELD_TEXT, offsetof(conv_t, f), 0, true}
#define OLD_OWNER(f) {NULL, STORE_FIELD_TEXT, offsetof(conv_t, f), 0, false}

const store_field_t store_upgrade_cols[] = {
    OLD_UUID(uuid), OLD_UUID(org_uuid), OLD_UUID(user_uuid), OLD_UUID(team_uuid),
    OLD_COL(created_at, STORE_FIELD_INT), OLD_COL(archived, STORE_FIELD_BOOL),
    OLD_COL(archived_at, STORE_FIELD_INT), OLD_COL(is_private, STORE_FIELD_BOOL),
    OLD_COL(is_internal, STORE_FIELD_BOOL), OLD_COL(is_empty, STORE_FIELD_BOOL),
    OLD_COL(referenceable, STORE_FIELD_BOOL), OLD_COL(import_status, STORE_FIELD_TEXT),
    OLD_COL(external_id, STORE_FIELD_TEXT), OLD_COL(finished_at, STORE_FIELD_INT),
    OLD_COL(live_started_at, STORE_FIELD_INT), OLD_COL(live_ended_at, STORE_FIELD_INT),
    OLD_COL(media_duration, STORE_FIELD_REAL), OLD_COL(video_uid, STORE_FIELD_TEXT),
    OLD_COL(video_status, STORE_FIELD_TEXT), OLD_COL(media_storage_status, STORE_FIELD_TEXT),
    OLD_COL(transcript_status, STORE_FIELD_TEXT), OLD_COL(crm_export_status, STORE_FIELD_TEXT),
    OLD_COL(deal_uuid, STORE_FIELD_TEXT), OLD_COL(email_template_id, STORE_FIELD_TEXT),
    OLD_COL(ext_intel_opp_id, STORE_FIELD_TEXT), OLD_COL(zoom_url, STORE_FIELD_TEXT),
    OLD_COL(gmeet_url, STORE_FIELD_TEXT), OLD_COL(teams_url, STORE_FIELD_TEXT),
    OLD_COL(webex_url, STORE_FIELD_TEXT), OLD_COL(application_name, STORE_FIELD_TEXT),
    OLD_COL(title, STORE_FIELD_TEXT),
    OLD_BODY(participants_json), OLD_BODY(participants_ext_json), OLD_BODY(attendees_json),
    OLD_BODY(bots_json), OLD_BODY(boards_json), OLD_BODY(talktracks_json), OLD_BODY(scorecards_json),
    OLD_BODY(external_opportunity_json), OLD_BODY(import_metadata_json), OLD_BODY(zoom_metadata_json),
    OLD_BODY(linked_crm_json), OLD_BODY(external_accounts_json), OLD_BODY(external_contacts_json),
    OLD_BODY(extracted_intel_json), OLD_BODY(confirmed_intel_json), OLD_BODY(labels_json),
    OLD_BODY(label_tags_na_json), OLD_BODY(deprecated_label_categories_json),
    OLD_BODY(transcript_v1_json), OLD_BODY(transcript_v2_json), /* transcript_text: derived now */
    OLD_OWNER(user_email), OLD_OWNER(user_first_name), OLD_OWNER(user_last_name), OLD_OWNER(user_transcript_lang),
};
const store_shape_t store_upgrade_shape = {sizeof(conv_t), store_upgrade_cols,
                                           (int)(sizeof store_upgrade_cols / sizeof store_upgrade_cols[0])};

/* True when the member value s[vs, ve) (a JSON string, quotes included) is
 * one of the ids of the external participants ext[0..en). */
static bool upgrade_is_external(const char *s, size_t vs, size_t ve, const char *ext, size_t en)
{
    jspan_iter_t it;
    size_t es, ee;
    if (!jspan_open(&it, ext, en, 0))
        return false;
    while (jspan_next(&it, NULL, NULL, &es, &ee)) {
        size_t p = es, e = ee;
        if (jspan_member(ext, ee, &p, &e, "id") && e - p == ve - vs && memcmp(ext + p, s + vs, ve - vs) == 0)
            return true;
    }
    return false;
}

/* A people list rewritten: every member kept as written but `status`; with
 * ext given (participants), an entry whose id is an external participant's
 * takes its email as id; without (attendees), an empty `email` is left out
 * (an attendee's email is there only when known). The result is arena text,
 * s itself when it is not a JSON array, NULL when memory ran out. */
static const char *upgrade_people(arena_t *a, const char *s, const char *ext)
{
    if (!s)
        return NULL;
    size_t n = strlen(s), en = ext ? strlen(ext) : 0;
    jspan_iter_t it;
    if (!jspan_open(&it, s, n, 0) || it.object)
        return s;
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '[');
    size_t vs, ve;
    bool first = true;
    while (jspan_next(&it, NULL, NULL, &vs, &ve)) {
        if (!first)
            buf_putc(&b, ',');
        first = false;
        jspan_iter_t mt;
        if (!jspan_open(&mt, s, ve, vs) || !mt.object) {
            buf_append(&b, s + vs, ve - vs);
            continue;
        }
        size_t ep = vs, ee = ve, ks, ke, ms, me;
        bool has_email = jspan_member(s, ve, &ep, &ee, "email");
        buf_putc(&b, '{');
        bool mfirst = true;
        while (jspan_next(&mt, &ks, &ke, &ms, &me)) {
            if (ke - ks == 6 && memcmp(s + ks, "status", 6) == 0)
                continue;
            if (!ext && ke - ks == 5 && memcmp(s + ks, "email", 5) == 0 && me - ms == 2)
                continue; /* "email":"" */
            if (!mfirst)
                buf_putc(&b, ',');
            mfirst = false;
            buf_append(&b, s + ks - 1, ke - ks + 2); /* the key with its quotes */
            buf_putc(&b, ':');
            bool is_id = ke - ks == 2 && memcmp(s + ks, "id", 2) == 0;
            if (is_id && ext && has_email && upgrade_is_external(s, ms, me, ext, en))
                buf_append(&b, s + ep, ee - ep);
            else
                buf_append(&b, s + ms, me - ms);
        }
        buf_putc(&b, '}');
    }
    buf_putc(&b, ']');
    const char *out = b.oom ? NULL : arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return out;
}

/* True when s[0..22) is a JSON string of a time with whole seconds, as the
 * old version wrote them: "YYYY-MM-DDTHH:MM:SSZ" (quotes included). */
static bool upgrade_is_old_time(const char *s)
{
    static const char shape[] = "\"dddd-dd-ddTdd:dd:ddZ\"";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    }
    return true;
}

/* s (a fragment the server generated, such as bots) with every time string
 * of whole seconds given milliseconds (".000"), as arena text; s itself when
 * it has none; NULL when memory ran out. User data (labels, transcripts) is
 * never passed here: a string that looks like a time there is the user's. */
static const char *upgrade_times(arena_t *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    buf_t b;
    buf_init(&b);
    size_t from = 0;
    for (size_t i = 0; i + 22 <= n; i++) {
        if (s[i] == '"' && upgrade_is_old_time(s + i)) {
            buf_append(&b, s + from, i + 20 - from); /* up to the seconds */
            buf_append(&b, ".000Z\"", 6);
            from = i + 22;
            i += 21;
        }
    }
    if (from == 0) {
        buf_free(&b);
        return s;
    }
    buf_append(&b, s + from, n - from);
    const char *r = b.oom ? NULL : arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return r;
}

int store_upgrade_conv(arena_t *a, conv_t *c, buf_t *out)
{
    const char *ext = c->participants_ext_json;
    const char *all = upgrade_people(a, c->participants_json, ext);
    const char *ext2 = upgrade_people(a, ext, ext);
    const char *att = upgrade_people(a, c->attendees_json, NULL);
    const char *bots = upgrade_times(a, c->bots_json); /* bots[].status.createdAt */
    if ((c->participants_json && !all) || (ext && !ext2) || (c->attendees_json && !att) ||
        (c->bots_json && !bots))
        return -1;
    c->bots_json = bots;
    c->participants_json = all;
    c->participants_ext_json = ext2;
    c->attendees_json = att;
    c->doc = NULL;
    return conv_store_prepare(a, c, out);
}
