/* workflow_filter.h - the query of GET /conversations/workflow-logs decoded into a store_workflow_filter_t. */
#ifndef PARLEY_MODEL_WORKFLOW_FILTER_H
#define PARLEY_MODEL_WORKFLOW_FILTER_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/query.h"
#include "store/store.h"

#define WORKFLOW_LIMIT_DEFAULT 100
#define WORKFLOW_LIMIT_MAX 1000
#define WORKFLOW_OFFSET_MAX 2147483647LL
#define WORKFLOW_UUIDS_MAX 1000

/* Decodes fromDateTime / toDateTime (RFC 3339, inclusive, from <= to),
 * conversationUUIDs (repeated keys, comma-separated values and the `[]`
 * suffix; each must be a UUID, lowercased; at most WORKFLOW_UUIDS_MAX),
 * success (true/false/1/0), limit (1..1000, default 100) and offset
 * (0..2147483647, default 0) from q into f. An empty value of a scalar
 * parameter is a bad value; unknown parameters are ignored. Strings are
 * arena-owned. Returns 0, or -1 with a message naming the parameter, the rule
 * and the value in err. */
int workflow_filter_parse(arena_t *a, const query_t *q, store_workflow_filter_t *f, char *err, size_t errlen);

#endif
