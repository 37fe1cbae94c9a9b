/* filter.h - list filters and paging (spec §4.1) decoded from a query string. */
#ifndef PARLEY_MODEL_FILTER_H
#define PARLEY_MODEL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/query.h"
#include "model/conversation.h"

typedef struct strlist {
    const char **v; /* arena-owned */
    size_t n;
} strlist_t;

typedef enum {
    CONV_ARCHIVED_EXCLUDE = 0, /* default */
    CONV_ARCHIVED_INCLUDE,     /* filter[include_archived]=true */
    CONV_ARCHIVED_ONLY,        /* filter[archived]=true */
} conv_archived_mode_t;

#define FILTER_CRM_VALUES_MAX 10

/* Everything a list request asks the store for. All strings are arena-owned.
 * Emails in owner_emails / participant_emails are lowercased. */
typedef struct conv_filter {
    bool has_from, has_to;
    int64_t from, to;              /* inclusive bounds on createdAt */
    strlist_t owner_ids;           /* filter[owner.id] */
    strlist_t owner_emails;        /* filter[owner.email] */
    const char *title;             /* filter[title]: case-insensitive substring, NULL = none */
    strlist_t participant_emails;  /* filter[participants.email] */
    strlist_t opportunity_ids;     /* filter[external_opportunity.id] */
    strlist_t team_ids;            /* filter[team.id] */
    const char *crm_entity_code;   /* filter[crm_field.entity_code] */
    const char *crm_field_name;    /* filter[crm_field.field_name] */
    strlist_t crm_values;          /* filter[crm_field.values], <= FILTER_CRM_VALUES_MAX */
    bool hide_internal;
    bool hide_non_analyzed;
    bool hide_pending;
    bool hide_failed;
    bool hide_empty;               /* true on /conversations, false on /conversations/list */
    conv_archived_mode_t archived;
    int64_t page;                  /* from 1 */
    int64_t size;
} conv_filter_t;

typedef enum {
    FILTER_ENDPOINT_CONVERSATIONS, /* GET /conversations: size <= 100, drops empty */
    FILTER_ENDPOINT_LIST,          /* GET /conversations/list: size <= 50, keeps empty */
} filter_endpoint_t;

/* Decodes filters, paging and render options (hide_transcript, include_*,
 * detailedTranscript, withCrmRecords) from q; *ro starts from
 * conv_render_opts_list() (TEXT transcript unless detailedTranscript;
 * omit_intelligence on FILTER_ENDPOINT_LIST unless withCrmRecords=true).
 * Decisions: an empty value is a bad value (400) for integers, times and
 * booleans ("page=", "toDateTime="), and means "not given" for string and
 * array filters ("filter[title]="); for scalars the first occurrence counts; `page`/`size` win over
 * `page[number]`/`page[size]` when both are given; page is 1..2147483647;
 * filter[owner.id] values must be UUIDs (400 otherwise), lowercased;
 * filter[team.id] values are lowercased when they are UUIDs, else kept;
 * filter[hide_non_analyzed] wins over its alias filter[analyzed];
 * filter[archived]=true (only archived) wins over filter[include_archived].
 * Returns 0, or -1 with a message naming the parameter, the rule and the
 * value (cut to 64 bytes) written into err (e.g. "size must be an integer
 * between 1 and 100, got \"500\""). */
int conv_filter_parse(arena_t *a, const query_t *q, filter_endpoint_t ep, conv_filter_t *f,
                      conv_render_opts_t *ro, char *err, size_t errlen);

#endif
