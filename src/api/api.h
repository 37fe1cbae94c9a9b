/* api.h - every HTTP handler, one file per resource (conversations.c, import.c, health.c). */
#ifndef PARLEY_API_H
#define PARLEY_API_H

#include "http/request.h"
#include "media/sign.h"
#include "model/conversation.h"

void api_health(req_t *r);
void api_metrics(req_t *r);

/* openapi.c */
void api_openapi(req_t *r);

/* conversations.c */
void api_conv_list(req_t *r);
void api_conv_list_light(req_t *r);
void api_conv_get(req_t *r);
void api_conv_by_external_id(req_t *r);
void api_conv_archive(req_t *r);
void api_conv_unarchive(req_t *r);

/* import.c */
void api_conv_import(req_t *r);

/* media.c: upload and download URLs, the signed /media/ URLs (PUT streams its body: api_media_put_open) */
void api_media_upload_url(req_t *r);
void api_media_download_url(req_t *r);
void api_media_put_open(req_t *r);
void api_media_put(req_t *r);
void api_media_get(req_t *r);

/* What an import attached (api_media_import_attach), for undoing it when the
 * conversation's insert fails (api_media_import_then, a req_defer_then
 * function: the import sets rc to the insert's result before completing). */
typedef struct api_media_import {
    char key[MEDIA_KEY_MAX];   /* "" when nothing was attached */
    uuid_str_t org, conv;
    store_rc_t rc;
} api_media_import_t;
/* When media_url (an import's mediaURL) is a download URL of this server for
 * the key's organization, validly signed now, of an object that exists:
 * records the object as c's media and marks c's videoStatus and
 * mediaStorageStatus READY. Anything else attaches nothing. 0, or -1 after
 * replying (503: the storage cannot be reached; 500). */
int api_media_import_attach(req_t *r, const char *media_url, conv_t *c, api_media_import_t *mi);
void api_media_import_then(req_t *r, void *ctx);

/* keys.c */
void api_keys_list(req_t *r);
void api_keys_create(req_t *r);
void api_keys_revoke(req_t *r);

/* users.c */
void api_users_list(req_t *r);
void api_users_create(req_t *r);
void api_users_update(req_t *r);
void api_users_delete(req_t *r);

/* teams.c */
void api_teams_list(req_t *r);
void api_teams_create(req_t *r);
void api_teams_update(req_t *r);
void api_team_get(req_t *r);
void api_team_members(req_t *r);

/* conversation_updates.c */
void api_conv_update(req_t *r);
void api_conv_update_title(req_t *r);
void api_conv_update_labels(req_t *r);
void api_conv_change_privacy(req_t *r);
void api_conv_linked_crm_records(req_t *r);
void api_conv_crm_confirm(req_t *r);
void api_change_opportunity(req_t *r);

/* workflow_logs.c */
void api_workflow_logs(req_t *r);

/* integrations.c */
void api_conv_trigger_integration(req_t *r);
/* roles.c, snippets.c, library.c (beyond.md §4, §1, §5) */
void api_roles_list(req_t *r);
void api_snippets_create(req_t *r);
void api_snippet_share(req_t *r);
void api_library_folders(req_t *r);
/* ask.c (beyond.md §2) */
void api_ask_attention(req_t *r);

/* scorecards.c (beyond.md §3) */
void api_scorecards_list(req_t *r);
void api_scorecards_create(req_t *r);
void api_scorecard_get(req_t *r);
void api_scorecard_update(req_t *r);
void api_scorecard_items_list(req_t *r);
void api_scorecard_item_create(req_t *r);
void api_scorecard_item_get(req_t *r);
void api_scorecard_item_update(req_t *r);
void api_scorecard_item_delete(req_t *r);
void api_create_scorecard_result(req_t *r);
void api_scorecards_summary(req_t *r);

/* gi_history.c (beyond.md §6) */
void api_gi_history(req_t *r);

/* The admin API (/_parley/…, stand-in controls): the server checks the admin token before routing. */
/* admin_orgs.c */
void api_admin_orgs_create(req_t *r);
void api_admin_orgs_delete(req_t *r);
/* admin_snapshots.c */
void api_admin_snapshots_create(req_t *r);
void api_admin_snapshots_list(req_t *r);
void api_admin_snapshots_delete(req_t *r);
void api_admin_snapshots_restore(req_t *r);
void api_admin_reset(req_t *r);
/* admin_faults.c */
void api_admin_faults_create(req_t *r);
void api_admin_faults_list(req_t *r);
void api_admin_faults_clear(req_t *r);
void api_admin_faults_delete(req_t *r);
/* admin_rate_limit.c */
void api_admin_rate_limit_get(req_t *r);
void api_admin_rate_limit_set(req_t *r);
void api_admin_rate_limit_clear(req_t *r);
/* admin_clock.c */
void api_admin_clock_get(req_t *r);
void api_admin_clock_set(req_t *r);
void api_admin_clock_reset(req_t *r);
/* admin_requests.c */
void api_admin_requests_list(req_t *r);
void api_admin_requests_clear(req_t *r);
/* admin_webhooks.c */
void api_admin_webhooks_create(req_t *r);
void api_admin_webhooks_list(req_t *r);
void api_admin_webhooks_delete(req_t *r);
void api_admin_webhooks_deliveries(req_t *r);

#endif
