/* shape.c - the row shapes both backends read, and the hand-off of a row to its callback. */
#include "store/shape.h"

#define STR(t, f) {NULL, STORE_FIELD_STR, offsetof(t, f), sizeof(((t *)0)->f), false}
#define INT(t, f) {NULL, STORE_FIELD_INT, offsetof(t, f), 0, false}
#define BOOL(t, f) {NULL, STORE_FIELD_BOOL, offsetof(t, f), 0, false}
#define TEXT0(t, f) {NULL, STORE_FIELD_TEXT0, offsetof(t, f), 0, false}
#define REAL(t, f) {NULL, STORE_FIELD_REAL, offsetof(t, f), 0, false}
#define SHAPE(t, fields) {sizeof(t), fields, (int)(sizeof(fields) / sizeof(fields[0]))}

static const store_field_t uuid_fields[] = {{NULL, STORE_FIELD_STR, 0, sizeof(uuid_str_t), false}};
const store_shape_t store_shape_uuid = SHAPE(uuid_str_t, uuid_fields);

/* The users columns of both backends' SQL (uuid, org, primary team or '', email, names, language, role,
 * created, bot name or '', seat type, deals enabled). */
static const store_field_t user_fields[] = {
    STR(store_user_t, uuid),       STR(store_user_t, org_uuid),   STR(store_user_t, primary_team_uuid),
    STR(store_user_t, email),      STR(store_user_t, first_name), STR(store_user_t, last_name),
    STR(store_user_t, transcript_lang), STR(store_user_t, role),  INT(store_user_t, created_at),
    STR(store_user_t, bot_name),   STR(store_user_t, seat_type),  BOOL(store_user_t, deals_enabled),
};
const store_shape_t store_shape_user = SHAPE(store_user_t, user_fields);

/* uuid, org, parent or '', name, domain or '', created. */
static const store_field_t team_fields[] = {
    STR(store_team_t, uuid), STR(store_team_t, org_uuid), STR(store_team_t, parent_uuid),
    STR(store_team_t, name), STR(store_team_t, domain),   INT(store_team_t, created_at),
};
const store_shape_t store_shape_team = SHAPE(store_team_t, team_fields);

/* id, org, user, name or '', last4, org_level, created, last seen. */
static const store_field_t key_fields[] = {
    STR(store_key_info_t, id),        STR(store_key_info_t, org_uuid), STR(store_key_info_t, user_uuid),
    STR(store_key_info_t, name),      STR(store_key_info_t, last4),    BOOL(store_key_info_t, org_level),
    INT(store_key_info_t, created_at), INT(store_key_info_t, last_seen_at),
};
const store_shape_t store_shape_key = SHAPE(store_key_info_t, key_fields);

/* The key of a request: id, org, user, org_level, last seen. */
static const store_field_t key_lookup_fields[] = {
    STR(store_key_t, id), STR(store_key_t, org_uuid), STR(store_key_t, user_uuid),
    BOOL(store_key_t, org_level), INT(store_key_t, last_seen_at),
};
const store_shape_t store_shape_key_lookup = SHAPE(store_key_t, key_lookup_fields);

/* A page row of the workflow logs: id, conversation, name, success, error, created. */
static const store_field_t log_fields[] = {
    INT(store_workflow_log_t, id),      STR(store_workflow_log_t, conversation_uuid),
    TEXT0(store_workflow_log_t, workflow_name), BOOL(store_workflow_log_t, success),
    TEXT0(store_workflow_log_t, error), INT(store_workflow_log_t, created_at),
};
const store_shape_t store_shape_log = SHAPE(store_workflow_log_t, log_fields);

/* A webhook endpoint: id, org, url, events, payload = 'resource' (a boolean: the SQL compares), secret,
 * created. */
static const store_field_t webhook_fields[] = {
    STR(store_webhook_t, id), STR(store_webhook_t, org_uuid), STR(store_webhook_t, url), INT(store_webhook_t, events),
    BOOL(store_webhook_t, resource), STR(store_webhook_t, secret), INT(store_webhook_t, created_at),
};
const store_shape_t store_shape_webhook = SHAPE(store_webhook_t, webhook_fields);

/* A scorecard: uuid, org, team or '', title, all teams, enabled, interaction type, detailed instructions,
 * prompt, expert mode, default template, criteria, created, updated. */
static const store_field_t scorecard_fields[] = {
    STR(scorecard_t, uuid),                 STR(scorecard_t, org_uuid),         STR(scorecard_t, team_uuid),
    TEXT0(scorecard_t, title),              BOOL(scorecard_t, all_teams),       BOOL(scorecard_t, enabled),
    TEXT0(scorecard_t, interaction_type),   TEXT0(scorecard_t, detailed_instructions),
    TEXT0(scorecard_t, scorecard_prompt),   BOOL(scorecard_t, expert_mode),     BOOL(scorecard_t, is_default_template),
    TEXT0(scorecard_t, criteria_json),      INT(scorecard_t, created_at),       INT(scorecard_t, updated_at),
};
const store_shape_t store_shape_scorecard = SHAPE(scorecard_t, scorecard_fields);

/* An item: uuid, org, scorecard, title, type, position, weight, version, expert prompt, min, middle and max
 * values, their criteria, created, updated, deleted (0: live). */
static const store_field_t scorecard_item_fields[] = {
    STR(scorecard_item_t, uuid),           STR(scorecard_item_t, org_uuid),     STR(scorecard_item_t, scorecard_uuid),
    TEXT0(scorecard_item_t, title),        TEXT0(scorecard_item_t, type),       INT(scorecard_item_t, position),
    REAL(scorecard_item_t, weight),        INT(scorecard_item_t, version),      TEXT0(scorecard_item_t, expert_prompt),
    REAL(scorecard_item_t, num_min),       REAL(scorecard_item_t, num_middle),  REAL(scorecard_item_t, num_max),
    TEXT0(scorecard_item_t, min_criteria), TEXT0(scorecard_item_t, middle_criteria),
    TEXT0(scorecard_item_t, max_criteria), INT(scorecard_item_t, created_at),   INT(scorecard_item_t, updated_at),
    INT(scorecard_item_t, deleted_at),
};
const store_shape_t store_shape_scorecard_item = SHAPE(scorecard_item_t, scorecard_item_fields);

/* A row of the summary (store/scorecard_sql.h): user, item, count, sum, min, max, weighted sum, weights. */
static const store_field_t summary_group_fields[] = {
    STR(store_summary_group_t, user_uuid), STR(store_summary_group_t, item_uuid), INT(store_summary_group_t, n),
    REAL(store_summary_group_t, total),    REAL(store_summary_group_t, lo),       REAL(store_summary_group_t, hi),
    REAL(store_summary_group_t, wtotal),   REAL(store_summary_group_t, wsum),
};
const store_shape_t store_shape_summary_group = SHAPE(store_summary_group_t, summary_group_fields);

/* A history entry: uuid, org, user, title, result, prompt, synthesis, items, conversations, created. */
static const store_field_t gi_fields[] = {
    STR(store_gi_entry_t, uuid),           STR(store_gi_entry_t, org_uuid),  STR(store_gi_entry_t, user_uuid),
    TEXT0(store_gi_entry_t, title),        STR(store_gi_entry_t, result_uuid), TEXT0(store_gi_entry_t, prompt),
    TEXT0(store_gi_entry_t, synthesis),    TEXT0(store_gi_entry_t, items_json),
    TEXT0(store_gi_entry_t, conversations_json), INT(store_gi_entry_t, created_at),
};
const store_shape_t store_shape_gi = SHAPE(store_gi_entry_t, gi_fields);

#define CONV_COL(f, k) {#f, k, offsetof(conv_t, f), 0, false}
#define CONV_UUID(f) {#f, STORE_FIELD_STR, offsetof(conv_t, f), sizeof(uuid_str_t), false}
#define CONV_BODY(f) {#f, STORE_FIELD_TEXT, offsetof(conv_t, f), 0, true}
#define CONV_OWNER(f) {NULL, STORE_FIELD_TEXT, offsetof(conv_t, f), 0, false}

/* Every stored conv_t field, in the order of both backends' SELECT and
 * INSERT lists, then the owner's fields from the join with users. SQLite keeps
 * the body ones in conversation_bodies (the document last: reading the
 * columns before it never walks its overflow pages), the others in
 * conversations; PostgreSQL keeps them all in conversations. */
const store_field_t store_conv_cols[] = {
    CONV_UUID(uuid),
    CONV_UUID(org_uuid),
    CONV_UUID(user_uuid),
    CONV_UUID(team_uuid),
    CONV_COL(created_at, STORE_FIELD_INT),
    CONV_COL(archived, STORE_FIELD_BOOL),
    CONV_COL(archived_at, STORE_FIELD_INT),
    CONV_COL(is_private, STORE_FIELD_BOOL),
    CONV_COL(is_internal, STORE_FIELD_BOOL),
    CONV_COL(is_empty, STORE_FIELD_BOOL),
    CONV_COL(import_status, STORE_FIELD_TEXT),
    CONV_COL(external_id, STORE_FIELD_TEXT),
    CONV_COL(application_name, STORE_FIELD_TEXT),
    CONV_COL(title, STORE_FIELD_TEXT),
    {"opportunity_uuid", STORE_FIELD_TEXT, offsetof(conv_t, opportunity_uuid), 0, true},
    {"analyzed", STORE_FIELD_BOOL, offsetof(conv_t, analyzed), 0, true},
    CONV_BODY(linked_crm_json),
    CONV_BODY(participants_json),
    CONV_BODY(import_metadata_json),
    CONV_BODY(zoom_metadata_json),
    {"doc", STORE_FIELD_DOC, offsetof(conv_t, doc), 0, true},
    CONV_OWNER(user_email),
    CONV_OWNER(user_first_name),
    CONV_OWNER(user_last_name),
    CONV_OWNER(user_transcript_lang),
};
const store_shape_t store_shape_conv = SHAPE(conv_t, store_conv_cols);

/* Which member of cb is set (the first, in store_cbs_t order), STORE_CB_NONE when none is. */
typedef enum {
    STORE_CB_NONE, STORE_CB_USER, STORE_CB_TEAM, STORE_CB_KEY, STORE_CB_CONV, STORE_CB_LOG, STORE_CB_WEBHOOK,
    STORE_CB_FOLDER, STORE_CB_SNIPPET, STORE_CB_SCORECARD, STORE_CB_SCORECARD_ITEM, STORE_CB_SUMMARY, STORE_CB_GI,
} store_cb_which_t;

static store_cb_which_t store_cbs_which(const store_cbs_t *cb)
{
    return cb->user             ? STORE_CB_USER
           : cb->team           ? STORE_CB_TEAM
           : cb->key            ? STORE_CB_KEY
           : cb->conv           ? STORE_CB_CONV
           : cb->log            ? STORE_CB_LOG
           : cb->webhook        ? STORE_CB_WEBHOOK
           : cb->folder         ? STORE_CB_FOLDER
           : cb->snippet        ? STORE_CB_SNIPPET
           : cb->scorecard      ? STORE_CB_SCORECARD
           : cb->scorecard_item ? STORE_CB_SCORECARD_ITEM
           : cb->summary        ? STORE_CB_SUMMARY
           : cb->gi             ? STORE_CB_GI
                                : STORE_CB_NONE;
}

const store_shape_t *store_cbs_shape(const store_cbs_t *cb)
{
    static const store_shape_t *const shapes[] = {
        [STORE_CB_NONE] = NULL,           [STORE_CB_USER] = &store_shape_user, [STORE_CB_TEAM] = &store_shape_team,
        [STORE_CB_KEY] = &store_shape_key, [STORE_CB_CONV] = &store_shape_conv, [STORE_CB_LOG] = &store_shape_log,
        [STORE_CB_WEBHOOK] = &store_shape_webhook, [STORE_CB_FOLDER] = &store_shape_folder,
        [STORE_CB_SNIPPET] = &store_shape_snippet, [STORE_CB_SCORECARD] = &store_shape_scorecard,
        [STORE_CB_SCORECARD_ITEM] = &store_shape_scorecard_item, [STORE_CB_SUMMARY] = &store_shape_summary_group,
        [STORE_CB_GI] = &store_shape_gi,
    };
    return shapes[store_cbs_which(cb)];
}

int store_cbs_call(const store_cbs_t *cb, void *ctx, const store_row_t *row)
{
    switch (store_cbs_which(cb)) {
    case STORE_CB_USER: return cb->user(ctx, &row->u);
    case STORE_CB_TEAM: return cb->team(ctx, &row->t);
    case STORE_CB_KEY: return cb->key(ctx, &row->k);
    case STORE_CB_CONV: return cb->conv(ctx, &row->c);
    case STORE_CB_LOG: return cb->log(ctx, &row->l);
    case STORE_CB_WEBHOOK: return cb->webhook(ctx, &row->w);
    case STORE_CB_FOLDER: return cb->folder(ctx, &row->f);
    case STORE_CB_SNIPPET: return cb->snippet(ctx, &row->s);
    case STORE_CB_SCORECARD: return cb->scorecard(ctx, &row->sc);
    case STORE_CB_SCORECARD_ITEM: return cb->scorecard_item(ctx, &row->sci);
    case STORE_CB_SUMMARY: return cb->summary(ctx, &row->sum);
    case STORE_CB_GI: return cb->gi(ctx, &row->gi);
    case STORE_CB_NONE: break;
    }
    return 0;
}
