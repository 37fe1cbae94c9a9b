/* import.c - POST /conversations/import: creates a conversation from a recording's metadata (spec §4.2). */
#include "api/api.h"

#include <string.h>

#include "http/problem.h"
#include "lib/ptime.h"
#include "model/import.h"

/* An import between its handler and its completion; in r's arena. */
typedef struct import_job {
    req_t *r;
    conv_t c;
    uuid_str_t existing;
} import_job_t;

/* store_done_cb of the insert (any thread): replies, then sends. */
static void import_done(void *ctx, store_rc_t rc)
{
    import_job_t *j = ctx;
    req_t *r = j->r;
    if (rc == STORE_CONFLICT) {
        problem_send_extra(r, 409, "conflict", "conversationUUID", j->existing,
                           "applicationExternalID \"%.255s\" is already used by conversation %s", j->c.external_id,
                           j->existing);
    } else if (rc != STORE_OK) {
        problem_internal(r);
    } else {
        jsonw_t w;
        req_json_begin(r, 200, &w);
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "uuid", j->c.uuid);
        jsonw_obj_end(&w);
    }
    req_complete(r);
}

/* The insert is group-committed: the request is deferred so that this worker
 * thread serves other connections until the batch holding it is on disk. */
void api_conv_import(req_t *r)
{
    json_t *root = req_json_body(r, true); /* owner: this function */
    if (!root)
        return;
    if (!json_is_object(root)) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "the request body must be a JSON object");
        return;
    }
    conv_t c;
    memset(&c, 0, sizeof c); /* import_build copies fields of c it does not set */
    char err[512];
    int bad = import_build(&r->arena, root, ptime_now_ms(), &c, err, sizeof err);
    json_decref(root);
    if (bad) {
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }

    /* the owner must be a user of the key's organization; a user-level key imports only for itself */
    store_user_t owner;
    store_rc_t rc = store_user_resolve(r->store, r->scope.org_uuid, c.user_uuid, &owner);
    if (rc == STORE_NOT_FOUND) {
        problem_send(r, 400, "invalid_body", "userID %s is not a user of this organization", c.user_uuid);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    if (r->scope.user_uuid && strcmp(r->scope.user_uuid, owner.uuid) != 0) {
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only import conversations for that user",
                     r->scope.user_uuid);
        return;
    }
    memcpy(c.org_uuid, r->scope.org_uuid, sizeof c.org_uuid);
    memcpy(c.user_uuid, owner.uuid, sizeof c.user_uuid);
    memcpy(c.team_uuid, owner.primary_team_uuid, sizeof c.team_uuid);

    import_job_t *j = arena_alloc(&r->arena, sizeof *j); /* owner: r's arena (c's strings are there too) */
    if (!j) {
        problem_internal(r);
        return;
    }
    j->r = r;
    j->c = c;
    j->existing[0] = '\0';
    req_defer(r);
    store_conv_insert_async(r->store, &j->c, j->existing, import_done, j);
}
