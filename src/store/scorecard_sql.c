/* scorecard_sql.c - the scorecard summary's SQL for both backends: the roll-ups of whole days, the items of the first and last days. */
#include "store/scorecard_sql.h"

/* Appends the WHERE of one part of the summary: the organization, the
 * scorecard and the filters (the caller adds its time range). */
static void store_sum_where(store_query_t *q, const char *org, const scorecard_summary_req_t *f)
{
    buf_puts(&q->sql, " WHERE org_uuid = ");
    store_q_text(q, org);
    buf_puts(&q->sql, " AND scorecard_uuid = ");
    store_q_text(q, f->scorecard_uuid);
    store_q_in(q, " AND user_uuid IN ", &(strlist_t){f->user_uuids, f->n_users}, false);
    store_q_in(q, " AND team_uuid IN ", &(strlist_t){f->team_uuids, f->n_teams}, false);
    store_q_in(q, " AND item_uuid IN ", &(strlist_t){f->item_uuids, f->n_items}, false);
}

/* Appends the raw part of the summary: the scored items created in [lo, hi]. */
static void store_sum_raw(store_query_t *q, const char *org, const scorecard_summary_req_t *f, int64_t lo, int64_t hi)
{
    /* PostgreSQL types the UNION's count column from its first part's bigint */
    buf_printf(&q->sql, " UNION ALL SELECT user_uuid, item_uuid, %s, score, score, score, score * weight, weight"
                        " FROM scorecard_result_items",
               q->dialect == STORE_Q_POSTGRES ? "1::bigint" : "1");
    store_sum_where(q, org, f);
    buf_puts(&q->sql, " AND score IS NOT NULL AND created_at BETWEEN ");
    store_q_int(q, lo);
    buf_puts(&q->sql, " AND ");
    store_q_int(q, hi);
}

void store_scorecard_summary_sql(store_query_t *q, const char *org, const scorecard_summary_req_t *f)
{
    int64_t d0 = f->from_ms / STORE_DAY_MS, d1 = f->to_ms / STORE_DAY_MS;
    buf_puts(&q->sql, "SELECT user_uuid, item_uuid, sum(n), sum(total), min(lo), max(hi), sum(wtotal), sum(wsum) FROM"
                      " (SELECT user_uuid, item_uuid, n, total, lo, hi, wtotal, wsum FROM scorecard_daily");
    store_sum_where(q, org, f);
    buf_puts(&q->sql, " AND day > ");
    store_q_int(q, d0);
    buf_puts(&q->sql, " AND day < ");
    store_q_int(q, d1);
    if (d0 == d1) {
        store_sum_raw(q, org, f, f->from_ms, f->to_ms);
    } else {
        store_sum_raw(q, org, f, f->from_ms, (d0 + 1) * STORE_DAY_MS - 1);
        store_sum_raw(q, org, f, d1 * STORE_DAY_MS, f->to_ms);
    }
    /* PostgreSQL wants the derived table named */
    buf_puts(&q->sql, q->dialect == STORE_Q_POSTGRES ? ") u" : ")");
    buf_puts(&q->sql, " GROUP BY user_uuid, item_uuid ORDER BY user_uuid, item_uuid");
}
