/* library.c - GET /v2/library/folders (beyond.md §5): one folder of a library with its subfolders. */
#include "api/api.h"

#include <string.h>

#include "http/problem.h"
#include "lib/strutil.h"
#include "model/library.h"

/* Reads boolean query parameter key (default false) into *out. Returns 0, or
 * -1 after replying 400. */
static int library_flag(req_t *r, const char *key, bool *out)
{
    *out = false;
    if (query_get_bool(&r->query, key, out) < 0) {
        char shown[STR_SHOWN_MAX + 4];
        problem_send(r, 400, "invalid_parameter", "%s must be true or false, got \"%s\"", key,
                     str_shown(query_get(&r->query, key), shown, sizeof shown));
        return -1;
    }
    return 0;
}

/* Reads UUID query parameter key into out (lowercase). Returns 1 when it is
 * absent, 0 when read, or -1 after replying 400. */
static int library_uuid(req_t *r, const char *key, uuid_str_t out)
{
    const char *v = query_get(&r->query, key);
    if (!v || !v[0])
        return 1;
    if (!uuid_parse(v, out)) {
        char shown[STR_SHOWN_MAX + 4];
        problem_send(r, 400, "invalid_parameter", "%s must be a UUID, got \"%s\"", key,
                     str_shown(v, shown, sizeof shown));
        return -1;
    }
    return 0;
}

/* Subfolders collected from the store (store_folder_t records). */
static int library_sub_cb(void *ctx, const store_folder_t *f)
{
    return buf_append(ctx, f, sizeof *f);
}

/* Finds the folder the query names into *f: folderUUID (a folder of the
 * organization's library or of userUUID's My Library, or one of their roots)
 * or the root of the library myLibrary selects. Returns 0, or -1 after
 * replying (404, 500). */
static int library_folder(req_t *r, const char *user, bool mine, store_folder_t *f)
{
    uuid_str_t id, org_root, my_root;
    int has = library_uuid(r, "folderUUID", id);
    if (has < 0)
        return -1;
    if (has == 1) {
        library_root(r->scope.org_uuid, mine ? user : "", f);
        return 0;
    }
    library_root_uuid(r->scope.org_uuid, "", org_root);
    library_root_uuid(r->scope.org_uuid, user, my_root);
    if (strcmp(id, org_root) == 0 || strcmp(id, my_root) == 0) {
        library_root(r->scope.org_uuid, strcmp(id, my_root) == 0 ? user : "", f);
        return 0;
    }
    store_rc_t rc = store_folder_get(r->store, r->scope.org_uuid, id, f);
    if (rc == STORE_OK && f->owner_uuid[0] && strcmp(f->owner_uuid, user) != 0)
        rc = STORE_NOT_FOUND; /* another user's My Library */
    if (rc == STORE_NOT_FOUND)
        problem_not_found(r, "folder", id);
    else if (rc != STORE_OK)
        problem_internal(r);
    return rc == STORE_OK ? 0 : -1;
}

/* GET /v2/library/folders?userUUID=&folderUUID=&myLibrary=&includeHidden=:
 * {"data": Folder} with its direct subfolders (library_folder_render).
 * userUUID is required (400 when absent or not a UUID; 404 when not a user
 * of the organization; a user-level key only for its own user, else 403);
 * folderUUID names a folder of the organization's library or of the user's
 * My Library (404 otherwise), else the root of the library myLibrary
 * selects (the organization's by default); hidden subfolders only with
 * includeHidden=true. */
void api_library_folders(req_t *r)
{
    uuid_str_t user;
    int has = library_uuid(r, "userUUID", user);
    if (has != 0) {
        if (has > 0)
            problem_send(r, 400, "invalid_parameter", "userUUID is required (the user whose library view this is)");
        return;
    }
    bool mine, hidden;
    if (library_flag(r, "myLibrary", &mine) != 0 || library_flag(r, "includeHidden", &hidden) != 0)
        return;
    store_user_t u;
    store_rc_t rc = store_user_resolve(r->store, r->scope.org_uuid, user, &u);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "user", user);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    if (r->scope.user_uuid && strcmp(r->scope.user_uuid, u.uuid) != 0) {
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only read that user's library view",
                     r->scope.user_uuid);
        return;
    }
    store_folder_t f;
    if (library_folder(r, u.uuid, mine, &f) != 0)
        return;
    buf_t subs; /* store_folder_t records; freed below */
    buf_init(&subs);
    rc = store_folder_children(r->store, r->scope.org_uuid, f.owner_uuid, strcmp(f.path, "/") == 0 ? "" : f.uuid,
                               hidden, library_sub_cb, &subs);
    if (rc != STORE_OK || subs.oom) {
        buf_free(&subs);
        problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    library_folder_render(&w, &f, (const store_folder_t *)subs.data, subs.len / sizeof(store_folder_t));
    jsonw_obj_end(&w);
    buf_free(&subs);
}
