-- 004_stored_documents.sql - each conversation is stored as one document, its GET resource (issue 15), and
-- every time is in milliseconds (beyond.md §0: times carry milliseconds). The step between the two halves
-- (C: src/store/postgres/upgrade.c) renders every conversation's document from the old columns, brings its
-- participants and attendees to the shapes real responses have, and sets the filter columns.

-- Times: seconds to milliseconds.
UPDATE organizations SET created_at = created_at * 1000;
UPDATE teams SET created_at = created_at * 1000;
UPDATE users SET created_at = created_at * 1000;
UPDATE api_keys SET created_at = created_at * 1000, last_seen_at = last_seen_at * 1000,
  revoked_at = revoked_at * 1000;
UPDATE conversations SET created_at = created_at * 1000, archived_at = archived_at * 1000,
  finished_at = finished_at * 1000, live_started_at = live_started_at * 1000, live_ended_at = live_ended_at * 1000;
UPDATE workflow_logs SET created_at = created_at * 1000;

-- The document ("<slots>\n<document>", conv_store_prepare) and the filter columns, computed in C from now on
-- (they were generated from JSON columns that the document replaces).
ALTER TABLE conversations ADD COLUMN doc text;
ALTER TABLE conversations ADD COLUMN opportunity_uuid_new text;
ALTER TABLE conversations ADD COLUMN analyzed_new boolean NOT NULL DEFAULT false;
-- @step conversation_docs
DROP INDEX conversations_list;
DROP INDEX conversations_opportunity;
ALTER TABLE conversations
  DROP COLUMN opportunity_uuid, DROP COLUMN analyzed, DROP COLUMN referenceable, DROP COLUMN finished_at,
  DROP COLUMN live_started_at, DROP COLUMN live_ended_at, DROP COLUMN media_duration, DROP COLUMN video_uid,
  DROP COLUMN video_status, DROP COLUMN media_storage_status, DROP COLUMN transcript_status,
  DROP COLUMN crm_export_status, DROP COLUMN deal_uuid, DROP COLUMN email_template_id, DROP COLUMN ext_intel_opp_id,
  DROP COLUMN zoom_url, DROP COLUMN gmeet_url, DROP COLUMN teams_url, DROP COLUMN webex_url,
  DROP COLUMN participants_ext_json, DROP COLUMN attendees_json, DROP COLUMN bots_json, DROP COLUMN boards_json,
  DROP COLUMN talktracks_json, DROP COLUMN scorecards_json, DROP COLUMN external_opportunity_json,
  DROP COLUMN external_accounts_json, DROP COLUMN external_contacts_json, DROP COLUMN extracted_intel_json,
  DROP COLUMN confirmed_intel_json, DROP COLUMN labels_json, DROP COLUMN label_tags_na_json,
  DROP COLUMN deprecated_label_categories_json, DROP COLUMN transcript_v1_json, DROP COLUMN transcript_v2_json,
  DROP COLUMN transcript_text;
ALTER TABLE conversations RENAME COLUMN opportunity_uuid_new TO opportunity_uuid;
ALTER TABLE conversations RENAME COLUMN analyzed_new TO analyzed;
ALTER TABLE conversations ALTER COLUMN doc SET NOT NULL;
CREATE INDEX conversations_list ON conversations(org_uuid, created_at DESC, uuid DESC)
  INCLUDE (archived, is_empty, is_private, user_uuid, is_internal, import_status, analyzed);
CREATE INDEX conversations_opportunity ON conversations(org_uuid, opportunity_uuid)
  WHERE opportunity_uuid IS NOT NULL;
