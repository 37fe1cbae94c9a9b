-- 005_media.sql - media (spec §7): the secret the signed media URLs are made with, and each conversation's media object.
-- media_secret holds one row, shared by every instance on the database; store_reset keeps it (URLs issued
-- before a reset stay valid). conversation_media is a table of its own, not a conversations column, so that
-- the conversation's storage can change without it; store_org_delete removes an organization's rows.
CREATE TABLE media_secret (
  id         integer PRIMARY KEY CHECK (id = 1),
  secret     text NOT NULL,          -- 64 lowercase hex characters: 32 random bytes
  created_at bigint NOT NULL
);
CREATE TABLE conversation_media (
  conversation_uuid text PRIMARY KEY,
  org_uuid          text NOT NULL,
  media_key         text NOT NULL    -- uploads/<organization uuid>/<uuid>
);
CREATE INDEX conversation_media_org ON conversation_media(org_uuid);
