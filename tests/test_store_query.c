/* test_store_query.c - unit tests for the store's query builder (store/query.h) and the scorecard summary SQL both backends run (store/scorecard_sql.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/query.h"
#include "store/scorecard_sql.h"

/* "a = <text x> AND b = <integer -42>" in dialect d, into q. */
static void build_ab(store_query_t *q, store_q_dialect_t d)
{
    store_q_init(q, d);
    buf_puts(&q->sql, "a = ");
    store_q_text(q, "x");
    buf_puts(&q->sql, " AND b = ");
    store_q_int(q, -42);
    assert_int_equal(q->n, 2);
    assert_string_equal(q->params[0].s, "x");
    assert_true(q->params[1].is_int);
    assert_int_equal(q->params[1].i, -42);
}

static void test_placeholders(void **state)
{
    (void)state;
    store_query_t q;
    build_ab(&q, STORE_Q_SQLITE);
    assert_string_equal(q.sql.data, "a = ? AND b = ?");
    assert_null(q.params[1].s); /* SQLite binds it as an integer */
    store_q_free(&q);

    build_ab(&q, STORE_Q_POSTGRES);
    assert_string_equal(q.sql.data, "a = $1 AND b = $2::bigint");
    assert_string_equal(q.vals[0], "x");
    assert_string_equal(q.vals[1], "-42"); /* PostgreSQL gets text */
    assert_int_equal(store_q_param(&q, "y"), 3);
    assert_string_equal(q.vals[2], "y");
    assert_false(store_q_failed(&q));
    store_q_free(&q);
}

static void test_lists(void **state)
{
    (void)state;
    const char *v[] = {"A1", "b\xff", "Cc"}; /* the second is not UTF-8 */
    strlist_t l = {v, 3};
    store_query_t q;
    store_q_init(&q, STORE_Q_SQLITE);
    store_q_in(&q, " AND x IN ", &l, true);
    store_q_in(&q, " AND y IN ", &(strlist_t){v, 0}, true); /* nothing */
    store_q_in(&q, " AND z IN ", &(strlist_t){v, 1}, false);
    assert_string_equal(q.sql.data, " AND x IN (lower(?), lower(?), lower(?)) AND z IN (?)");
    assert_int_equal(q.n, 4);
    assert_string_equal(q.params[1].s, "b\xff"); /* SQLite compares bytes: every value is bound */
    store_q_free(&q);

    store_q_init(&q, STORE_Q_POSTGRES);
    store_q_in(&q, " AND x IN ", &l, true);
    store_q_in(&q, " AND z IN ", &(strlist_t){v + 1, 1}, false);
    assert_string_equal(q.sql.data, " AND x IN ($1, $2) AND z IN (NULL)");
    assert_int_equal(q.n, 2);
    assert_string_equal(q.vals[0], "a1"); /* lowercased here */
    assert_string_equal(q.vals[1], "cc");
    store_q_free(&q);
}

static void test_range(void **state)
{
    (void)state;
    store_query_t q;
    store_q_init(&q, STORE_Q_POSTGRES);
    store_q_range(&q, "c.t", true, 5, true, 9);
    store_q_range(&q, "c.u", false, 0, true, 7);
    store_q_range(&q, "c.v", false, 0, false, 0);
    assert_string_equal(q.sql.data, " AND c.t >= $1::bigint AND c.t <= $2::bigint AND c.u <= $3::bigint");
    assert_string_equal(q.vals[2], "7");
    store_q_free(&q);
}

/* The summary's SQL is, byte for byte, what each backend wrote before it was shared. */
#define T_DAILY                                                                                                     \
    "SELECT user_uuid, item_uuid, sum(n), sum(total), min(lo), max(hi), sum(wtotal), sum(wsum) FROM"                 \
    " (SELECT user_uuid, item_uuid, n, total, lo, hi, wtotal, wsum FROM scorecard_daily"
#define T_RAW(one) " UNION ALL SELECT user_uuid, item_uuid, " one ", score, score, score, score * weight, weight FROM scorecard_result_items"
#define T_ORDER " GROUP BY user_uuid, item_uuid ORDER BY user_uuid, item_uuid"
#define T_SQ_WHERE " WHERE org_uuid = ? AND scorecard_uuid = ? AND user_uuid IN (?) AND item_uuid IN (?, ?)"
#define T_PG_WHERE(a, b, c, d, e)                                                                                   \
    " WHERE org_uuid = $" #a " AND scorecard_uuid = $" #b " AND user_uuid IN ($" #c ") AND item_uuid IN ($" #d ", $" #e ")"

static void test_summary_sql(void **state)
{
    (void)state;
    const char *users[] = {"u1"}, *items[] = {"i1", "i2"};
    scorecard_summary_req_t f = {.scorecard_uuid = "sc", .from_ms = 1000, .to_ms = 2 * STORE_DAY_MS + 5,
                                 .user_uuids = users, .n_users = 1, .item_uuids = items, .n_items = 2};
    store_query_t q;
    store_q_init(&q, STORE_Q_SQLITE);
    store_scorecard_summary_sql(&q, "org", &f);
    assert_string_equal(q.sql.data,
                        T_DAILY T_SQ_WHERE " AND day > ? AND day < ?"
                        T_RAW("1") T_SQ_WHERE " AND score IS NOT NULL AND created_at BETWEEN ? AND ?"
                        T_RAW("1") T_SQ_WHERE " AND score IS NOT NULL AND created_at BETWEEN ? AND ?"
                        ")" T_ORDER);
    assert_int_equal(q.n, 21);
    const int64_t ints[][3] = {{5, 0, 2}, {12, 1000, STORE_DAY_MS - 1}, {19, 2 * STORE_DAY_MS, 2 * STORE_DAY_MS + 5}};
    for (int k = 0; k < 3; k++) {
        assert_string_equal(q.params[ints[k][0] - 5].s, "org");
        assert_true(q.params[ints[k][0]].is_int && q.params[ints[k][0] + 1].is_int);
        assert_int_equal(q.params[ints[k][0]].i, ints[k][1]);
        assert_int_equal(q.params[ints[k][0] + 1].i, ints[k][2]);
    }
    assert_string_equal(q.params[0].s, "org");
    assert_string_equal(q.params[4].s, "i2");
    store_q_free(&q);

    store_q_init(&q, STORE_Q_POSTGRES);
    store_scorecard_summary_sql(&q, "org", &f);
    assert_string_equal(q.sql.data,
                        T_DAILY T_PG_WHERE(1, 2, 3, 4, 5) " AND day > $6::bigint AND day < $7::bigint"
                        T_RAW("1::bigint") T_PG_WHERE(8, 9, 10, 11, 12)
                        " AND score IS NOT NULL AND created_at BETWEEN $13::bigint AND $14::bigint"
                        T_RAW("1::bigint") T_PG_WHERE(15, 16, 17, 18, 19)
                        " AND score IS NOT NULL AND created_at BETWEEN $20::bigint AND $21::bigint"
                        ") u" T_ORDER);
    assert_int_equal(q.n, 21);
    assert_string_equal(q.vals[12], "1000");
    assert_string_equal(q.vals[13], "86399999");
    store_q_free(&q);

    /* one day: one raw part over the whole range */
    f.to_ms = 5000;
    f.n_users = f.n_items = 0;
    store_q_init(&q, STORE_Q_SQLITE);
    store_scorecard_summary_sql(&q, "org", &f);
    assert_string_equal(q.sql.data,
                        T_DAILY " WHERE org_uuid = ? AND scorecard_uuid = ? AND day > ? AND day < ?"
                        T_RAW("1") " WHERE org_uuid = ? AND scorecard_uuid = ?"
                        " AND score IS NOT NULL AND created_at BETWEEN ? AND ?)" T_ORDER);
    assert_int_equal(q.n, 8);
    assert_int_equal(q.params[7].i, 5000);
    store_q_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_summary_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
