-- 009_org_admin_snippets_library.sql - organization administration, snippets and the library (beyond.md §1, §4, §5).
--
-- users: botName, settings (dealsEnabled, seat_type) and a soft delete. A deleted user keeps its row (its
-- conversations still render their owner, joined from here) but leaves every list, lookup and team, and its
-- email becomes free for a new user: the table-wide UNIQUE (org_uuid, email) of 001 becomes a unique index
-- over the live users only. SQLite cannot drop a table constraint, so the table is rebuilt. Other tables
-- reference users(uuid) with immediate foreign keys, and PRAGMA foreign_keys cannot change inside the
-- migration's transaction: with defer_foreign_keys on, dropping the old table counts each referencing row
-- as a pending violation and inserting the same rows into the new table settles every one of them, so the
-- COMMIT checks that nothing was lost (a row not copied back would fail it).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE users_before_009 AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
  uuid              TEXT PRIMARY KEY,
  org_uuid          TEXT NOT NULL REFERENCES organizations(uuid),
  email             TEXT NOT NULL,               -- lowercase
  first_name        TEXT,
  last_name         TEXT,
  transcript_lang   TEXT NOT NULL DEFAULT 'en',
  primary_team_uuid TEXT REFERENCES teams(uuid),
  role              TEXT NOT NULL DEFAULT 'member', -- admin | manager | member (the SALES_REP role)
  created_at        INTEGER NOT NULL,
  bot_name          TEXT,                        -- NULL: "<first name>'s Notetaker"
  deals_enabled     INTEGER NOT NULL DEFAULT 0,
  seat_type         TEXT NOT NULL DEFAULT 'recording', -- listener | recording
  deleted_at        INTEGER                      -- unix milliseconds; NULL while the user exists
);
INSERT INTO users(uuid, org_uuid, email, first_name, last_name, transcript_lang, primary_team_uuid, role, created_at)
  SELECT uuid, org_uuid, email, first_name, last_name, transcript_lang, primary_team_uuid, role, created_at
  FROM users_before_009;
DROP TABLE users_before_009;
CREATE UNIQUE INDEX users_org_email_live ON users(org_uuid, email) WHERE deleted_at IS NULL;
CREATE INDEX users_org_created ON users(org_uuid, created_at, uuid);

-- Library folders. Each organization has one library and each of its users a "My Library"; owner_uuid
-- says which ('' = the organization's). A library's root is not stored: its uuid is derived from the
-- organization and owner (src/model/library.c); top-level folders have parent_uuid NULL.
CREATE TABLE library_folders (
  uuid        TEXT PRIMARY KEY,
  org_uuid    TEXT NOT NULL REFERENCES organizations(uuid),
  owner_uuid  TEXT NOT NULL DEFAULT '',
  parent_uuid TEXT REFERENCES library_folders(uuid),
  name        TEXT NOT NULL,
  path        TEXT NOT NULL,                     -- "/a/b", unique within its library
  hidden      INTEGER NOT NULL DEFAULT 0,
  user_uuid   TEXT NOT NULL,                     -- who made it (the snippet's user, or the seed's)
  created_at  INTEGER NOT NULL,                  -- unix milliseconds
  UNIQUE (org_uuid, owner_uuid, path)
);
CREATE INDEX library_folders_parent ON library_folders(org_uuid, owner_uuid, parent_uuid, name);

-- Snippets (POST /v2/snippets): a stretch of a conversation's recording, shared by a link
-- (/snippets/<share_code>). Times of the video in seconds; reference indexes NULL when none was given.
CREATE TABLE snippets (
  uuid              TEXT PRIMARY KEY,
  org_uuid          TEXT NOT NULL REFERENCES organizations(uuid),
  user_uuid         TEXT NOT NULL,
  conversation_uuid TEXT NOT NULL,
  share_code        TEXT NOT NULL UNIQUE,        -- >= 128 random bits, base64url
  title             TEXT NOT NULL,
  notes             TEXT NOT NULL DEFAULT '',
  start_time        REAL NOT NULL,
  end_time          REAL NOT NULL,
  duration          REAL NOT NULL,
  internal          INTEGER NOT NULL,
  notify_views      INTEGER NOT NULL,
  ref_char_start    INTEGER,
  ref_char_end      INTEGER,
  ref_speaker_start INTEGER,
  ref_speaker_end   INTEGER,
  ref_version       TEXT,                        -- V1 | V2
  in_library        INTEGER NOT NULL DEFAULT 0,
  my_library        INTEGER NOT NULL DEFAULT 0,
  folder_uuid       TEXT REFERENCES library_folders(uuid), -- NULL: the library's root (or not in one)
  created_at        INTEGER NOT NULL             -- unix milliseconds
);
CREATE INDEX snippets_org_folder ON snippets(org_uuid, folder_uuid, my_library, user_uuid) WHERE in_library = 1;
CREATE INDEX snippets_conversation ON snippets(conversation_uuid);
