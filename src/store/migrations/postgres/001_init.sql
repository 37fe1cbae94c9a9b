-- 001_init.sql - initial PostgreSQL schema: the SQLite schema's tables, plus derived columns and indexes for lists.
-- Times are BIGINT unix seconds (0 = not set); ids are lowercase UUID text in the "C" collation so that
-- ordering and equality are bytewise, exactly as in SQLite. JSON fragments are TEXT, returned byte for byte;
-- filters read jsonb-derived generated columns instead. Requires the pg_trgm extension (ships with
-- PostgreSQL; trusted, so a database owner may create it) for the title substring filter.
-- store_open runs this in one transaction, under an advisory lock, and records it in schema_migrations.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- ASCII-only lowercase, like SQLite's lower(): emails and the title filter compare the same way on both backends.
CREATE FUNCTION parley_ascii_lower(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;

-- t as jsonb, or NULL when it is NULL or not JSON that jsonb accepts (SQLite's json_valid guard).
CREATE FUNCTION parley_try_jsonb(t text) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS $$ BEGIN RETURN t::jsonb; EXCEPTION WHEN others THEN RETURN NULL; END $$;

-- A scalar JSON member as SQLite's CAST(json_each.atom AS TEXT) gives it (booleans are 1/0).
CREATE FUNCTION parley_json_atom(v jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE jsonb_typeof(v) WHEN 'boolean' THEN (CASE WHEN v::boolean THEN '1' ELSE '0' END)
                                    WHEN 'null' THEN NULL ELSE v #>> '{}' END $$;

-- filter[crm_field.*] prefilter: "field<US>value" for every scalar member of every object in linkedCrmRecords.
CREATE FUNCTION parley_crm_terms(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(DISTINCT m.key || chr(31) || parley_json_atom(m.value)), '{}')
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(parley_try_jsonb(t)) = 'array'
                                       THEN parley_try_jsonb(t) ELSE '[]'::jsonb END) AS r(rec),
             jsonb_each(CASE WHEN jsonb_typeof(r.rec) = 'object' THEN r.rec ELSE '{}'::jsonb END) AS m
        WHERE jsonb_typeof(m.value) IN ('string', 'number', 'boolean') $$;

CREATE TABLE organizations (
  uuid              text COLLATE "C" PRIMARY KEY,
  name              text NOT NULL UNIQUE,
  default_team_uuid text COLLATE "C",
  created_at        bigint NOT NULL
);

CREATE TABLE teams (
  uuid             text COLLATE "C" PRIMARY KEY,
  org_uuid         text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  name             text NOT NULL,
  domain           text,
  parent_team_uuid text COLLATE "C" REFERENCES teams(uuid),
  created_at       bigint NOT NULL,
  UNIQUE (org_uuid, name)
);
CREATE INDEX teams_org_created ON teams(org_uuid, created_at, uuid);

CREATE TABLE users (
  uuid              text COLLATE "C" PRIMARY KEY,
  org_uuid          text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  email             text NOT NULL,               -- ASCII-lowercased
  first_name        text,
  last_name         text,
  transcript_lang   text NOT NULL DEFAULT 'en',
  primary_team_uuid text COLLATE "C" REFERENCES teams(uuid),
  role              text NOT NULL DEFAULT 'member',
  created_at        bigint NOT NULL,
  UNIQUE (org_uuid, email)
);
CREATE INDEX users_org_created ON users(org_uuid, created_at, uuid);

CREATE TABLE team_members (
  team_uuid text COLLATE "C" NOT NULL REFERENCES teams(uuid),
  user_uuid text COLLATE "C" NOT NULL REFERENCES users(uuid),
  PRIMARY KEY (team_uuid, user_uuid)
);
CREATE INDEX team_members_user ON team_members(user_uuid);

CREATE TABLE api_keys (
  id           text COLLATE "C" PRIMARY KEY,
  org_uuid     text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  user_uuid    text COLLATE "C" NOT NULL REFERENCES users(uuid),
  name         text,
  hash         bytea NOT NULL UNIQUE,            -- SHA-256 of the key; the key itself is never stored
  last4        text NOT NULL,
  org_level    boolean NOT NULL DEFAULT false,
  created_at   bigint NOT NULL,
  last_seen_at bigint NOT NULL DEFAULT 0,
  revoked_at   bigint                            -- NULL while live
);
CREATE INDEX api_keys_org ON api_keys(org_uuid, created_at, id);

-- One table (large values move to TOAST by themselves); one column per conv_t field, named like it.
CREATE TABLE conversations (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uuid                 text COLLATE "C" NOT NULL UNIQUE,
  org_uuid             text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  user_uuid            text COLLATE "C" NOT NULL REFERENCES users(uuid),
  team_uuid            text COLLATE "C" REFERENCES teams(uuid),
  created_at           bigint NOT NULL,
  archived             boolean NOT NULL DEFAULT false,
  archived_at          bigint NOT NULL DEFAULT 0,
  is_private           boolean NOT NULL DEFAULT false,
  is_internal          boolean NOT NULL DEFAULT false,
  is_empty             boolean NOT NULL DEFAULT false,
  referenceable        boolean NOT NULL DEFAULT false,
  import_status        text,
  external_id          text,                     -- applicationExternalID
  finished_at          bigint NOT NULL DEFAULT 0,
  live_started_at      bigint NOT NULL DEFAULT 0,
  live_ended_at        bigint NOT NULL DEFAULT 0,
  media_duration       double precision NOT NULL DEFAULT 0,
  video_uid            text,
  video_status         text,
  media_storage_status text,
  transcript_status    text,
  crm_export_status    text,
  deal_uuid            text,
  email_template_id    text,
  ext_intel_opp_id     text,
  zoom_url             text,
  gmeet_url            text,
  teams_url            text,
  webex_url            text,
  application_name     text,
  title                text,
  participants_json                text,
  participants_ext_json            text,
  attendees_json                   text,
  bots_json                        text,
  boards_json                      text,
  talktracks_json                  text,
  scorecards_json                  text,
  external_opportunity_json        text,
  import_metadata_json             text,
  zoom_metadata_json               text,
  linked_crm_json                  text,
  external_accounts_json           text,
  external_contacts_json           text,
  extracted_intel_json             text,
  confirmed_intel_json             text,
  labels_json                      text,
  label_tags_na_json               text,
  deprecated_label_categories_json text,
  transcript_v1_json               text,
  transcript_v2_json               text,
  transcript_text                  text,
  -- Derived, kept in step by PostgreSQL whatever statement changes the sources.
  -- filter[external_opportunity.id]: externalOpportunity.uuid.
  opportunity_uuid text GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(parley_try_jsonb(external_opportunity_json)) = 'object'
         THEN parley_json_atom(parley_try_jsonb(external_opportunity_json) -> 'uuid') END) STORED,
  -- filter[hide_non_analyzed]: scorecard results or non-empty extracted intelligence.
  analyzed boolean GENERATED ALWAYS AS (
    coalesce(CASE WHEN jsonb_typeof(parley_try_jsonb(scorecards_json)) = 'array'
                  THEN jsonb_array_length(parley_try_jsonb(scorecards_json)) > 0 END, false)
    OR coalesce(jsonb_typeof(parley_try_jsonb(extracted_intel_json)) = 'object'
                AND parley_try_jsonb(extracted_intel_json) <> '{}'::jsonb, false)) STORED,
  -- filter[crm_field.*]: see parley_crm_terms.
  crm_terms text[] GENERATED ALWAYS AS (parley_crm_terms(linked_crm_json)) STORED
);
-- Lists: newest first within an organization; the INCLUDE columns let COUNT(*) and paging of the
-- default filters and scopes run as index-only scans.
CREATE INDEX conversations_list ON conversations(org_uuid, created_at DESC, uuid DESC)
  INCLUDE (archived, is_empty, is_private, user_uuid, is_internal, import_status, analyzed);
CREATE UNIQUE INDEX conversations_external_id ON conversations(org_uuid, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX conversations_owner ON conversations(org_uuid, user_uuid, created_at DESC);
CREATE INDEX conversations_team ON conversations(org_uuid, team_uuid, created_at DESC, uuid DESC)
  INCLUDE (archived, is_empty, is_private, user_uuid);
CREATE INDEX conversations_opportunity ON conversations(org_uuid, opportunity_uuid)
  WHERE opportunity_uuid IS NOT NULL;
-- filter[title]: case-insensitive (ASCII, as SQLite's LIKE) substring, trigram-indexed.
CREATE INDEX conversations_title_trgm ON conversations USING gin (parley_ascii_lower(title) gin_trgm_ops);
CREATE INDEX conversations_crm_terms ON conversations USING gin (crm_terms);

-- Participant emails (ASCII-lowercased) of each conversation, for filter[participants.email].
CREATE TABLE conversation_participants (
  conv_uuid text COLLATE "C" NOT NULL REFERENCES conversations(uuid) ON DELETE CASCADE,
  org_uuid  text COLLATE "C" NOT NULL,
  email     text NOT NULL,
  PRIMARY KEY (conv_uuid, email)
);
CREATE INDEX conversation_participants_email ON conversation_participants(org_uuid, email);

-- One row per event on a conversation (GET /conversations/workflow-logs).
CREATE TABLE workflow_logs (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_uuid          text COLLATE "C" NOT NULL,
  conversation_uuid text COLLATE "C" NOT NULL,
  workflow_name     text NOT NULL,
  success           boolean NOT NULL DEFAULT true,
  error             text,
  created_at        bigint NOT NULL
);
CREATE INDEX workflow_logs_org_time ON workflow_logs(org_uuid, created_at DESC, id DESC);
CREATE INDEX workflow_logs_conv ON workflow_logs(conversation_uuid, created_at DESC);
