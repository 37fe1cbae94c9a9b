-- 007_org_admin_snippets_library.sql - organization administration, snippets and the library (beyond.md §1, §4, §5);
-- the same as SQLite's 009.
--
-- users: botName, settings (dealsEnabled, seat_type) and a soft delete. A deleted user keeps its row (its
-- conversations still render their owner) but leaves every list, lookup and team, and its email becomes
-- free for a new user: UNIQUE (org_uuid, email) becomes a unique index over the live users only.
ALTER TABLE users ADD COLUMN bot_name text;
ALTER TABLE users ADD COLUMN deals_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN seat_type text NOT NULL DEFAULT 'recording';
ALTER TABLE users ADD COLUMN deleted_at bigint;    -- unix milliseconds; NULL while the user exists
ALTER TABLE users DROP CONSTRAINT users_org_uuid_email_key;
CREATE UNIQUE INDEX users_org_email_live ON users(org_uuid, email) WHERE deleted_at IS NULL;

-- Library folders: owner_uuid '' = the organization's library, else the user whose "My Library" holds it.
-- Roots are not stored (their uuids are derived); top-level folders have parent_uuid NULL.
CREATE TABLE library_folders (
  uuid        text COLLATE "C" PRIMARY KEY,
  org_uuid    text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  owner_uuid  text COLLATE "C" NOT NULL DEFAULT '',
  parent_uuid text COLLATE "C" REFERENCES library_folders(uuid),
  name        text COLLATE "C" NOT NULL,
  path        text COLLATE "C" NOT NULL,
  hidden      boolean NOT NULL DEFAULT false,
  user_uuid   text COLLATE "C" NOT NULL,
  created_at  bigint NOT NULL,                   -- unix milliseconds
  UNIQUE (org_uuid, owner_uuid, path)
);
CREATE INDEX library_folders_parent ON library_folders(org_uuid, owner_uuid, parent_uuid, name);

CREATE TABLE snippets (
  uuid              text COLLATE "C" PRIMARY KEY,
  org_uuid          text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  user_uuid         text COLLATE "C" NOT NULL,
  conversation_uuid text COLLATE "C" NOT NULL,
  share_code        text COLLATE "C" NOT NULL UNIQUE,
  title             text NOT NULL,
  notes             text NOT NULL DEFAULT '',
  start_time        double precision NOT NULL,
  end_time          double precision NOT NULL,
  duration          double precision NOT NULL,
  internal          boolean NOT NULL,
  notify_views      boolean NOT NULL,
  ref_char_start    bigint,
  ref_char_end      bigint,
  ref_speaker_start bigint,
  ref_speaker_end   bigint,
  ref_version       text,
  in_library        boolean NOT NULL DEFAULT false,
  my_library        boolean NOT NULL DEFAULT false,
  folder_uuid       text COLLATE "C" REFERENCES library_folders(uuid),
  created_at        bigint NOT NULL                -- unix milliseconds
);
CREATE INDEX snippets_org_folder ON snippets(org_uuid, folder_uuid, my_library, user_uuid) WHERE in_library;
CREATE INDEX snippets_conversation ON snippets(conversation_uuid);
