-- 007_media.sql - media (spec §7): the secret the signed media URLs are made with, and each conversation's media object.
-- media_secret holds one row, shared by every process on the database; store_reset keeps it (URLs issued
-- before a reset stay valid). conversation_media is a table of its own, not a conversations column, so that
-- the conversation's storage can change without it; store_org_delete removes an organization's rows.
CREATE TABLE media_secret (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  secret     TEXT NOT NULL,          -- 64 lowercase hex characters: 32 random bytes
  created_at INTEGER NOT NULL
);
CREATE TABLE conversation_media (
  conversation_uuid TEXT PRIMARY KEY,
  org_uuid          TEXT NOT NULL,
  media_key         TEXT NOT NULL    -- uploads/<organization uuid>/<uuid>
);
CREATE INDEX conversation_media_org ON conversation_media(org_uuid);
