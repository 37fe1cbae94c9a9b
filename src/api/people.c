/* people.c - helpers shared by the users and teams handlers: loading team sets and writing User objects. */
#include "api/people.h"

#include <string.h>

#include "http/problem.h"

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
