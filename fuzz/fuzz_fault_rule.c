/* fuzz_fault_rule.c - libFuzzer target: POST /_parley/faults bodies (faults_add) and the decision they drive. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "standin/faults.h"

/* The input is a rule body. An accepted rule must render as JSON with an id
 * and hits 0, list as {"data":[…]}, and decide on a few requests without
 * crashing (a fired rule's status is 0 or 400-599 and its delay in range);
 * a rejected one must say why in a valid problem. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static faults_t *f;
    if (!f)
        f = faults_new();
    faults_clear(f);
    req_t r;
    fuzz_req_init(&r, data, n);
    json_t *body = req_json_body(&r, true);
    if (body) {
        buf_t out;
        buf_init(&out);
        char err[512];
        err[0] = '\0';
        if (faults_add(f, body, &out, err, sizeof err) == 0) {
            fuzz_assert_json(out.data, out.len, "rule");
            FUZZ_CHECK(strstr(out.data, "\"hits\":0"), "a new rule has no hits");
            buf_reset(&out);
            faults_list(f, &out);
            fuzz_assert_json(out.data, out.len, "rule list");
            static const char *const methods[] = {"GET", "POST", "DELETE"};
            static const char *const paths[] = {"/v2/conversations", "/v2/conversations/x/title", "/v2", "/"};
            for (int i = 0; i < 12; i++) {
                fault_action_t a;
                if (faults_decide(f, methods[i % 3], paths[i % 4], i & 1 ? "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee" : NULL,
                                  &r.arena, &a)) {
                    FUZZ_CHECK(a.status == 0 || (a.status >= 400 && a.status <= 599), "status in range");
                    FUZZ_CHECK(a.delay_ms >= 0 && a.delay_ms <= FAULTS_MAX_DELAY_MS, "delay in range");
                    FUZZ_CHECK(a.status || a.drop || a.delay_ms, "a fired rule does something");
                    if (a.body)
                        fuzz_assert_json(a.body, strlen(a.body), "respond.body");
                }
            }
        } else {
            fuzz_assert_err(&r, err);
        }
        buf_free(&out);
        json_decref(body);
    }
    fuzz_req_free(&r);
    return 0;
}
