/* router.c - maps method + path to a handler; literal segments win over {params}. */
#include "http/router.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"

/* The whole API surface. Order does not matter: the most specific pattern
 * (literal segments earlier in the path) wins. A route that streams its body
 * names its open function as a fifth member; the others leave it out (NULL),
 * which is why the warning about missing members is off for the table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const route_t router_routes[] = {
    {HTTP_GET, "/healthz", api_health, true},
    {HTTP_GET, "/metrics", api_metrics, true},
    {HTTP_GET, "/openapi.json", api_openapi, true},
    {HTTP_GET, "/v2/conversations", api_conv_list, false},
    {HTTP_GET, "/v2/conversations/list", api_conv_list_light, false},
    {HTTP_POST, "/v2/conversations/import", api_conv_import, false},
    {HTTP_GET, "/v2/conversations/by-external-id/{externalId}", api_conv_by_external_id, false},
    {HTTP_GET, "/v2/conversations/{id}", api_conv_get, false, .snapshot = true},
    {HTTP_DELETE, "/v2/conversations/{id}", api_conv_archive, false},
    {HTTP_POST, "/v2/conversations/{id}/unarchive", api_conv_unarchive, false},
    {HTTP_GET, "/v2/api_keys", api_keys_list, false},
    {HTTP_POST, "/v2/api_keys", api_keys_create, false},
    {HTTP_DELETE, "/v2/api_keys", api_keys_revoke, false},
    {HTTP_GET, "/v2/users", api_users_list, false},
    {HTTP_GET, "/v2/organizations/users", api_users_list, false},
    {HTTP_POST, "/v2/organizations/users", api_users_create, false},
    {HTTP_GET, "/v2/teams", api_teams_list, false},
    {HTTP_GET, "/v2/organizations/teams", api_teams_list, false},
    {HTTP_POST, "/v2/organizations/teams", api_teams_create, false},
    {HTTP_GET, "/v2/teams/{id}", api_team_get, false},
    {HTTP_GET, "/v2/teams/{id}/members", api_team_members, false},
    {HTTP_PUT, "/v2/conversations/{id}", api_conv_update, false},
    {HTTP_PUT, "/v2/conversations/{id}/title", api_conv_update_title, false},
    {HTTP_PUT, "/v2/conversations/{id}/labels", api_conv_update_labels, false},
    {HTTP_PUT, "/v2/conversations/{id}/change_privacy", api_conv_change_privacy, false},
    {HTTP_PUT, "/v2/conversations/{id}/linked-crm-records", api_conv_linked_crm_records, false},
    {HTTP_POST, "/v2/conversations/{id}/crm/confirm", api_conv_crm_confirm, false},
    {HTTP_POST, "/v2/changeConversationOpportunity", api_change_opportunity, false},
    {HTTP_GET, "/v2/conversations/workflow-logs", api_workflow_logs, false},
    {HTTP_GET, "/v2/conversations/upload-url", api_media_upload_url, false},
    {HTTP_POST, "/v2/conversations/{id}/media/download", api_media_download_url, false},
    /* the signed media URLs: no key (the signature is the capability); PUT streams its body */
    {HTTP_GET, "/media/uploads/{org}/{id}", api_media_get, true},
    {HTTP_PUT, "/media/uploads/{org}/{id}", api_media_put, true, api_media_put_open},
    {HTTP_POST, "/v2/conversations/{id}/trigger-native-integration", api_conv_trigger_integration, false},
    /* organization administration, snippets, the library (beyond.md §4, §1, §5) */
    {HTTP_GET, "/v2/organizations/roles", api_roles_list, false},
    {HTTP_PATCH, "/v2/organizations/users/{id}", api_users_update, false},
    {HTTP_DELETE, "/v2/organizations/users/{id}", api_users_delete, false},
    {HTTP_PATCH, "/v2/organizations/teams/{id}", api_teams_update, false},
    {HTTP_POST, "/v2/snippets", api_snippets_create, false},
    {HTTP_GET, "/snippets/{shareCode}", api_snippet_share, true}, /* the link: no key needed (internal ones: 401) */
    {HTTP_GET, "/v2/library/folders", api_library_folders, false},
    /* beyond.md §2, §3, §6 */
    {HTTP_POST, "/v2/ask_attention/v2", api_ask_attention, false},
    {HTTP_GET, "/v2/scorecards", api_scorecards_list, false},
    {HTTP_POST, "/v2/scorecards", api_scorecards_create, false},
    {HTTP_POST, "/v2/scorecards/summary", api_scorecards_summary, false},
    {HTTP_GET, "/v2/scorecards/{id}", api_scorecard_get, false},
    {HTTP_PATCH, "/v2/scorecards/{id}", api_scorecard_update, false},
    {HTTP_GET, "/v2/scorecards/{id}/items", api_scorecard_items_list, false},
    {HTTP_POST, "/v2/scorecards/{id}/items", api_scorecard_item_create, false},
    {HTTP_GET, "/v2/scorecards/{id}/items/{itemId}", api_scorecard_item_get, false},
    {HTTP_PATCH, "/v2/scorecards/{id}/items/{itemId}", api_scorecard_item_update, false},
    {HTTP_DELETE, "/v2/scorecards/{id}/items/{itemId}", api_scorecard_item_delete, false},
    {HTTP_POST, "/v2/createScorecardResult", api_create_scorecard_result, false},
    {HTTP_GET, "/v2/gi/history", api_gi_history, false},
    /* the admin API: no API key; the server checks the admin token before routing (server_prepare) */
    {HTTP_POST, "/_parley/orgs", api_admin_orgs_create, true},
    {HTTP_DELETE, "/_parley/orgs/{id}", api_admin_orgs_delete, true},
    {HTTP_POST, "/_parley/snapshots", api_admin_snapshots_create, true},
    {HTTP_GET, "/_parley/snapshots", api_admin_snapshots_list, true},
    {HTTP_DELETE, "/_parley/snapshots/{name}", api_admin_snapshots_delete, true},
    {HTTP_POST, "/_parley/snapshots/{name}/restore", api_admin_snapshots_restore, true},
    {HTTP_POST, "/_parley/reset", api_admin_reset, true},
    {HTTP_POST, "/_parley/faults", api_admin_faults_create, true},
    {HTTP_GET, "/_parley/faults", api_admin_faults_list, true},
    {HTTP_DELETE, "/_parley/faults", api_admin_faults_clear, true},
    {HTTP_DELETE, "/_parley/faults/{id}", api_admin_faults_delete, true},
    {HTTP_GET, "/_parley/rate-limit", api_admin_rate_limit_get, true},
    {HTTP_PUT, "/_parley/rate-limit", api_admin_rate_limit_set, true},
    {HTTP_DELETE, "/_parley/rate-limit", api_admin_rate_limit_clear, true},
    {HTTP_GET, "/_parley/clock", api_admin_clock_get, true},
    {HTTP_PUT, "/_parley/clock", api_admin_clock_set, true},
    {HTTP_DELETE, "/_parley/clock", api_admin_clock_reset, true},
    {HTTP_GET, "/_parley/requests", api_admin_requests_list, true},
    {HTTP_DELETE, "/_parley/requests", api_admin_requests_clear, true},
    {HTTP_POST, "/_parley/webhooks", api_admin_webhooks_create, true},
    {HTTP_GET, "/_parley/webhooks", api_admin_webhooks_list, true},
    {HTTP_DELETE, "/_parley/webhooks/{id}", api_admin_webhooks_delete, true},
    {HTTP_GET, "/_parley/webhooks/{id}/deliveries", api_admin_webhooks_deliveries, true},
};
#pragma GCC diagnostic pop

const route_t *router_table(size_t *n)
{
    *n = sizeof router_routes / sizeof router_routes[0];
    return router_routes;
}

#define ROUTER_MAX_SEGMENTS 16

/* Splits path ("/a/b/c", trailing slash ignored) into at most max segments
 * pointing into path; lengths in len[]. Returns the count or -1 when there are too many. */
static int router_split(const char *path, const char *seg[], size_t len[], int max)
{
    int n = 0;
    const char *p = path;
    if (*p != '/')
        return -1;
    while (*p == '/') {
        p++;
        if (*p == '\0')
            break; /* trailing slash */
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (n == max)
            return -1;
        seg[n] = p;
        len[n] = l;
        n++;
        p += l;
    }
    return n;
}

#define ROUTER_N (sizeof router_routes / sizeof router_routes[0])

/* Each pattern split into segments once (router_init), not on every request. */
typedef struct router_pattern {
    int n;
    const char *seg[ROUTER_MAX_SEGMENTS];
    size_t len[ROUTER_MAX_SEGMENTS];
} router_pattern_t;

static router_pattern_t router_patterns[ROUTER_N];
static pthread_once_t router_once = PTHREAD_ONCE_INIT;

static void router_init(void)
{
    for (size_t i = 0; i < ROUTER_N; i++)
        router_patterns[i].n = router_split(router_routes[i].pattern, router_patterns[i].seg, router_patterns[i].len,
                                            ROUTER_MAX_SEGMENTS);
}

/* Matches one pattern; returns a specificity score (higher = more literal
 * segments, earlier ones weigh more) or -1 when it does not match. */
static int router_score(const router_pattern_t *p, const char *seg[], const size_t len[], int n)
{
    if (p->n != n)
        return -1;
    int score = 0;
    for (int i = 0; i < n; i++) {
        score <<= 1;
        if (p->seg[i][0] == '{')
            continue;
        if (p->len[i] != len[i] || memcmp(p->seg[i], seg[i], len[i]) != 0)
            return -1;
        score |= 1;
    }
    return score;
}

route_result_t router_match(arena_t *a, http_method_t method, const char *path, const route_t **out,
                            const char *params[REQ_MAX_PARAMS], const char **allow)
{
    const char *seg[ROUTER_MAX_SEGMENTS];
    size_t len[ROUTER_MAX_SEGMENTS];
    int n = router_split(path, seg, len, ROUTER_MAX_SEGMENTS);
    if (n < 0)
        return ROUTE_NOT_FOUND;
    if (method == HTTP_HEAD)
        method = HTTP_GET;

    pthread_once(&router_once, router_init);
    int best = -1;
    unsigned allowed = 0;
    const route_t *hit = NULL;
    const router_pattern_t *hit_pattern = NULL;
    for (size_t i = 0; i < ROUTER_N; i++) {
        int s = router_score(&router_patterns[i], seg, len, n);
        if (s < 0 || s < best)
            continue;
        if (s > best) {
            best = s;
            allowed = 0;
            hit = NULL;
        }
        allowed |= router_routes[i].methods;
        if (router_routes[i].methods & method) {
            hit = &router_routes[i];
            hit_pattern = &router_patterns[i];
        }
    }
    if (best < 0)
        return ROUTE_NOT_FOUND;
    if (!hit) {
        static const struct { unsigned bit; const char *name; } names[] = {
            {HTTP_GET, "GET"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_DELETE, "DELETE"}, {HTTP_PATCH, "PATCH"},
        };
        buf_t b;
        buf_init(&b);
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (!(allowed & names[i].bit))
                continue;
            buf_printf(&b, "%s%s", b.len ? ", " : "", names[i].name);
            if (names[i].bit == HTTP_GET)
                buf_puts(&b, ", HEAD");
        }
        *allow = arena_strdup(a, b.data ? b.data : "");
        buf_free(&b);
        return ROUTE_BAD_METHOD;
    }

    /* decode the {param} segments of the winning pattern */
    int np = 0;
    for (int i = 0; i < hit_pattern->n; i++) {
        if (hit_pattern->seg[i][0] != '{')
            continue;
        if (np == REQ_MAX_PARAMS)
            return ROUTE_NOT_FOUND;
        char *v = query_unescape(a, seg[i], len[i], false);
        if (!v)
            return ROUTE_NOT_FOUND; /* malformed escape or NUL: no such resource */
        params[np++] = v;
    }
    *out = hit;
    return ROUTE_FOUND;
}
