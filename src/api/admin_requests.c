/* admin_requests.c - /_parley/requests: the request journal (stand-in §6). */
#include "api/api.h"

#include "http/problem.h"
#include "standin/standin.h"

/* GET /_parley/requests?limit=&method=&path=&status= → 200 {"data":[entry…]}
 * newest first ([] when the journal is off). Bad parameter → 400 naming it. */
void api_admin_requests_list(req_t *r)
{
    journal_filter_t f;
    char err[256];
    if (journal_filter_parse(&r->query, &f, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_parameter", "%s", err);
        return;
    }
    buf_reset(&r->out);
    journal_list(r->standin->journal, &f, &r->out);
    r->status = 200;
    r->out_type = "application/json; charset=utf-8";
}

/* DELETE /_parley/requests → 200 {"success":true}: the journal is empty. */
void api_admin_requests_clear(req_t *r)
{
    if (r->standin->journal)
        journal_clear(r->standin->journal);
    req_success(r);
}
