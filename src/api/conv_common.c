/* conv_common.c - what the conversation handlers share: the row renderer, the single-resource options, the store-failure replies, the refusal log entry. */
#include "api/conv_common.h"

#include <stdio.h>

#include "http/problem.h"
#include "model/filter.h"

int api_conv_out_cb(void *ctx, const conv_t *c)
{
    api_conv_out_t *o = ctx;
    conv_render(o->w, c, o->ro);
    return 0;
}

/* Uses the list parser, so lists and single resources read the options the same way. */
int api_conv_single_opts(req_t *r, conv_render_opts_t *ro)
{
    conv_filter_t f;
    char err[256];
    if (conv_filter_parse(&r->arena, &r->query, FILTER_ENDPOINT_CONVERSATIONS, &f, ro, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_parameter", "%s", err);
        return -1;
    }
    if (ro->transcript == CONV_TRANSCRIPT_TEXT)
        ro->transcript = CONV_TRANSCRIPT_OBJECT;
    ro->omit_intelligence = false;
    return 0;
}

void api_conv_store_fail(req_t *r, store_rc_t rc, const char *id)
{
    switch (rc) {
    case STORE_NOT_FOUND: problem_not_found(r, "conversation", id); break;
    case STORE_FORBIDDEN:
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only change conversations that user owns",
                     r->scope.user_uuid ? r->scope.user_uuid : "");
        break;
    default: problem_internal(r); break;
    }
}

void api_conv_log_refusal(req_t *r, const char *uuid, const char *workflow_name, int64_t now)
{
    char why[160];
    snprintf(why, sizeof why, "forbidden: the key of user %s may not change a conversation owned by another user",
             r->scope.user_uuid ? r->scope.user_uuid : "");
    store_rc_t rc = store_workflow_log_fail(r->store, r->scope.org_uuid, uuid, workflow_name, why, now);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        fprintf(stderr, "parley: could not record a refused %s: %s\n", workflow_name, store_rc_str(rc));
}
