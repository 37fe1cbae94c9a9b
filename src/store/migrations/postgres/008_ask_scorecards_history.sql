-- 008_ask_scorecards_history.sql - beyond.md §2, §3, §6: a full-text index over transcript segments (Ask
-- Attention), scorecards with their items and results (and daily roll-ups for the summary), and the
-- generalized-insights history. Times of the new tables are bigint unix milliseconds.

-- No import may slip between the backfill and the first index write of this version.
LOCK TABLE conversations IN SHARE ROW EXCLUSIVE MODE;

-- ---- Ask Attention: transcript segments and their tsvector index -------------------------------------
-- One row per conversation with a transcript: its segment count and its length in words (spaces + 1 per
-- non-empty segment, the BM25 length).
CREATE TABLE transcript_index (
  conv_uuid text COLLATE "C" PRIMARY KEY REFERENCES conversations(uuid) ON DELETE CASCADE,
  org_uuid  text COLLATE "C" NOT NULL,
  nseg      integer NOT NULL,
  nwords    bigint NOT NULL
);
-- The segments (v1 sentences) of each indexed conversation. `terms` holds the segment's words as Parley's
-- tokenizer (src/model/ask.c) cuts them - ASCII letters and digits, lowercased, and any other character
-- except punctuation and symbols - given as lexemes, so that a query matches exactly what SQLite's FTS5
-- index finds and the ranking (in C, identical on both backends) scores.
CREATE TABLE transcript_segments (
  conv_uuid text COLLATE "C" NOT NULL REFERENCES transcript_index(conv_uuid) ON DELETE CASCADE,
  seq       integer NOT NULL,
  start_sec double precision NOT NULL,
  end_sec   double precision NOT NULL,
  text      text NOT NULL,
  terms     tsvector NOT NULL,
  PRIMARY KEY (conv_uuid, seq)
);
CREATE INDEX transcript_segments_terms ON transcript_segments USING gin (terms);

-- What the backfills read of each stored document ("<slots>\n<document>", conv_store_prepare): the
-- transcript's v1 and the dealUUID.
CREATE TEMP TABLE ask_backfill AS
  SELECT c.uuid, c.org_uuid, d.j -> 'attributes' -> 'transcript' -> 'v1' AS v1, d.j -> 'attributes' ->> 'dealUUID' AS deal
  FROM conversations c, LATERAL (SELECT parley_try_jsonb(substr(c.doc, strpos(c.doc, E'\n') + 1)) AS j) d;

-- Backfill: every stored transcript (the canonical v1 always exists when there is one). The word
-- pattern is src/model/ask.c's (ask_next_word); at most 4,000 distinct words a segment (ASK_TSVECTOR_WORDS_MAX:
-- a tsvector holds at most 1 MB).
INSERT INTO transcript_index(conv_uuid, org_uuid, nseg, nwords)
  SELECT c.uuid, c.org_uuid, count(*),
         sum(CASE WHEN length(f.v ->> 'sentence') = 0 THEN 0
             ELSE length(f.v ->> 'sentence') - length(replace(f.v ->> 'sentence', ' ', '')) + 1 END)
  FROM ask_backfill c, jsonb_array_elements(c.v1 -> 'final') AS f(v)
  WHERE jsonb_typeof(c.v1 -> 'final') = 'array'
  GROUP BY c.uuid, c.org_uuid;
INSERT INTO transcript_segments(conv_uuid, seq, start_sec, end_sec, text, terms)
  SELECT c.uuid, (f.n - 1)::integer, coalesce((f.v ->> 'startTimestamp')::double precision, 0),
         coalesce((f.v ->> 'endTimestamp')::double precision, 0), coalesce(f.v ->> 'sentence', ''),
         array_to_tsvector(ARRAY(
           SELECT DISTINCT m[1] FROM regexp_matches(parley_ascii_lower(coalesce(f.v ->> 'sentence', '')),
             '([a-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff\u2c00-\u2fff\u3040-\ufefe\uff00-\U0001efff\U0001fb00-\U0010ffff]+)',
             'g') AS m
           WHERE octet_length(m[1]) <= 255 LIMIT 4000))
  FROM ask_backfill c, jsonb_array_elements(c.v1 -> 'final') WITH ORDINALITY AS f(v, n)
  WHERE jsonb_typeof(c.v1 -> 'final') = 'array';

-- Ask Attention by deal_id: the conversations of a dealUUID (only the document holds it since 004; it never
-- changes after the import, which writes this row: pg_ask_index). externalOpportunity.uuid has its own index.
CREATE TABLE conversation_deals (
  conv_uuid text COLLATE "C" PRIMARY KEY REFERENCES conversations(uuid) ON DELETE CASCADE,
  org_uuid  text COLLATE "C" NOT NULL,
  deal_uuid text COLLATE "C" NOT NULL
);
CREATE INDEX conversation_deals_deal ON conversation_deals(org_uuid, deal_uuid);
INSERT INTO conversation_deals(conv_uuid, org_uuid, deal_uuid)
  SELECT uuid, org_uuid, deal FROM ask_backfill WHERE deal IS NOT NULL AND deal <> '';
DROP TABLE ask_backfill;

-- ---- scorecards ------------------------------------------------------------------------------------
CREATE TABLE scorecards (
  uuid                  text COLLATE "C" PRIMARY KEY,
  org_uuid              text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  title                 text NOT NULL,
  team_uuid             text COLLATE "C",     -- NULL when all_teams
  all_teams             boolean NOT NULL,
  enabled               boolean NOT NULL,
  interaction_type      text NOT NULL,
  detailed_instructions text NOT NULL,
  scorecard_prompt      text NOT NULL,
  expert_mode           boolean NOT NULL,
  is_default_template   boolean NOT NULL,
  criteria_json         text NOT NULL,
  created_at            bigint NOT NULL,
  updated_at            bigint NOT NULL
);
CREATE INDEX scorecards_org ON scorecards(org_uuid, created_at, uuid);

-- Deleting an item sets deleted_at: results that scored it keep pointing at it (and the summary at its title).
CREATE TABLE scorecard_items (
  uuid            text COLLATE "C" PRIMARY KEY,
  org_uuid        text COLLATE "C" NOT NULL,
  scorecard_uuid  text COLLATE "C" NOT NULL REFERENCES scorecards(uuid),
  title           text NOT NULL,
  type            text NOT NULL,
  position        bigint NOT NULL,
  weight          double precision NOT NULL,
  version         bigint NOT NULL,
  expert_prompt   text NOT NULL,
  num_min         double precision NOT NULL,
  num_middle      double precision NOT NULL,
  num_max         double precision NOT NULL,
  min_criteria    text NOT NULL,
  middle_criteria text NOT NULL,
  max_criteria    text NOT NULL,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL,
  deleted_at      bigint NOT NULL DEFAULT 0
);
CREATE INDEX scorecard_items_card ON scorecard_items(scorecard_uuid, position, created_at, uuid);

-- One row per POST /createScorecardResult; owner and team are the conversation's when it was posted.
CREATE TABLE scorecard_results (
  uuid              text COLLATE "C" PRIMARY KEY,
  org_uuid          text COLLATE "C" NOT NULL,
  scorecard_uuid    text COLLATE "C" NOT NULL,
  conversation_uuid text COLLATE "C" NOT NULL,
  user_uuid         text COLLATE "C" NOT NULL,
  team_uuid         text COLLATE "C" NOT NULL,  -- '' when the conversation has none
  summary           text NOT NULL,
  created_at        bigint NOT NULL
);
CREATE INDEX scorecard_results_conv ON scorecard_results(conversation_uuid);
CREATE INDEX scorecard_results_org ON scorecard_results(org_uuid, scorecard_uuid, created_at);

-- Each item of a result (score NULL when not scored), with what the summary filters on.
CREATE TABLE scorecard_result_items (
  result_uuid    text COLLATE "C" NOT NULL,
  item_uuid      text COLLATE "C" NOT NULL,
  org_uuid       text COLLATE "C" NOT NULL,
  scorecard_uuid text COLLATE "C" NOT NULL,
  user_uuid      text COLLATE "C" NOT NULL,
  team_uuid      text COLLATE "C" NOT NULL,
  created_at     bigint NOT NULL,
  description    text NOT NULL,
  score          double precision,
  weight         double precision NOT NULL,
  PRIMARY KEY (result_uuid, item_uuid)
);
CREATE INDEX scorecard_result_items_time ON scorecard_result_items(org_uuid, scorecard_uuid, created_at)
  INCLUDE (user_uuid, team_uuid, item_uuid, score, weight);

-- The scored items per UTC day (day = created_at / 86400000), kept by the write that adds a result: a
-- summary adds up whole days from here and reads only its first and last day's items one by one.
CREATE TABLE scorecard_daily (
  org_uuid       text COLLATE "C" NOT NULL,
  scorecard_uuid text COLLATE "C" NOT NULL,
  day            bigint NOT NULL,
  user_uuid      text COLLATE "C" NOT NULL,
  team_uuid      text COLLATE "C" NOT NULL,
  item_uuid      text COLLATE "C" NOT NULL,
  n              bigint NOT NULL,
  total          double precision NOT NULL,
  lo             double precision NOT NULL,
  hi             double precision NOT NULL,
  wtotal         double precision NOT NULL,   -- sum of score * weight
  wsum           double precision NOT NULL,   -- sum of weight
  PRIMARY KEY (org_uuid, scorecard_uuid, day, user_uuid, team_uuid, item_uuid)
);

-- ---- generalized-insights history (GET /gi/history) -------------------------------------------------
-- One entry per Ask Attention question of a user-level key (and the seed's), holding its one result.
CREATE TABLE gi_history (
  uuid               text COLLATE "C" PRIMARY KEY,
  org_uuid           text COLLATE "C" NOT NULL,
  user_uuid          text COLLATE "C" NOT NULL,
  title              text NOT NULL,
  result_uuid        text COLLATE "C" NOT NULL,
  prompt             text NOT NULL,
  synthesis          text NOT NULL,
  items_json         text NOT NULL,           -- [{conversation_id,title,output,error}]
  conversations_json text NOT NULL,           -- the conversations that answered: ["uuid", …]
  created_at         bigint NOT NULL
);
CREATE INDEX gi_history_user ON gi_history(org_uuid, user_uuid, created_at DESC, uuid DESC);
