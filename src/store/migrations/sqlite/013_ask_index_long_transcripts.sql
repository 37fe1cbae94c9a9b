-- 013_ask_index_long_transcripts.sql - Ask Attention's FTS5 index holds only transcripts of 256 segments
-- or more (SQ_ASK_INDEX_MIN_SEGMENTS in src/store/sqlite/ask.c: keep the two in step).
--
-- Why: indexing every imported transcript cost the single writer 2.5-4 ms of CPU per import of 50
-- segments (FTS5's own insert ~1.2 ms, its automatic merges the rest), a quarter of the import rate it
-- had without it; and the search reads a conversation's own rows instead of the index whenever it has
-- fewer than ~48 segments per prompt word (sq_ask_plan), so short transcripts never used their entries.
-- Now the writer fills the index for a long transcript in one statement after its segments (sq_ask_index),
-- and the search reads the rows of a short one whatever the prompt.
--
-- The per-segment triggers go: the index is filled explicitly, and emptied, for an indexed transcript
-- only, when its transcript_index row goes (an FTS5 'delete' of a row it never held would corrupt it).
DROP TRIGGER transcript_segments_ai;
DROP TRIGGER transcript_segments_ad;
DROP TRIGGER transcript_index_ad;
CREATE TRIGGER transcript_index_ad AFTER DELETE ON transcript_index BEGIN
  INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text)
    SELECT 'delete', id, text FROM transcript_segments
    WHERE old.nseg >= 256 AND id BETWEEN old.first_seg AND old.last_seg;
  DELETE FROM transcript_segments WHERE id BETWEEN old.first_seg AND old.last_seg;
END;
-- What is indexed now: the long transcripts only ('delete-all' empties an external-content index at once).
INSERT INTO transcript_segments_fts(transcript_segments_fts) VALUES ('delete-all');
INSERT INTO transcript_segments_fts(rowid, text)
  SELECT s.id, s.text FROM transcript_index t JOIN transcript_segments s ON s.id BETWEEN t.first_seg AND t.last_seg
  WHERE t.nseg >= 256;
