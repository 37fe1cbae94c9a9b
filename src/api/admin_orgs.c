/* admin_orgs.c - /_parley/orgs: an organization per test, made and removed over HTTP (stand-in §1). */
#include "api/api.h"

#include <sodium.h>
#include <string.h>

#include "auth/auth.h"
#include "model/seed.h"
#include "http/problem.h"
#include "lib/jfield.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "media/media.h"
#include "model/user.h"

#define ADMIN_ORG_NAME_MAX 200
#define ADMIN_SEED_MAX 100000

/* The body of POST /_parley/orgs, every member optional. */
typedef struct admin_org_body {
    const char *name;             /* NULL: generated */
    const char *admin_email;      /* NULL: admin@example.com */
    bool seed;
    long seed_count;
    uint64_t seed_seed;
    int64_t seed_now;             /* unix seconds */
} admin_org_body_t;

/* Parses body (may be NULL: all defaults) into b; -1 with a message naming the member. */
static int admin_org_parse(const json_t *body, admin_org_body_t *b, char *err, size_t errlen)
{
    static const char *const known[] = {"name", "adminEmail", "seed", NULL};
    static const char *const seed_known[] = {"count", "seed", "now", NULL};
    memset(b, 0, sizeof *b);
    b->seed_seed = 1;
    b->seed_now = ptime_now();
    if (!body)
        return 0;
    char shown[STR_SHOWN_MAX + 4];
    if (!json_is_object(body))
        return str_fail(err, errlen, "the body must be a JSON object {\"name\"?, \"adminEmail\"?, \"seed\"?}");
    if (jfield_unknown(body, known, "", err, errlen) != 0)
        return -1;
    if (jfield_string(body, "name", "name", ADMIN_ORG_NAME_MAX * 4, &b->name, err, errlen) < 0)
        return -1;
    if (b->name && !user_name_ok(b->name))
        return str_fail(err, errlen, "name \"%s\" must be 1 to %d characters", str_shown(b->name, shown, sizeof shown),
                        ADMIN_ORG_NAME_MAX);
    if (jfield_string(body, "adminEmail", "adminEmail", USER_EMAIL_MAX, &b->admin_email, err, errlen) < 0)
        return -1;
    if (b->admin_email && !user_email_ok(b->admin_email))
        return str_fail(err, errlen, "adminEmail \"%s\" is not an email address",
                        str_shown(b->admin_email, shown, sizeof shown));
    const json_t *s = json_object_get(body, "seed");
    if (!s || json_is_null(s))
        return 0;
    if (!json_is_object(s))
        return str_fail(err, errlen, "seed must be an object {\"count\", \"seed\"?, \"now\"?}");
    if (jfield_unknown(s, seed_known, "seed.", err, errlen) != 0)
        return -1;
    int64_t v;
    int rc = jfield_int(s, "count", "seed.count", 0, ADMIN_SEED_MAX, &v, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return str_fail(err, errlen, "seed.count is required (an integer from 0 to %d)", ADMIN_SEED_MAX);
    b->seed = true;
    b->seed_count = (long)v;
    if ((rc = jfield_int(s, "seed", "seed.seed", 0, INT64_MAX, &v, err, errlen)) < 0)
        return -1;
    if (rc == 0)
        b->seed_seed = (uint64_t)v;
    const char *now;
    if ((rc = jfield_string(s, "now", "seed.now", 64, &now, err, errlen)) < 0)
        return -1;
    if (rc == 0 && ptime_parse(now, &b->seed_now) != 0)
        return str_fail(err, errlen, "seed.now \"%s\" is not an RFC 3339 time", str_shown(now, shown, sizeof shown));
    return 0;
}

/* POST /_parley/orgs {"name"?, "adminEmail"?, "seed"?: {"count", "seed"?, "now"?}}
 * → 201 {"organization":{"uuid","name"},"adminUser":{"uuid","email"},"key","keyId"}:
 * an organization with its admin user, default team and an org-level key
 * (shown only here), optionally filled with generated conversations. A
 * missing name gets a unique generated one; a taken name → 409. */
void api_admin_orgs_create(req_t *r)
{
    json_t *body = req_json_body(r, false); /* owner: this function; NULL when there is none */
    if (!body && r->status)
        return;
    admin_org_body_t b;
    char err[512];
    if (admin_org_parse(body, &b, err, sizeof err) != 0) {
        json_decref(body);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    char gen_name[64];
    if (!b.name) {
        uuid_str_t u;
        uuid_v7(u);
        snprintf(gen_name, sizeof gen_name, "test-%.8s%.4s%.4s", u + 24, u + 9, u + 14);
        b.name = gen_name;
    }
    const char *email = b.admin_email ? b.admin_email : "admin@example.com";
    uuid_str_t org, admin, team;
    store_rc_t rc = store_org_create(r->store, b.name, email, org, admin, team);
    if (rc == STORE_CONFLICT) {
        char shown[STR_SHOWN_MAX + 4];
        problem_send(r, 409, "conflict", "an organization named \"%s\" exists already",
                     str_shown(b.name, shown, sizeof shown));
        json_decref(body);
        return;
    }
    char key[KEY_STR_LEN + 1]; /* wiped before returning */
    uuid_str_t key_id;
    if (rc == STORE_OK)
        rc = auth_key_issue(r->store, org, admin, true, "default", key, key_id);
    if (rc == STORE_OK && b.seed && b.seed_count > 0) {
        seed_opts_t so = {.org_uuid = org, .count = b.seed_count, .seed = b.seed_seed, .now = b.seed_now};
        if (seed_run(r->store, &so, err, sizeof err) != 0) {
            fprintf(stderr, "parley: POST /_parley/orgs: seeding failed: %s\n", err);
            rc = STORE_ERROR;
        }
    }
    if (rc != STORE_OK) {
        sodium_memzero(key, sizeof key);
        json_decref(body);
        problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 201, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "organization");
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "uuid", org);
    jsonw_kv_string(&w, "name", b.name);
    jsonw_obj_end(&w);
    jsonw_key(&w, "adminUser");
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "uuid", admin);
    jsonw_kv_string(&w, "email", email);
    jsonw_obj_end(&w);
    jsonw_kv_string(&w, "key", key);
    jsonw_kv_string(&w, "keyId", key_id);
    jsonw_obj_end(&w);
    sodium_memzero(key, sizeof key);
    json_decref(body);
}

/* DELETE /_parley/orgs/{uuid} → 200 {"success":true}: the organization and
 * everything it holds are gone, its keys fail at once; unknown → 404.
 * Its media objects ("uploads/<org>/…" in the media storage) go too: removed
 * once before the rows (storage unreachable: 503, nothing deleted, retry
 * works) and once after them, for uploads that finished in between; an
 * upload finishing later finds the organization gone and removes its own
 * object (api_media_put). So no object outlives its organization. */
void api_admin_orgs_delete(req_t *r)
{
    uuid_str_t id, found;
    if (!uuid_parse(r->params[0], id)) {
        problem_not_found(r, "organization", r->params[0]);
        return;
    }
    store_rc_t rc = store_org_resolve(r->store, id, found);
    if (rc == STORE_OK && media_remove_org(r->media, id) != MEDIA_OK) {
        problem_send(r, 503, "unavailable",
                     "the media of organization %s cannot be removed now (the media storage failed); nothing was "
                     "deleted: retry", id);
        return;
    }
    if (rc == STORE_OK)
        rc = store_org_delete(r->store, id);
    if (rc == STORE_OK && media_remove_org(r->media, id) != MEDIA_OK)
        fprintf(stderr, "parley: media: objects uploaded to organization %s while it was deleted may remain\n", id);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "organization", id);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    req_success(r);
}
