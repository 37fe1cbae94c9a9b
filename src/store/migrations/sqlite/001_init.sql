-- 001_init.sql - initial SQLite schema: organizations, teams, users, keys, conversations, workflow logs.
-- Times are INTEGER unix seconds (0 = not set); ids are lowercase UUID text.
-- store_open runs this in one transaction and records it in schema_migrations.

CREATE TABLE organizations (
  uuid              TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  default_team_uuid TEXT,                        -- the team made with the organization
  created_at        INTEGER NOT NULL
);

CREATE TABLE teams (
  uuid             TEXT PRIMARY KEY,
  org_uuid         TEXT NOT NULL REFERENCES organizations(uuid),
  name             TEXT NOT NULL,
  domain           TEXT,
  parent_team_uuid TEXT REFERENCES teams(uuid),
  created_at       INTEGER NOT NULL,
  UNIQUE (org_uuid, name)
);

CREATE TABLE users (
  uuid              TEXT PRIMARY KEY,
  org_uuid          TEXT NOT NULL REFERENCES organizations(uuid),
  email             TEXT NOT NULL,               -- lowercase
  first_name        TEXT,
  last_name         TEXT,
  transcript_lang   TEXT NOT NULL DEFAULT 'en',
  primary_team_uuid TEXT REFERENCES teams(uuid),
  role              TEXT NOT NULL DEFAULT 'member',
  created_at        INTEGER NOT NULL,
  UNIQUE (org_uuid, email)
);
CREATE INDEX users_org_created ON users(org_uuid, created_at, uuid);

CREATE TABLE team_members (
  team_uuid TEXT NOT NULL REFERENCES teams(uuid),
  user_uuid TEXT NOT NULL REFERENCES users(uuid),
  PRIMARY KEY (team_uuid, user_uuid)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members(user_uuid);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  org_uuid     TEXT NOT NULL REFERENCES organizations(uuid),
  user_uuid    TEXT NOT NULL REFERENCES users(uuid),
  name         TEXT,
  hash         BLOB NOT NULL UNIQUE,             -- SHA-256 of the key; the key itself is never stored
  last4        TEXT NOT NULL,
  org_level    INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL DEFAULT 0,
  revoked_at   INTEGER                           -- NULL while live
);
CREATE INDEX api_keys_org ON api_keys(org_uuid, created_at);

-- One column per conv_t field, named like the field, over two tables:
-- `conversations` holds the small columns (identity, times, flags, statuses,
-- links, title) so its rows stay a few hundred bytes and archiving rewrites
-- only that; `conversation_bodies` holds the JSON fragments and transcripts
-- (several KB, overflow pages), written once on import.
CREATE TABLE conversations (
  id                   INTEGER PRIMARY KEY,
  uuid                 TEXT NOT NULL UNIQUE,
  org_uuid             TEXT NOT NULL REFERENCES organizations(uuid),
  user_uuid            TEXT NOT NULL REFERENCES users(uuid),
  team_uuid            TEXT REFERENCES teams(uuid),  -- NULL when none
  created_at           INTEGER NOT NULL,
  archived             INTEGER NOT NULL DEFAULT 0,
  archived_at          INTEGER NOT NULL DEFAULT 0,
  is_private           INTEGER NOT NULL DEFAULT 0,
  is_internal          INTEGER NOT NULL DEFAULT 0,
  is_empty             INTEGER NOT NULL DEFAULT 0,
  referenceable        INTEGER NOT NULL DEFAULT 0,
  import_status        TEXT,
  external_id          TEXT,                     -- applicationExternalID
  finished_at          INTEGER NOT NULL DEFAULT 0,
  live_started_at      INTEGER NOT NULL DEFAULT 0,
  live_ended_at        INTEGER NOT NULL DEFAULT 0,
  media_duration       REAL NOT NULL DEFAULT 0,
  video_uid            TEXT,
  video_status         TEXT,
  media_storage_status TEXT,
  transcript_status    TEXT,
  crm_export_status    TEXT,
  deal_uuid            TEXT,
  email_template_id    TEXT,
  ext_intel_opp_id     TEXT,
  zoom_url             TEXT,
  gmeet_url            TEXT,
  teams_url            TEXT,
  webex_url            TEXT,
  application_name     TEXT,
  title                TEXT
);
-- Lists: newest first within an organization. The trailing columns make the
-- index cover COUNT(*) and paging for the default filters and scopes; they
-- come after the unique prefix, so archiving rewrites its entry in place.
-- No other index holds `archived`.
CREATE INDEX conversations_list
  ON conversations(org_uuid, created_at DESC, uuid DESC, archived, is_empty, is_private, user_uuid);
CREATE UNIQUE INDEX conversations_external_id ON conversations(org_uuid, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX conversations_owner ON conversations(org_uuid, user_uuid, created_at DESC);
CREATE INDEX conversations_team ON conversations(org_uuid, team_uuid, created_at DESC);

CREATE TABLE conversation_bodies (
  id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  -- Derived, kept in step by SQLite whatever statement changes the sources;
  -- declared first so filters read them from the row's first page.
  -- filter[external_opportunity.id]: externalOpportunity.uuid.
  opportunity_uuid TEXT GENERATED ALWAYS AS (
    CASE WHEN json_valid(external_opportunity_json) THEN
      (CASE WHEN json_type(external_opportunity_json) = 'object'
            THEN json_extract(external_opportunity_json, '$.uuid') END)
    END) STORED,
  -- filter[hide_non_analyzed]: 1 when there are scorecard results or extracted intelligence.
  analyzed INTEGER GENERATED ALWAYS AS (
    CASE
      WHEN (CASE WHEN json_valid(scorecards_json)
                 THEN json_array_length(scorecards_json) ELSE 0 END) > 0 THEN 1
      WHEN (CASE WHEN json_valid(extracted_intel_json)
                 THEN json_type(extracted_intel_json) = 'object'
                      AND json_extract(extracted_intel_json, '$') <> '{}'
                 ELSE 0 END) THEN 1
      ELSE 0
    END) STORED,
  participants_json                TEXT,
  participants_ext_json            TEXT,
  attendees_json                   TEXT,
  bots_json                        TEXT,
  boards_json                      TEXT,
  talktracks_json                  TEXT,
  scorecards_json                  TEXT,
  external_opportunity_json        TEXT,
  import_metadata_json             TEXT,
  zoom_metadata_json               TEXT,
  linked_crm_json                  TEXT,
  external_accounts_json           TEXT,
  external_contacts_json           TEXT,
  extracted_intel_json             TEXT,
  confirmed_intel_json             TEXT,
  labels_json                      TEXT,
  label_tags_na_json               TEXT,
  deprecated_label_categories_json TEXT,
  transcript_v1_json               TEXT,
  transcript_v2_json               TEXT,
  transcript_text                  TEXT
);
CREATE INDEX conversation_bodies_opportunity ON conversation_bodies(opportunity_uuid)
  WHERE opportunity_uuid IS NOT NULL;

-- Participant emails (lowercase) of each conversation, for filter[participants.email].
CREATE TABLE conversation_participants (
  conv_uuid TEXT NOT NULL REFERENCES conversations(uuid) ON DELETE CASCADE,
  org_uuid  TEXT NOT NULL,
  email     TEXT NOT NULL,
  PRIMARY KEY (conv_uuid, email)
) WITHOUT ROWID;
CREATE INDEX conversation_participants_email ON conversation_participants(org_uuid, email);

-- One row per event on a conversation (GET /conversations/workflow-logs).
CREATE TABLE workflow_logs (
  id                INTEGER PRIMARY KEY,
  org_uuid          TEXT NOT NULL,
  conversation_uuid TEXT NOT NULL,
  workflow_name     TEXT NOT NULL,
  success           INTEGER NOT NULL DEFAULT 1,
  error             TEXT,
  created_at        INTEGER NOT NULL
);
CREATE INDEX workflow_logs_org_time ON workflow_logs(org_uuid, created_at DESC, id DESC);
CREATE INDEX workflow_logs_conv ON workflow_logs(conversation_uuid, created_at DESC);
