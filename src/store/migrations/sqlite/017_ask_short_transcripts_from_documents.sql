-- 017_ask_short_transcripts_from_documents.sql - a transcript of fewer than 256 segments (SQ_ASK_INDEX_MIN_SEGMENTS
-- in src/store/sqlite/ask.c: keep the two in step) keeps no transcript_segments rows: Ask Attention's search
-- reads its segments from the conversation's stored document, which holds the same transcript.
--
-- Why: an import of a 50-segment transcript wrote 50 rows (and an index-row update) on the one writer thread:
-- ~13% of the writer's time per import at 1M (perf), and ~5 GB of the 1M benchmark database. The search
-- already read every row of such a transcript (it is not in the FTS5 index since 013); it now parses them
-- from the document instead (sq_ask_body), at about the same cost. transcript_index keeps the counts the
-- ranking needs (nseg, nwords); its range is empty (first_seg 1, last_seg 0) for a short transcript.
--
-- Almost every row goes, so the long transcripts' rows are copied into a new table (same ids: the FTS5
-- index points at them) instead of deleting the rest one by one. Idempotent (test_store_ask_backfill
-- applies the migrations after 010 again).
DROP TRIGGER IF EXISTS transcript_index_ad;
CREATE TABLE transcript_segments_keep (
  id        INTEGER PRIMARY KEY,
  doc       INTEGER NOT NULL,                 -- transcript_index.id
  seq       INTEGER NOT NULL,                 -- 0-based position in the transcript
  start_sec REAL NOT NULL,
  end_sec   REAL NOT NULL,
  text      TEXT NOT NULL
);
INSERT INTO transcript_segments_keep(id, doc, seq, start_sec, end_sec, text)
  SELECT s.id, s.doc, s.seq, s.start_sec, s.end_sec, s.text
  FROM transcript_index t JOIN transcript_segments s ON s.id BETWEEN t.first_seg AND t.last_seg
  WHERE t.nseg >= 256;
DROP TABLE transcript_segments;
ALTER TABLE transcript_segments_keep RENAME TO transcript_segments;
UPDATE transcript_index SET first_seg = 1, last_seg = 0 WHERE nseg < 256 AND last_seg >= first_seg;
CREATE TRIGGER transcript_index_ad AFTER DELETE ON transcript_index BEGIN
  INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text)
    SELECT 'delete', id, text FROM transcript_segments
    WHERE old.nseg >= 256 AND id BETWEEN old.first_seg AND old.last_seg;
  DELETE FROM transcript_segments WHERE id BETWEEN old.first_seg AND old.last_seg;
END;
