/* conversation.h - the conversation resource: its fields and its one renderer. */
#ifndef PARLEY_MODEL_CONVERSATION_H
#define PARLEY_MODEL_CONVERSATION_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/jsonw.h"
#include "lib/uuid.h"

/* One conversation as stored. Every `const char *` is borrowed: it points into
 * whatever produced the struct (a store row that is valid for the duration of
 * a callback, or an arena of the import builder). String fields that are NULL
 * render as "". Fields named *_json hold one complete JSON value each, spliced
 * into the output as is; NULL renders as the documented empty value ([] or {}).
 * Times are unix seconds; 0 means "not set" and renders as "". */
typedef struct conv {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t user_uuid;       /* owner */
    uuid_str_t team_uuid;       /* may be "" */
    const char *title;
    int64_t created_at;
    int64_t finished_at;
    int64_t live_started_at;
    int64_t live_ended_at;
    int64_t archived_at;        /* set while archived */
    bool archived, referenceable, is_private, is_internal, is_empty;
    double media_duration;      /* seconds */
    const char *video_uid;
    const char *video_status;          /* PENDING UNAVAILABLE IMPORTING READY */
    const char *media_storage_status;  /* same set */
    const char *transcript_status;     /* PENDING IN_PROGRESS COMPLETED FAILED */
    const char *crm_export_status;     /* NONE PENDING EXPORTED FAILED */
    const char *import_status;         /* NONE PENDING IN_PROGRESS FINISHED DISCARDED FAILED */
    const char *deal_uuid;
    const char *email_template_id;
    const char *ext_intel_opp_id;      /* externalIntelligenceOpportunityID */
    const char *zoom_url, *gmeet_url, *teams_url, *webex_url;
    const char *external_id;           /* applicationExternalID; not an attribute */
    const char *application_name;      /* not an attribute */
    const char *media_key;             /* the attached media object (src/media); not an attribute, not stored in
                                        * the conversation's row (store_conv_media_*); set by export and load only */

    /* the owner, joined from users; rendered as attribute `user` */
    const char *user_email, *user_first_name, *user_last_name, *user_transcript_lang;

    /* spliced JSON fragments */
    const char *participants_json;     /* all participants, each with "internal": bool removed */
    const char *participants_ext_json; /* participants without the internal ones (default view) */
    const char *attendees_json;
    const char *bots_json;
    const char *boards_json;
    const char *talktracks_json;
    const char *scorecards_json;       /* scorecardResults */
    const char *external_opportunity_json; /* {uuid,title} or {} */
    const char *import_metadata_json;
    const char *zoom_metadata_json;
    const char *linked_crm_json;
    const char *external_accounts_json;
    const char *external_contacts_json;
    const char *extracted_intel_json;
    const char *confirmed_intel_json;
    const char *labels_json;
    const char *label_tags_na_json;
    const char *deprecated_label_categories_json;

    /* the transcript as stored: the canonical imported forms (v1 is derived
     * from v2 on import when only v2 was given) and the plain-text form that
     * lists show, computed once on import by transcript_build. The object form
     * is spliced from v1/v2; the detailed form is computed on demand. */
    const char *transcript_v1_json;    /* {pieceInFlux, final:[…]} or NULL */
    const char *transcript_v2_json;    /* or NULL */
    const char *transcript_text;       /* "<speaker>: <text>\n"… or NULL */
} conv_t;

typedef enum {
    CONV_TRANSCRIPT_TEXT,      /* list endpoints: plain string */
    CONV_TRANSCRIPT_OBJECT,    /* GET /conversations/{id}: {"v1":…,"v2":…} */
    CONV_TRANSCRIPT_DETAILED,  /* detailedTranscript=true */
} conv_transcript_form_t;

typedef struct conv_render_opts {
    conv_transcript_form_t transcript;
    bool hide_transcript;              /* filter[hide_transcript]: "" for the TEXT form, {} for OBJECT and DETAILED */
    bool include_internal_participants;
    bool include_zoom_metadata;
    bool include_import_metadata;
    bool omit_intelligence;            /* /conversations/list without withCrmRecords: extractedIntelligence and
                                        * confirmedExtractedIntelligence render as {} (the keys stay, so every
                                        * attribute is always present) */
} conv_render_opts_t;

/* Writes the whole resource {"type","id","attributes",…,"links"} at the
 * writer's current position. Every attribute of spec §3 is written, in one
 * fixed order (the seed page's, then `user`), whatever the options; then
 * `archivedAt` only when archived (extension). `participants` is
 * participants_json with include_internal_participants, else
 * participants_ext_json; importMetadata / zoomMetadata are {} unless their
 * include option is set. Stored JSON is spliced without parsing except for
 * the DETAILED transcript form (speaker emails are matched against all
 * participants). Can't fail (the writer records OOM). */
void conv_render(jsonw_t *w, const conv_t *c, const conv_render_opts_t *o);

/* Default render options for GET /conversations/{id} and for lists. */
conv_render_opts_t conv_render_opts_single(void);
conv_render_opts_t conv_render_opts_list(void);

/* Status enums; the _valid functions check membership (case-sensitive). */
bool conv_media_status_valid(const char *s);
bool conv_import_status_valid(const char *s);
bool conv_transcript_status_valid(const char *s);
bool conv_crm_export_status_valid(const char *s);

#endif
