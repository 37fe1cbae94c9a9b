/* admin_snapshots.c - /_parley/snapshots and /_parley/reset: save and bring back the whole database (stand-in §2). */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "http/problem.h"
#include "lib/jfield.h"
#include "standin/snapshots.h"
#include "standin/standin.h"

/* Answers a store result other than STORE_OK of a snapshot operation. */
static void admin_snapshot_fail(req_t *r, store_rc_t rc, const char *name, const char *err)
{
    if (rc == STORE_NOT_SUPPORTED)
        problem_send(r, 501, "not_supported", "snapshots need the SQLite backend; this server uses PostgreSQL");
    else if (rc == STORE_NOT_FOUND)
        problem_send(r, 404, "not_found", "snapshot %.64s not found", name);
    else {
        fprintf(stderr, "parley: snapshot %s: %s\n", name, err);
        problem_internal(r);
    }
}

/* False (after replying 501) when this server keeps no snapshots (PostgreSQL). */
static bool admin_snapshots_on(req_t *r)
{
    if (r->standin->snapshot_dir)
        return true;
    admin_snapshot_fail(r, STORE_NOT_SUPPORTED, "", "");
    return false;
}

/* Checks the {name} path segment; replies 400 (or 501) and returns false
 * when it is not a snapshot name (or there are no snapshots). */
static bool admin_snapshot_name(req_t *r, const char *name)
{
    if (!admin_snapshots_on(r))
        return false;
    char err[256];
    if (snapshot_name_ok(name, err, sizeof err))
        return true;
    problem_send(r, 400, "invalid_name", "%s", err);
    return false;
}

/* POST /_parley/snapshots {"name"} → 201 {"name","createdAt","conversations","bytes"};
 * the same name again replaces it. PostgreSQL → 501. */
void api_admin_snapshots_create(req_t *r)
{
    if (!admin_snapshots_on(r))
        return;
    json_t *body = req_json_body(r, true); /* owner: this function */
    if (!body)
        return;
    static const char *const known[] = {"name", NULL};
    char err[512];
    const char *name = NULL;
    int rc = json_is_object(body) ? 0 : -1;
    if (rc != 0)
        snprintf(err, sizeof err, "the body must be a JSON object {\"name\"}");
    if (rc == 0)
        rc = jfield_unknown(body, known, "", err, sizeof err);
    if (rc == 0 && (rc = jfield_string(body, "name", "name", 256, &name, err, sizeof err)) > 0) {
        snprintf(err, sizeof err, "name is required");
        rc = -1;
    }
    if (rc == 0 && !snapshot_name_ok(name, err, sizeof err))
        rc = -1;
    if (rc != 0) {
        json_decref(body);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    snapshot_info_t info;
    store_rc_t src = snapshot_take(r->store, r->standin->snapshot_dir, name, &info, err, sizeof err);
    if (src != STORE_OK) {
        admin_snapshot_fail(r, src, name, err);
        json_decref(body);
        return;
    }
    json_decref(body);
    jsonw_t w;
    req_json_begin(r, 201, &w);
    snapshot_render(&w, &info);
}

/* GET /_parley/snapshots → 200 {"data":[snapshot…]} sorted by name. */
void api_admin_snapshots_list(req_t *r)
{
    if (!admin_snapshots_on(r))
        return;
    snapshot_info_t *all; /* owner: this function */
    size_t n;
    char err[512];
    if (snapshot_list(r->standin->snapshot_dir, &all, &n, err, sizeof err) != 0) {
        fprintf(stderr, "parley: listing snapshots: %s\n", err);
        problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        snapshot_render(&w, &all[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    free(all);
}

/* DELETE /_parley/snapshots/{name} → 200 {"success":true}; unknown → 404. */
void api_admin_snapshots_delete(req_t *r)
{
    const char *name = r->params[0];
    if (!admin_snapshot_name(r, name))
        return;
    char err[512];
    store_rc_t rc = snapshot_delete(r->standin->snapshot_dir, name, err, sizeof err);
    if (rc != STORE_OK) {
        admin_snapshot_fail(r, rc, name, err);
        return;
    }
    req_success(r);
}

/* Runs with no other request in flight (req_exclusive): restores the
 * snapshot named ctx, or for a reset (ctx NULL) `initial` when it exists,
 * else empties every table. */
static void admin_restore_exclusive(req_t *r, void *ctx)
{
    const char *name = ctx;
    char err[512] = "";
    const char *dir = r->standin->snapshot_dir;
    snapshot_info_t info;
    store_rc_t rc;
    if (!name && (!dir || snapshot_get(dir, "initial", &info) != STORE_OK))
        rc = store_reset(r->store);
    else
        rc = snapshot_restore(r->store, dir, name ? name : "initial", err, sizeof err);
    if (rc == STORE_OK && name && snapshot_get(dir, name, &info) != STORE_OK)
        rc = STORE_NOT_FOUND; /* deleted while it was being restored */
    if (rc != STORE_OK) {
        admin_snapshot_fail(r, rc, name ? name : "initial", err);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    if (name) {
        snapshot_render(&w, &info);
    } else {
        jsonw_obj_begin(&w);
        jsonw_kv_bool(&w, "success", true);
        jsonw_obj_end(&w);
    }
}

/* POST /_parley/snapshots/{name}/restore → 200 the snapshot: while the server
 * runs, the whole database becomes what it was when it was taken. Requests in
 * flight finish first; new ones wait until it is done. Unknown → 404. */
void api_admin_snapshots_restore(req_t *r)
{
    const char *name = r->params[0];
    if (!admin_snapshot_name(r, name))
        return;
    snapshot_info_t info;
    if (snapshot_get(r->standin->snapshot_dir, name, &info) != STORE_OK) {
        admin_snapshot_fail(r, STORE_NOT_FOUND, name, "");
        return;
    }
    req_exclusive(r, admin_restore_exclusive, (void *)name);
}

/* POST /_parley/reset → 200 {"success":true}: restores the snapshot `initial`
 * when there is one, else empties every table (the schema stays; on
 * PostgreSQL, which keeps no snapshots, always the latter). */
void api_admin_reset(req_t *r)
{
    req_exclusive(r, admin_restore_exclusive, NULL);
}
