/* conversation.c - the one renderer of the conversation resource, and its status enums. */
#include "model/conversation.h"

#include <string.h>

#include "model/transcript.h"

/* Writes the transcript attribute's value in the form o asks for. Stored JSON
 * is spliced, never parsed, except for the detailed form (parsed on demand). */
static void conv_write_transcript(jsonw_t *w, const conv_t *c, const conv_render_opts_t *o)
{
    if (o->hide_transcript) {
        if (o->transcript == CONV_TRANSCRIPT_TEXT)
            jsonw_string(w, "");
        else
            jsonw_raw(w, "{}", "{}");
        return;
    }
    switch (o->transcript) {
    case CONV_TRANSCRIPT_TEXT:
        jsonw_string(w, c->transcript_text);
        break;
    case CONV_TRANSCRIPT_OBJECT:
        jsonw_obj_begin(w);
        if (c->transcript_v1_json && c->transcript_v1_json[0])
            jsonw_kv_raw(w, "v1", c->transcript_v1_json, "{}");
        if (c->transcript_v2_json && c->transcript_v2_json[0])
            jsonw_kv_raw(w, "v2", c->transcript_v2_json, "{}");
        jsonw_obj_end(w);
        break;
    case CONV_TRANSCRIPT_DETAILED:
        /* Speaker emails are looked up among all participants (internal ones
         * included): the names are in the transcript anyway. A stored value
         * that does not parse renders as [] (transcript_write_detailed). */
        (void)transcript_write_detailed(w, c->transcript_v1_json, c->transcript_v2_json,
                                        c->participants_json);
        break;
    }
}

void conv_render(jsonw_t *w, const conv_t *c, const conv_render_opts_t *o)
{
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
    jsonw_kv_bool(w, "archived", c->archived);
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
    conv_write_transcript(w, c, o);

    jsonw_kv_raw(w, "participants",
                 o->include_internal_participants ? c->participants_json : c->participants_ext_json, "[]");
    jsonw_kv_raw(w, "attendees", c->attendees_json, "[]");
    jsonw_kv_raw(w, "bots", c->bots_json, "[]");
    jsonw_kv_raw(w, "boards", c->boards_json, "[]");
    jsonw_kv_raw(w, "talktracks", c->talktracks_json, "[]");
    jsonw_kv_raw(w, "scorecardResults", c->scorecards_json, "[]");
    jsonw_kv_raw(w, "externalOpportunity", c->external_opportunity_json, "{}");
    jsonw_kv_raw(w, "importMetadata", o->include_import_metadata ? c->import_metadata_json : NULL, "{}");
    jsonw_kv_raw(w, "zoomMetadata", o->include_zoom_metadata ? c->zoom_metadata_json : NULL, "{}");
    jsonw_kv_raw(w, "linkedCrmRecords", c->linked_crm_json, "[]");
    jsonw_kv_raw(w, "externalAccounts", c->external_accounts_json, "[]");
    jsonw_kv_raw(w, "externalContacts", c->external_contacts_json, "[]");
    jsonw_kv_raw(w, "extractedIntelligence", o->omit_intelligence ? NULL : c->extracted_intel_json, "{}");
    jsonw_kv_raw(w, "confirmedExtractedIntelligence", o->omit_intelligence ? NULL : c->confirmed_intel_json,
                 "{}");
    jsonw_kv_raw(w, "labels", c->labels_json, "{}");
    jsonw_kv_raw(w, "labelTagsToFilterIfNA", c->label_tags_na_json, "[]");
    jsonw_kv_raw(w, "deprecatedLabelCategories", c->deprecated_label_categories_json, "[]");

    jsonw_key(w, "user");
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", c->user_uuid);
    jsonw_kv_string(w, "email", c->user_email);
    jsonw_kv_string(w, "firstName", c->user_first_name);
    jsonw_kv_string(w, "lastName", c->user_last_name);
    jsonw_kv_string(w, "transcriptLang", c->user_transcript_lang);
    jsonw_obj_end(w);

    if (c->archived)
        jsonw_kv_time(w, "archivedAt", c->archived_at);

    jsonw_obj_end(w); /* attributes */

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
}

conv_render_opts_t conv_render_opts_single(void)
{
    conv_render_opts_t o;
    memset(&o, 0, sizeof o);
    o.transcript = CONV_TRANSCRIPT_OBJECT;
    return o;
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
