/* scorecard.h - scorecards, their items and results (beyond.md §3): the structs the store hands over, the request bodies, and the JSON they render as. */
#ifndef PARLEY_MODEL_SCORECARD_H
#define PARLEY_MODEL_SCORECARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jsonw.h"
#include "lib/uuid.h"
#include "model/conversation.h"

#define SCORECARD_TITLE_MAX 128     /* characters */
#define SCORECARD_ITEM_TITLE_MAX 256
#define SCORECARD_TEXT_MAX 20000    /* characters of instructions, prompts, descriptions, summaries */
#define SCORECARD_CRITERIA_MAX 100  /* criteria.conditions entries */
#define SCORECARD_RESULT_ITEMS_MAX 200
#define SCORECARD_PAGE_SIZE_MAX 200
#define SCORECARD_FILTER_MAX 1000   /* entries of each summary filter array */
#define SCORECARD_NUMBER_MAX 1e9    /* |min|, |max| of an item's numeric range */

/* One scorecard as stored. Strings are borrowed (a store row valid during a
 * callback, or an arena). Times are unix milliseconds. */
typedef struct scorecard {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t team_uuid;          /* "" when all_teams */
    const char *title;
    bool all_teams, enabled, expert_mode, is_default_template;
    const char *interaction_type;  /* conversation | chat | email */
    const char *detailed_instructions;
    const char *scorecard_prompt;
    const char *criteria_json;     /* {"operator":…,"conditions":[…]}, compact */
    int64_t created_at, updated_at;
} scorecard_t;

/* One item of a scorecard as stored (same conventions). */
typedef struct scorecard_item {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t scorecard_uuid;
    const char *title;
    const char *type;              /* numeric */
    int64_t position;
    double weight;                 /* 0-100 */
    int64_t version;               /* 1, then +1 per change */
    const char *expert_prompt;
    double num_min, num_middle, num_max;
    const char *min_criteria, *middle_criteria, *max_criteria;
    int64_t created_at, updated_at;
    int64_t deleted_at;            /* 0 while it is part of the scorecard */
} scorecard_item_t;

/* ---- request bodies ---------------------------------------------------------- */

/* Which members a scorecard or item body set (a PATCH keeps the others). */
enum {
    SC_F_TITLE = 1 << 0, SC_F_TEAM = 1 << 1, SC_F_ENABLED = 1 << 2, SC_F_INTERACTION = 1 << 3,
    SC_F_INSTRUCTIONS = 1 << 4, SC_F_PROMPT = 1 << 5, SC_F_EXPERT = 1 << 6, SC_F_DEFAULT = 1 << 7,
    SC_F_CRITERIA = 1 << 8,
    SCI_F_TITLE = 1 << 0, SCI_F_TYPE = 1 << 1, SCI_F_POSITION = 1 << 2, SCI_F_WEIGHT = 1 << 3,
    SCI_F_EXPERT = 1 << 4, SCI_F_METADATA = 1 << 5,
};

/* Decodes a POST (create) or PATCH (!create) /scorecards body (camelCase;
 * unknown members ignored) onto *s: the members given replace s's (strings
 * borrowed from root or made in a); *set receives the SC_F_ bits of the
 * members given. Create: title required, exactly one of teamUUID and
 * allTeams true; defaults enabled true, interactionType "conversation", "",
 * false, criteria {"operator":"AND","conditions":[]} (the caller fills s with
 * them first: scorecard_defaults). PATCH: at least one member; teamUUID sets
 * the team (allTeams false), allTeams true clears it; both, or allTeams false
 * alone, are refused. Returns 0, or -1 with the reason in err. */
int scorecard_body_parse(arena_t *a, const json_t *root, bool create, scorecard_t *s, unsigned *set, char *err,
                         size_t errlen);
/* Fills s with the defaults of a new scorecard (no uuid, org, title, team). */
void scorecard_defaults(scorecard_t *s);

/* Decodes a POST (create) or PATCH item body onto *it as scorecard_body_parse
 * does; create needs title, type ("numeric") and weight (0-100); position an
 * integer 0-1,000,000; metadata {numericMetadata {min, middle, max,
 * minCriteria, middleCriteria, maxCriteria}} merges member by member; the
 * range must stay min < max, min <= middle <= max (middle defaults to the
 * mid-point when only min or max is given on create). Returns 0 or -1. */
int scorecard_item_body_parse(const json_t *root, bool create, scorecard_item_t *it, unsigned *set, char *err,
                              size_t errlen);
/* Fills it with the defaults of a new item: numeric, weight 0, range 0-50-100, "" texts. */
void scorecard_item_defaults(scorecard_item_t *it);

/* One item of a POST /createScorecardResult body. */
typedef struct scorecard_result_item {
    const char *item_uuid;         /* canonical, arena */
    const char *description;       /* borrowed */
    bool has_score;
    double score;
} scorecard_result_item_t;

typedef struct scorecard_result_req {
    const char *scorecard_uuid;    /* canonical, arena */
    const char *conversation_uuid; /* canonical, arena; NULL when chat_uuid was given */
    const char *chat_uuid;         /* canonical, arena; NULL when conversation_uuid was given */
    const char *summary;           /* borrowed; "" when absent */
    scorecard_result_item_t *items; /* arena */
    size_t n_items;
} scorecard_result_req_t;

/* Decodes {scorecard_uuid, conversation_uuid | chat_uuid, summary, items:
 * [{scorecard_item_uuid, description, numeric_result?}]} (unknown members
 * ignored): UUIDs where ids go, exactly one of conversation_uuid and
 * chat_uuid, 1-200 items without repeats. Returns 0 or -1 (err). */
int scorecard_result_parse(arena_t *a, const json_t *root, scorecard_result_req_t *out, char *err, size_t errlen);

/* Checks the result's items against the scorecard's live items (items[0..n)):
 * each must be one of them, numeric_result within its min-max. Returns 0 or
 * -1 with the reason in err. */
int scorecard_result_check(const scorecard_result_req_t *rq, const scorecard_item_t *items, size_t n, char *err,
                           size_t errlen);

/* The body of POST /scorecards/summary. */
typedef struct scorecard_summary_req {
    const char *scorecard_uuid;    /* canonical, arena */
    int64_t from_ms, to_ms;        /* inclusive; 0 and INT64_MAX when absent */
    const char **team_uuids, **user_uuids, **item_uuids; /* canonical, arena */
    size_t n_teams, n_users, n_items;
} scorecard_summary_req_t;

/* Decodes {scorecardUUID, fromDateTime, toDateTime, teamUUIDs, userUUIDs,
 * scorecardsItemsUUIDs} (empty arrays = all; at most SCORECARD_FILTER_MAX
 * UUIDs each; times RFC 3339, from <= to). Returns 0 or -1 (err). */
int scorecard_summary_parse(arena_t *a, const json_t *root, scorecard_summary_req_t *out, char *err,
                            size_t errlen);

/* ---- output ----------------------------------------------------------------- */

/* Writes a Scorecard {id, title, organizationId, teamId (null when all
 * teams), allTeams, enabled, interactionType, detailedInstructions,
 * scorecardPrompt, expertMode, isDefaultTemplate, criteria, createdAt}. */
void scorecard_render(jsonw_t *w, const scorecard_t *s);
/* Writes an item {id, scorecardId, title, type, position, weight, version,
 * expertPrompt, metadata {numericMetadata {…}}, createdAt, lastUpdatedAt}. */
void scorecard_item_render(jsonw_t *w, const scorecard_item_t *it);

/* The score of a result: the mean of its scored items weighted by their
 * weights (the plain mean when every weight is 0), rounded to 2 decimals;
 * 0 with *min = *max = 0 when none is scored. */
double scorecard_result_score(const scorecard_result_req_t *rq, const scorecard_item_t *items, size_t n,
                              double *min, double *max);

/* Renders one entry of a conversation's scorecardResults into out (appended):
 * {uuid, title, items:[{uuid, title, description, score (null when not
 * scored)}], summary {averageScore, min, max, summaryText}}; items of rq in
 * order, their titles from items[0..n) (the scorecard's). */
void scorecard_result_render(buf_t *out, const char *result_uuid, const char *scorecard_title,
                             const scorecard_result_req_t *rq, const scorecard_item_t *items, size_t n);

/* The stored scorecardResults fragment old (a JSON array; NULL, "" or
 * anything else counts as []) with entry (one JSON object) appended, into
 * out (reset first). Byte for byte: old's bytes up to its closing bracket,
 * a comma when it had entries, entry, "]". Returns 0, -1 on OOM. */
int scorecard_results_append(const char *old, const char *entry, buf_t *out);
/* Appends entry (one JSON object) to c->scorecards_json (scorecard_results_append),
 * the new text in arena a: the change a POST /createScorecardResult makes to
 * its conversation (update_apply; conv_store_prepare then sets `analyzed`).
 * Returns 0, -1 on OOM. */
int scorecard_results_add(arena_t *a, conv_t *c, const char *entry);

/* x rounded to 2 decimals (half away from zero). */
double scorecard_round2(double x);

#endif
