-- 010_ask_scorecards_history.sql - beyond.md §2, §3, §6: a full-text index over transcript segments (Ask
-- Attention), scorecards with their items and results (and daily roll-ups for the summary), and the
-- generalized-insights history. Times of the new tables are INTEGER unix milliseconds.

-- ---- Ask Attention: transcript segments and their FTS5 index ----------------------------------------
-- One row per conversation with a transcript: its segment count, its length in words (spaces + 1 per
-- non-empty segment, the BM25 length) and the rowid range of its segments (consecutive: they are
-- written together), which bounds every FTS5 query to that conversation.
CREATE TABLE transcript_index (
  id        INTEGER PRIMARY KEY,
  conv_uuid TEXT NOT NULL UNIQUE REFERENCES conversations(uuid) ON DELETE CASCADE,
  org_uuid  TEXT NOT NULL,
  nseg      INTEGER NOT NULL,
  nwords    INTEGER NOT NULL,
  first_seg INTEGER NOT NULL,
  last_seg  INTEGER NOT NULL
);
-- The segments (v1 sentences: v2 words joined) of each indexed conversation, in order.
CREATE TABLE transcript_segments (
  id        INTEGER PRIMARY KEY,
  doc       INTEGER NOT NULL,                 -- transcript_index.id
  seq       INTEGER NOT NULL,                 -- 0-based position in the transcript
  start_sec REAL NOT NULL,
  end_sec   REAL NOT NULL,
  text      TEXT NOT NULL
);
-- External content: the index holds the terms; the text stays in transcript_segments. No column sizes:
-- the ranking (src/model/ask.c) measures segments itself, and each size would be one more row per segment.
CREATE VIRTUAL TABLE transcript_segments_fts USING fts5(
  text, content = 'transcript_segments', content_rowid = 'id', columnsize = 0
);

-- Backfill: every stored transcript (the canonical v1 always exists when there is one). A conversation is
-- stored as one document, "<slots>\n<document>" (conv_store_prepare); its transcript is attributes.transcript.
CREATE TEMP TABLE ask_backfill AS
  SELECT c.id, c.uuid, c.org_uuid, substr(b.doc, instr(b.doc, char(10)) + 1) -> '$.attributes.transcript.v1' AS v1,
         substr(b.doc, instr(b.doc, char(10)) + 1) ->> '$.attributes.dealUUID' AS deal
  FROM conversations c JOIN conversation_bodies b ON b.id = c.id;
INSERT INTO transcript_index(id, conv_uuid, org_uuid, nseg, nwords, first_seg, last_seg)
  SELECT id, uuid, org_uuid, n, w, s - n + 1, s FROM (
    SELECT a.id, a.uuid, a.org_uuid, json_array_length(a.v1, '$.final') AS n,
           (SELECT IFNULL(sum(CASE WHEN length(f.value ->> '$.sentence') = 0 THEN 0
                              ELSE length(f.value ->> '$.sentence') - length(replace(f.value ->> '$.sentence', ' ', '')) + 1
                              END), 0)
              FROM json_each(a.v1, '$.final') f) AS w,
           sum(json_array_length(a.v1, '$.final')) OVER (ORDER BY a.id) AS s
    FROM ask_backfill a
    WHERE json_valid(a.v1) AND json_type(a.v1, '$.final') = 'array' AND json_array_length(a.v1, '$.final') > 0);
INSERT INTO transcript_segments(id, doc, seq, start_sec, end_sec, text)
  SELECT t.first_seg + f.key, t.id, f.key, IFNULL(f.value ->> '$.startTimestamp', 0),
         IFNULL(f.value ->> '$.endTimestamp', 0), IFNULL(f.value ->> '$.sentence', '')
  FROM transcript_index t JOIN ask_backfill a ON a.id = t.id, json_each(a.v1, '$.final') f;
INSERT INTO transcript_segments_fts(transcript_segments_fts) VALUES ('rebuild');

-- Ask Attention by deal_id: the conversations of a dealUUID (only the document holds it since 006; it never
-- changes after the import, which writes this row: sq_ask_index). externalOpportunity.uuid has its own index.
CREATE TABLE conversation_deals (
  conv_uuid TEXT PRIMARY KEY REFERENCES conversations(uuid) ON DELETE CASCADE,
  org_uuid  TEXT NOT NULL,
  deal_uuid TEXT NOT NULL
);
CREATE INDEX conversation_deals_deal ON conversation_deals(org_uuid, deal_uuid);
INSERT INTO conversation_deals(conv_uuid, org_uuid, deal_uuid)
  SELECT uuid, org_uuid, deal FROM ask_backfill WHERE deal IS NOT NULL AND deal <> '';
DROP TABLE ask_backfill;

-- Kept in step whatever deletes them: a conversation takes its index row (ON DELETE CASCADE), the index
-- row its segments (by their rowid range), a segment its FTS5 entry.
CREATE TRIGGER transcript_index_ad AFTER DELETE ON transcript_index BEGIN
  DELETE FROM transcript_segments WHERE id BETWEEN old.first_seg AND old.last_seg;
END;
CREATE TRIGGER transcript_segments_ai AFTER INSERT ON transcript_segments BEGIN
  INSERT INTO transcript_segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER transcript_segments_ad AFTER DELETE ON transcript_segments BEGIN
  INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

-- ---- scorecards ------------------------------------------------------------------------------------
CREATE TABLE scorecards (
  uuid                  TEXT PRIMARY KEY,
  org_uuid              TEXT NOT NULL REFERENCES organizations(uuid),
  title                 TEXT NOT NULL,
  team_uuid             TEXT,                 -- NULL when all_teams
  all_teams             INTEGER NOT NULL,
  enabled               INTEGER NOT NULL,
  interaction_type      TEXT NOT NULL,
  detailed_instructions TEXT NOT NULL,
  scorecard_prompt      TEXT NOT NULL,
  expert_mode           INTEGER NOT NULL,
  is_default_template   INTEGER NOT NULL,
  criteria_json         TEXT NOT NULL,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);
CREATE INDEX scorecards_org ON scorecards(org_uuid, created_at, uuid);

-- Deleting an item sets deleted_at: results that scored it keep pointing at it (and the summary at its title).
CREATE TABLE scorecard_items (
  uuid            TEXT PRIMARY KEY,
  org_uuid        TEXT NOT NULL,
  scorecard_uuid  TEXT NOT NULL REFERENCES scorecards(uuid),
  title           TEXT NOT NULL,
  type            TEXT NOT NULL,
  position        INTEGER NOT NULL,
  weight          REAL NOT NULL,
  version         INTEGER NOT NULL,
  expert_prompt   TEXT NOT NULL,
  num_min         REAL NOT NULL,
  num_middle      REAL NOT NULL,
  num_max         REAL NOT NULL,
  min_criteria    TEXT NOT NULL,
  middle_criteria TEXT NOT NULL,
  max_criteria    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  deleted_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scorecard_items_card ON scorecard_items(scorecard_uuid, position, created_at, uuid);

-- One row per POST /createScorecardResult; owner and team are the conversation's when it was posted.
CREATE TABLE scorecard_results (
  uuid              TEXT PRIMARY KEY,
  org_uuid          TEXT NOT NULL,
  scorecard_uuid    TEXT NOT NULL,
  conversation_uuid TEXT NOT NULL,
  user_uuid         TEXT NOT NULL,
  team_uuid         TEXT NOT NULL,              -- '' when the conversation has none
  summary           TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
CREATE INDEX scorecard_results_conv ON scorecard_results(conversation_uuid);
CREATE INDEX scorecard_results_org ON scorecard_results(org_uuid, scorecard_uuid, created_at);

-- Each item of a result (score NULL when not scored), with what the summary filters on.
CREATE TABLE scorecard_result_items (
  result_uuid    TEXT NOT NULL,
  item_uuid      TEXT NOT NULL,
  org_uuid       TEXT NOT NULL,
  scorecard_uuid TEXT NOT NULL,
  user_uuid      TEXT NOT NULL,
  team_uuid      TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  description    TEXT NOT NULL,
  score          REAL,
  weight         REAL NOT NULL,
  PRIMARY KEY (result_uuid, item_uuid)
) WITHOUT ROWID;
CREATE INDEX scorecard_result_items_time
  ON scorecard_result_items(org_uuid, scorecard_uuid, created_at, user_uuid, team_uuid, item_uuid, score, weight);

-- The scored items per UTC day (day = created_at / 86400000), kept by the write that adds a result: a
-- summary adds up whole days from here and reads only its first and last day's items one by one.
CREATE TABLE scorecard_daily (
  org_uuid       TEXT NOT NULL,
  scorecard_uuid TEXT NOT NULL,
  day            INTEGER NOT NULL,
  user_uuid      TEXT NOT NULL,
  team_uuid      TEXT NOT NULL,
  item_uuid      TEXT NOT NULL,
  n              INTEGER NOT NULL,
  total          REAL NOT NULL,
  lo             REAL NOT NULL,
  hi             REAL NOT NULL,
  wtotal         REAL NOT NULL,               -- sum of score * weight
  wsum           REAL NOT NULL,               -- sum of weight
  PRIMARY KEY (org_uuid, scorecard_uuid, day, user_uuid, team_uuid, item_uuid)
) WITHOUT ROWID;

-- ---- generalized-insights history (GET /gi/history) -------------------------------------------------
-- One entry per Ask Attention question of a user-level key (and the seed's), holding its one result.
CREATE TABLE gi_history (
  uuid               TEXT PRIMARY KEY,
  org_uuid           TEXT NOT NULL,
  user_uuid          TEXT NOT NULL,
  title              TEXT NOT NULL,
  result_uuid        TEXT NOT NULL,
  prompt             TEXT NOT NULL,
  synthesis          TEXT NOT NULL,
  items_json         TEXT NOT NULL,           -- [{conversation_id,title,output,error}]
  conversations_json TEXT NOT NULL,           -- the conversations that answered: ["uuid", …]
  created_at         INTEGER NOT NULL
);
CREATE INDEX gi_history_user ON gi_history(org_uuid, user_uuid, created_at DESC, uuid DESC);
