-- 002_conversation_counts.sql - how many conversations each (organization, owner, archived, is_empty,
-- is_private) holds, so that an unfiltered list's totalRecords (the default filters and either key scope,
-- any archived mode) is a sum over a few rows instead of a count over every conversation of the
-- organization (an index-only scan of all of them: ~60 ms at 100,000 rows, ten times that at 1M).
--
-- The rows are insert-only deltas written by triggers (+k for inserted rows, -k for deleted ones, -1/+1
-- when a row moves between keys), never counters updated in place: two writers of one owner take no
-- common row lock, so they neither queue behind each other's COMMIT nor deadlock (an archive and an
-- unarchive would update the same two counters in opposite orders). In every snapshot the sum of a key's
-- rows is exactly its number of visible conversations. parley_compact_conversation_counts() folds each
-- key's deltas into one row (the server calls it after every 256th write transaction, see postgres.c);
-- a compaction is one statement, so it too is all or nothing in every snapshot.

-- Keep writers out until the triggers exist and the backfill has counted every committed row.
LOCK TABLE conversations IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE conversation_counts (
  org_uuid   text COLLATE "C" NOT NULL,
  user_uuid  text COLLATE "C" NOT NULL,
  archived   boolean NOT NULL,
  is_empty   boolean NOT NULL,
  is_private boolean NOT NULL,
  n          bigint NOT NULL,
  folded     boolean NOT NULL DEFAULT false  -- written by a compaction (the sum of a key's earlier rows)
);
CREATE INDEX conversation_counts_key ON conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private)
  INCLUDE (n);
CREATE INDEX conversation_counts_deltas ON conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private)
  WHERE NOT folded;

CREATE FUNCTION parley_conversation_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n)
    SELECT org_uuid, user_uuid, archived, is_empty, is_private, count(*) FROM parley_new_rows
    GROUP BY org_uuid, user_uuid, archived, is_empty, is_private;
  RETURN NULL;
END $$;

CREATE FUNCTION parley_conversation_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n)
    SELECT org_uuid, user_uuid, archived, is_empty, is_private, -count(*) FROM parley_old_rows
    GROUP BY org_uuid, user_uuid, archived, is_empty, is_private;
  RETURN NULL;
END $$;

CREATE FUNCTION parley_conversation_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n) VALUES
    (OLD.org_uuid, OLD.user_uuid, OLD.archived, OLD.is_empty, OLD.is_private, -1),
    (NEW.org_uuid, NEW.user_uuid, NEW.archived, NEW.is_empty, NEW.is_private, 1);
  RETURN NULL;
END $$;

CREATE FUNCTION parley_conversation_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM conversation_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER conversation_counts_insert AFTER INSERT ON conversations
  REFERENCING NEW TABLE AS parley_new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_conversation_counts_insert();
CREATE TRIGGER conversation_counts_delete AFTER DELETE ON conversations
  REFERENCING OLD TABLE AS parley_old_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_conversation_counts_delete();
CREATE TRIGGER conversation_counts_move AFTER UPDATE OF org_uuid, user_uuid, archived, is_empty, is_private
  ON conversations FOR EACH ROW
  WHEN (OLD.org_uuid IS DISTINCT FROM NEW.org_uuid OR OLD.user_uuid IS DISTINCT FROM NEW.user_uuid
        OR OLD.archived IS DISTINCT FROM NEW.archived OR OLD.is_empty IS DISTINCT FROM NEW.is_empty
        OR OLD.is_private IS DISTINCT FROM NEW.is_private)
  EXECUTE FUNCTION parley_conversation_counts_move();
CREATE TRIGGER conversation_counts_truncate AFTER TRUNCATE ON conversations
  FOR EACH STATEMENT EXECUTE FUNCTION parley_conversation_counts_clear();

INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n, folded)
  SELECT org_uuid, user_uuid, archived, is_empty, is_private, count(*), true FROM conversations
  GROUP BY org_uuid, user_uuid, archived, is_empty, is_private;

-- Folds the deltas of every key that has some into one row per key (none when the sum is 0); returns how
-- many rows it removed, or -1 when another session is compacting (the two would only wait on each other).
-- Rows inserted by transactions not yet committed are not visible to the DELETE and stay as they are.
CREATE FUNCTION parley_compact_conversation_counts() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  removed bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7089401766372041003) THEN
    RETURN -1;
  END IF;
  WITH k AS (
    SELECT DISTINCT org_uuid, user_uuid, archived, is_empty, is_private FROM conversation_counts WHERE NOT folded
  ), d AS (
    DELETE FROM conversation_counts c USING k
    WHERE c.org_uuid = k.org_uuid AND c.user_uuid = k.user_uuid AND c.archived = k.archived
      AND c.is_empty = k.is_empty AND c.is_private = k.is_private
    RETURNING c.org_uuid, c.user_uuid, c.archived, c.is_empty, c.is_private, c.n
  ), s AS (
    INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n, folded)
      SELECT org_uuid, user_uuid, archived, is_empty, is_private, sum(n)::bigint, true FROM d
      GROUP BY org_uuid, user_uuid, archived, is_empty, is_private HAVING sum(n) <> 0
  )
  SELECT count(*) INTO removed FROM d;
  RETURN removed;
END $$;
