/* people.c - helpers shared by the users and teams handlers: loading team sets and writing User objects. */
#include "api/people.h"

#include <string.h>

#include "http/problem.h"
#include "lib/strutil.h"

/* Rows collected from a store callback into a growing buffer of fixed-size records. */
typedef struct people_rows {
    buf_t b;       /* owned; freed by people_rows_take */
    size_t size;   /* bytes per record */
} people_rows_t;

static int people_team_cb(void *ctx, const store_team_t *t)
{
    people_rows_t *rows = ctx;
    return buf_append(&rows->b, t, sizeof *t);
}

static int people_user_cb(void *ctx, const store_user_t *u)
{
    people_rows_t *rows = ctx;
    return buf_append(&rows->b, u, sizeof *u);
}

/* Moves the collected records into r->arena (*out, *n) and frees the buffer.
 * Replies 500 and returns -1 when rc failed or memory ran out. */
static int people_rows_take(req_t *r, people_rows_t *rows, store_rc_t rc, void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int ret = 0;
    if (rc != STORE_OK || rows->b.oom) {
        ret = -1;
    } else if (rows->b.len) {
        void *p = arena_alloc(&r->arena, rows->b.len);
        if (p) {
            memcpy(p, rows->b.data, rows->b.len);
            *out = p;
            *n = rows->b.len / rows->size;
        } else {
            ret = -1;
        }
    }
    buf_free(&rows->b);
    if (ret)
        problem_internal(r);
    return ret;
}

int people_teams_all(req_t *r, team_set_t *all)
{
    people_rows_t rows = {.size = sizeof(store_team_t)};
    buf_init(&rows.b);
    store_rc_t rc = store_team_list(r->store, r->scope.org_uuid, people_team_cb, &rows);
    void *v;
    int ret = people_rows_take(r, &rows, rc, &v, &all->n);
    all->v = v;
    return ret;
}

int people_user_teams(req_t *r, const char *user_uuid, team_set_t *out)
{
    people_rows_t rows = {.size = sizeof(store_team_t)};
    buf_init(&rows.b);
    store_rc_t rc = store_user_teams(r->store, r->scope.org_uuid, user_uuid, people_team_cb, &rows);
    void *v;
    int ret = people_rows_take(r, &rows, rc, &v, &out->n);
    out->v = v;
    return ret;
}

int people_users_all(req_t *r, store_user_t **out, size_t *n)
{
    people_rows_t rows = {.size = sizeof(store_user_t)};
    buf_init(&rows.b);
    store_rc_t rc = store_user_list(r->store, r->scope.org_uuid, people_user_cb, &rows);
    void *v;
    int ret = people_rows_take(r, &rows, rc, &v, n);
    *out = v;
    return ret;
}

int people_user_write(req_t *r, jsonw_t *w, const store_user_t *u, const team_set_t *all)
{
    team_set_t teams;
    if (people_user_teams(r, u->uuid, &teams) != 0)
        return -1;
    user_render(w, u, &teams, all);
    return 0;
}

int people_org_level(req_t *r, const char *what)
{
    if (!r->scope.user_uuid)
        return 0;
    problem_send(r, 403, "forbidden", "%s needs an org-level key; this key acts for user %s", what, r->scope.user_uuid);
    return -1;
}

json_t *people_create_body(req_t *r, user_body_t *ub, team_body_t *tb)
{
    if (people_org_level(r, ub ? "creating users" : "creating teams") != 0)
        return NULL;
    json_t *root = req_json_body(r, true); /* owner: the caller, once returned */
    if (!root)
        return NULL;
    char err[512];
    if ((ub ? user_body_parse(root, ub, err, sizeof err) : team_body_parse(root, tb, err, sizeof err)) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return NULL;
    }
    return root;
}

int people_teams_known(req_t *r, const team_set_t *all, const char *field, const char *member,
                       const char *const *teams, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t k = 0; !known && k < all->n; k++)
            known = strcmp(all->v[k].uuid, teams[i]) == 0;
        if (known)
            continue;
        if (member)
            problem_send(r, 400, "invalid_body", "%s[%zu]%s %s is not a team of this organization", field, i, member,
                         teams[i]);
        else
            problem_send(r, 400, "invalid_body", "%s %s is not a team of this organization", field, teams[i]);
        return -1;
    }
    return 0;
}

int people_create_fail(req_t *r, store_rc_t rc, const char *field, const char *team_uuid, const char *taken,
                       const char *value)
{
    char shown[STR_SHOWN_MAX + 4];
    if (rc == STORE_NOT_FOUND)
        problem_send(r, 400, "invalid_body", "%s %s is not a team of this organization", field, team_uuid);
    else if (rc == STORE_CONFLICT)
        problem_send(r, 409, "conflict", "%s \"%s\" already exists in this organization", taken,
                     str_shown(value, shown, sizeof shown));
    else if (rc != STORE_OK)
        problem_internal(r);
    return rc == STORE_OK ? 0 : -1;
}
