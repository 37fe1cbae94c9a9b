-- 006_stored_documents.sql - each conversation is stored as one document, its GET resource (issue 15), and
-- every time is in milliseconds (beyond.md §0: times carry milliseconds). The step between the two halves
-- (C: src/store/sqlite/upgrade.c) renders every conversation's document from the old columns, brings its
-- participants and attendees to the shapes real responses have, and fills the new body table.

-- Times: seconds to milliseconds.
UPDATE organizations SET created_at = created_at * 1000;
UPDATE teams SET created_at = created_at * 1000;
UPDATE users SET created_at = created_at * 1000;
UPDATE api_keys SET created_at = created_at * 1000, last_seen_at = last_seen_at * 1000,
  revoked_at = revoked_at * 1000;
UPDATE conversations SET created_at = created_at * 1000, archived_at = archived_at * 1000,
  finished_at = finished_at * 1000, live_started_at = live_started_at * 1000, live_ended_at = live_ended_at * 1000;
UPDATE workflow_logs SET created_at = created_at * 1000;

-- The new body: what the filters read first, then what the document leaves out, then the document
-- ("<slots>\n<document>", conv_store_prepare), last so that reading the columns before it never walks
-- its overflow pages.
CREATE TABLE conversation_docs (
  id                   INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  opportunity_uuid     TEXT,                     -- filter[external_opportunity.id]
  analyzed             INTEGER NOT NULL DEFAULT 0, -- filter[hide_non_analyzed]
  linked_crm_json      TEXT,                     -- filter[crm_field.*]
  participants_json    TEXT,                     -- every participant, when there are internal ones
  import_metadata_json TEXT,
  zoom_metadata_json   TEXT,
  doc                  TEXT NOT NULL
);
-- @step conversation_docs
DROP INDEX conversation_bodies_opportunity;
DROP TABLE conversation_bodies;
ALTER TABLE conversation_docs RENAME TO conversation_bodies;
CREATE INDEX conversation_bodies_opportunity ON conversation_bodies(opportunity_uuid)
  WHERE opportunity_uuid IS NOT NULL;
-- What only the document holds now.
ALTER TABLE conversations DROP COLUMN referenceable;
ALTER TABLE conversations DROP COLUMN finished_at;
ALTER TABLE conversations DROP COLUMN live_started_at;
ALTER TABLE conversations DROP COLUMN live_ended_at;
ALTER TABLE conversations DROP COLUMN media_duration;
ALTER TABLE conversations DROP COLUMN video_uid;
ALTER TABLE conversations DROP COLUMN video_status;
ALTER TABLE conversations DROP COLUMN media_storage_status;
ALTER TABLE conversations DROP COLUMN transcript_status;
ALTER TABLE conversations DROP COLUMN crm_export_status;
ALTER TABLE conversations DROP COLUMN deal_uuid;
ALTER TABLE conversations DROP COLUMN email_template_id;
ALTER TABLE conversations DROP COLUMN ext_intel_opp_id;
ALTER TABLE conversations DROP COLUMN zoom_url;
ALTER TABLE conversations DROP COLUMN gmeet_url;
ALTER TABLE conversations DROP COLUMN teams_url;
ALTER TABLE conversations DROP COLUMN webex_url;
