/* conversation.h - the conversation resource: its fields and its one renderer. */
#ifndef PARLEY_MODEL_CONVERSATION_H
#define PARLEY_MODEL_CONVERSATION_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jsonw.h"
#include "lib/uuid.h"

/* Where the parts of a stored document that vary sit (byte offsets into the
 * document): the value of each slot, [start, end), and `tail`, the place of
 * the attributes' closing brace, where `user` (joined from the owner's row at
 * read time) and `archivedAt` go. Slots are in document order. */
typedef enum {
    CONV_SLOT_ARCHIVED,        /* "false" in the document; the row's flag is spliced in */
    CONV_SLOT_TRANSCRIPT,      /* the object form {"v1":…,"v2":…}; the list and detailed forms derive from it */
    CONV_SLOT_PARTICIPANTS,    /* external participants; all of them (participants_json) on request */
    CONV_SLOT_IMPORT_META,     /* "{}"; import_metadata_json on request */
    CONV_SLOT_ZOOM_META,       /* "{}"; zoom_metadata_json on request */
    CONV_SLOT_EXTRACTED,       /* extractedIntelligence; "{}" on the light list */
    CONV_SLOT_CONFIRMED,       /* confirmedExtractedIntelligence; same */
    CONV_NSLOTS
} conv_slot_t;

typedef struct conv_doc_slots {
    uint32_t start[CONV_NSLOTS], end[CONV_NSLOTS];
    uint32_t tail;
} conv_doc_slots_t;

#define CONV_SLOTS_TEXT_MAX (11 * (2 * CONV_NSLOTS + 1)) /* conv_slots_format's output, with its NUL */

/* One conversation. Every `const char *` is borrowed: it points into whatever
 * produced the struct (a store row that is valid for the duration of a
 * callback, or an arena of the import builder). String fields that are NULL
 * render as "". Fields named *_json hold one complete JSON value each, spliced
 * into the output as is; NULL renders as the documented empty value ([] or {},
 * null for externalOpportunity). Times are milliseconds since the epoch; 0
 * means "not set" and renders as "".
 *
 * Two ways to hold the content: the fields below, or (what the stores read)
 * `doc`, the stored document conv_doc_build made, with its slots. With a doc,
 * only the identity, the live fields (archived, archived_at, the owner's
 * user_* fields) and what the document leaves out (participants_json,
 * import_metadata_json, zoom_metadata_json, external_id, application_name)
 * are set; conv_doc_parse fills the rest from the document when a writer
 * needs them (changes, export). */
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
    const char *external_opportunity_json; /* {uuid,title}; NULL, "" or {} (none) render as null */
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
     * from v2 on import when only v2 was given). The object form is spliced
     * from them; the list form derives from v1 and the detailed form from v2
     * (or v1) when asked. */
    const char *transcript_v1_json;    /* {pieceInFlux, final:[…]} or NULL */
    const char *transcript_v2_json;    /* or NULL */

    /* derived for the list filters (conv_store_prepare sets them for a write) */
    const char *opportunity_uuid;      /* externalOpportunity.uuid, NULL when none */
    bool analyzed;                     /* scorecard results or non-empty extracted intelligence */

    /* the stored document, when the conversation was read from a store */
    const char *doc;                   /* NULL: render from the fields */
    size_t doc_len;
    conv_doc_slots_t slots;
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

/* Writes the stored document of c (from its fields; c->doc is ignored) into
 * out: the resource {"type","id","attributes",…,"links"} as GET renders it
 * with the default options and archived false, without `user` and
 * `archivedAt`, every attribute of spec §3 in one fixed order (the seed
 * page's), and fills *slots. Returns 0, or -1 when memory ran out (out->oom)
 * or the document would exceed 4 GiB. */
int conv_doc_build(const conv_t *c, buf_t *out, conv_doc_slots_t *slots);

/* Writes the whole resource {"type","id","attributes",…,"links"} at the
 * writer's current position, by splicing c's document (built from the fields
 * first when c->doc is NULL): every attribute of spec §3 in one fixed order
 * whatever the options, then `user`, then `archivedAt` only when archived
 * (extension). `participants` is participants_json with
 * include_internal_participants, else the external ones; importMetadata /
 * zoomMetadata are {} unless their include option is set; the list form of
 * the transcript is derived from its v1 ("<speaker>: <sentence>\n" a
 * segment), the detailed form parsed from v1/v2. Can't fail (the writer
 * records OOM). */
void conv_render(jsonw_t *w, const conv_t *c, const conv_render_opts_t *o);

/* "a,b,…" of the slots (conv_slots_format), into out (CONV_SLOTS_TEXT_MAX). */
void conv_slots_format(const conv_doc_slots_t *s, char *out);
/* Reads the slots of a document of doc_len bytes; -1 when the text is not
 * such a list or the offsets do not fit the document in order. */
int conv_slots_parse(const char *text, size_t doc_len, conv_doc_slots_t *out);

/* Fills c's content fields from c->doc (strings and fragments allocated from
 * a, fragments exactly as the document holds them), for writers that change
 * a stored conversation or export it. Returns 0, or -1 when the document
 * does not parse (a store bug) or memory ran out. */
int conv_doc_parse(arena_t *a, conv_t *c);

/* Copies every string c points to (its document too) into a, so that c
 * outlives the store row it was read from. Returns 0, or -1 when memory ran out. */
int conv_own(arena_t *a, conv_t *c);

/* Writes the list form of c's transcript ("<speaker>: <sentence>\n" per
 * segment of its v1) as a JSON string. Can't fail (the writer records OOM). */
void conv_write_transcript_text(jsonw_t *w, const conv_t *c);
/* Writes every participant of c, internal ones included, as JSON. */
void conv_write_participants(jsonw_t *w, const conv_t *c);

/* Gets c (from its fields) ready to be stored: writes its stored document,
 * "<slots>\n<document>" (what conv_stored_doc_read reads back), into out,
 * and sets the derived fields the filters use (opportunity_uuid, from a;
 * analyzed) and participants_json to NULL when it holds no one but the
 * external participants (the document has those). Returns 0, or -1 when
 * memory ran out. */
int conv_store_prepare(arena_t *a, conv_t *c, buf_t *out);
/* The canonical v1 transcript held by a stored document (text[0..len),
 * "<slots>\n<document>"), copied into a; NULL when it has none, the text is
 * malformed or memory ran out. For readers that need nothing else of it
 * (Ask Attention's search of a short transcript). */
const char *conv_stored_transcript_v1(arena_t *a, const char *text, size_t len);
/* Reads a stored document (text[0..len), "<slots>\n<document>") into c's
 * doc, doc_len and slots; doc NULL when text is NULL or malformed. */
void conv_stored_doc_read(conv_t *c, const char *text, size_t len);

/* Default render options for GET /conversations/{id} and for lists. */
conv_render_opts_t conv_render_opts_single(void);
/* True when o renders as conv_render_opts_single does. */
bool conv_render_opts_is_single(const conv_render_opts_t *o);
conv_render_opts_t conv_render_opts_list(void);

/* Status enums; the _valid functions check membership (case-sensitive). */
bool conv_media_status_valid(const char *s);
bool conv_import_status_valid(const char *s);
bool conv_transcript_status_valid(const char *s);
bool conv_crm_export_status_valid(const char *s);

#endif
