/* scorecard_sql.h - the scorecard summary's SQL, written once for both backends (store/query.h). */
#ifndef PARLEY_STORE_SCORECARD_SQL_H
#define PARLEY_STORE_SCORECARD_SQL_H

#include "model/scorecard.h"
#include "store/query.h"

#define STORE_DAY_MS 86400000LL

/* Appends to q (empty, in its backend's dialect) the summary of organization
 * org's scorecard f->scorecard_uuid over [f->from_ms, f->to_ms] with f's
 * user, team and item filters: one row per (user_uuid, item_uuid), in that
 * order, of user_uuid, item_uuid, the count, the sum, min and max of the
 * scores, the weighted sum and the sum of the weights. Whole days strictly
 * between the first and the last come from the daily roll-ups
 * (scorecard_daily), the first and last days' items one by one
 * (scorecard_result_items). org, f and f's texts are borrowed by q. Check
 * store_q_failed(q) before running it. */
void store_scorecard_summary_sql(store_query_t *q, const char *org, const scorecard_summary_req_t *f);

#endif
