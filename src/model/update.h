/* update.h - validation of the conversation-change request bodies (spec §4) into a conv_update_t. */
#ifndef PARLEY_MODEL_UPDATE_H
#define PARLEY_MODEL_UPDATE_H

#include <jansson.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/uuid.h"
#include "model/conversation.h"

#define UPDATE_TITLE_MAX 500          /* characters (code points) */
#define UPDATE_LABELS_MAX 200         /* keys in a labels object */
#define UPDATE_LABEL_KEY_MAX 200      /* characters, at least 1 */
#define UPDATE_LABEL_VALUE_MAX 1000   /* characters, may be 0 */
#define UPDATE_CRM_RECORDS_MAX 100    /* linkedCrmRecords entries */
#define UPDATE_INTEL_MAX 1000         /* crm/confirm intelligence entries */
#define UPDATE_OPPORTUNITY_MAX 255    /* characters of an opportunity id */

/* One change to a conversation (issue 3 endpoints). Every member left NULL
 * (or -1) is unchanged. */
typedef enum { CONV_PRIVACY_KEEP = -1, CONV_PRIVACY_PUBLIC = 0, CONV_PRIVACY_PRIVATE = 1, CONV_PRIVACY_TOGGLE = 2 }
    conv_privacy_change_t;
typedef struct conv_update {
    const char *title;                  /* new title */
    const char *labels_json;            /* replaces the labels object */
    conv_privacy_change_t privacy;
    const char *linked_crm_json;        /* replaces linkedCrmRecords (a JSON array) */
    const char *confirm_intel_json;     /* object merged key by key into confirmedExtractedIntelligence */
    const char *external_opportunity_json; /* replaces externalOpportunity ({} removes it) */
    const char *scorecard_entry_json;   /* one scorecardResults entry, appended (scorecard_results_add) */
    const char *workflow_name;          /* the workflow-log entry this change writes (spec §4) */
    const struct conv_trigger *trigger; /* set (store.h): run these webhook endpoints, a
                                         * conversation.integration_triggered each, instead of writing the change's
                                         * events; nothing else is changed (trigger-native-integration) */
} conv_update_t;

/* Applies u to c (whose fields hold the stored conversation: conv_doc_parse):
 * title, privacy (set or toggled), labels, linked CRM records and the
 * opportunity replaced, the confirmed intelligence merged key by key (each
 * key's value replaced whole). New strings come from a. Returns 0, or -1
 * when memory ran out. */
int update_apply(arena_t *a, conv_t *c, const conv_update_t *u);

/* Every function below validates one endpoint's body and fills *u: it zeroes
 * *u first (privacy = CONV_PRIVACY_KEEP), then sets the members the body
 * changes and u->workflow_name (a static string). JSON it keeps is
 * re-serialised compactly into the arena a (so u only borrows from a, never
 * from the json_t, which the caller may free at once). Unknown members are
 * ignored; a JSON null member counts as absent. Each returns 0, or -1 with a
 * message naming the field, the rule and (when short) the value in err; *u is
 * then unusable. Strings never contain NUL (req_json_body parses without
 * JSON_ALLOW_NUL). */

/* PUT /conversations/{id}: {title?, labels?}, at least one. workflow_name is
 * "title_changed" or "labels_changed" when only one is given, "updated" when both are. */
int update_parse_conversation(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);
/* PUT /conversations/{id}/title: {title} required, 1..UPDATE_TITLE_MAX characters. */
int update_parse_title(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);
/* PUT /conversations/{id}/labels: {labels: {category: string}, skip_analysis?: bool}
 * (skip_analysis is checked and ignored: the server runs no analysis). */
int update_parse_labels(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);
/* PUT /conversations/{id}/change_privacy: body NULL (no body) or an object
 * without `private` toggles; {"private": bool} sets it. */
int update_parse_privacy(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);
/* PUT /conversations/{id}/linked-crm-records: {"linkedCrmRecords":[…]} or a
 * bare array of at most UPDATE_CRM_RECORDS_MAX objects, each with string id
 * and code (other members kept as given). Replaces the set. */
int update_parse_linked_crm(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);
/* POST /conversations/{id}/crm/confirm: {intelligence:[{id?,key,value,title?,
 * category?,source?}], opportunity_id?}. u->confirm_intel_json becomes an
 * object keyed by `key` whose values are {id,key,value,title,category,source}
 * (strings default to ""; value is a string, number or boolean, kept as
 * given; a later entry with the same key wins). opportunity_id (non-empty
 * string) also sets externalOpportunity {"uuid":id,"title":""}. */
int update_parse_crm_confirm(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);
/* POST /changeConversationOpportunity: {conversation_id, opportunity_id?,
 * entity_code?, remove_opportunity?}. conversation_id must be a UUID string
 * (its lowercase form goes to conv_out); opportunity_id sets
 * externalOpportunity {"uuid":id,"title":""}; remove_opportunity=true sets it
 * to {}; exactly one of the two is required. entity_code is checked (string)
 * and ignored. */
int update_parse_opportunity(arena_t *a, const json_t *body, conv_update_t *u, uuid_str_t conv_out, char *err,
                             size_t errlen);

#endif
