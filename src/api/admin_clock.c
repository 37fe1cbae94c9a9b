/* admin_clock.c - /_parley/clock: freeze, set and advance the server's clock (stand-in §5). */
#include "api/api.h"

#include <math.h>
#include <string.h>

#include "http/problem.h"
#include "lib/jfield.h"
#include "lib/pclock.h"
#include "lib/ptime.h"
#include "lib/strutil.h"

#define ADMIN_CLOCK_MAX_ADVANCE 3155760000.0 /* seconds: 100 years either way */

/* Writes {"now","frozen"}. */
static void admin_clock_reply(req_t *r)
{
    char now[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(pclock_now_ms(), now);
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "now", now);
    jsonw_kv_bool(&w, "frozen", pclock_frozen());
    jsonw_obj_end(&w);
}

/* GET /_parley/clock → 200 {"now","frozen"}. */
void api_admin_clock_get(req_t *r)
{
    admin_clock_reply(r);
}

/* PUT /_parley/clock {"now"?: RFC 3339, "frozen"?: bool, "advance"?: seconds}:
 * sets the time (keeping frozen or running unless frozen is given), then
 * freezes or lets it run, then moves it by advance (fractions of a second
 * kept to the millisecond). Everything is checked before anything changes;
 * a bad member is a 400 naming it and its value. → 200 {"now","frozen"}. */
void api_admin_clock_set(req_t *r)
{
    json_t *body = req_json_body(r, true); /* owner: this function */
    if (!body)
        return;
    static const char *const known[] = {"now", "frozen", "advance", NULL};
    char err[256], shown[STR_SHOWN_MAX + 4];
    const char *now_s = NULL;
    bool frozen = false;
    double advance = 0;
    int64_t now_ms = 0;
    int has_now = 1, has_frozen = 1, has_adv = 1;
    if (!json_is_object(body)) {
        snprintf(err, sizeof err, "the body must be a JSON object {\"now\"?, \"frozen\"?, \"advance\"?}");
        goto bad;
    }
    if (jfield_unknown(body, known, "", err, sizeof err) != 0)
        goto bad;
    if ((has_now = jfield_string(body, "now", "now", 64, &now_s, err, sizeof err)) < 0)
        goto bad;
    if (has_now == 0 && ptime_parse_ms(now_s, &now_ms) != 0) {
        snprintf(err, sizeof err, "now \"%s\" is not an RFC 3339 time (e.g. 2024-03-18T10:00:00.000Z)",
                 str_shown(now_s, shown, sizeof shown));
        goto bad;
    }
    if ((has_frozen = jfield_bool(body, "frozen", "frozen", &frozen, err, sizeof err)) < 0)
        goto bad;
    if ((has_adv = jfield_number(body, "advance", "advance (seconds)", -ADMIN_CLOCK_MAX_ADVANCE,
                                 ADMIN_CLOCK_MAX_ADVANCE, &advance, err, sizeof err)) < 0)
        goto bad;
    if (has_now && has_frozen && has_adv) {
        snprintf(err, sizeof err, "give at least one of now, frozen and advance");
        goto bad;
    }
    json_decref(body);
    if (has_now == 0)
        pclock_set(now_ms, has_frozen == 0 ? frozen : pclock_frozen());
    else if (has_frozen == 0)
        pclock_freeze(frozen);
    if (has_adv == 0)
        pclock_advance((int64_t)llround(advance * 1000.0));
    admin_clock_reply(r);
    return;
bad:
    json_decref(body);
    problem_send(r, 400, "invalid_clock", "%s", err);
}

/* DELETE /_parley/clock → 200 {"now","frozen":false}: back to real time. */
void api_admin_clock_reset(req_t *r)
{
    pclock_real();
    admin_clock_reply(r);
}
