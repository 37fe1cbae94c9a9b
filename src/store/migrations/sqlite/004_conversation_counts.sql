-- 004_conversation_counts.sql - how many conversations each (organization, owner, archived, is_empty,
-- is_private) holds, kept exact by triggers, so that an unfiltered list's totalRecords (the default
-- filters and either key scope) is a sum over a few rows instead of a count over every conversation.
-- An archive changes two of these rows; in a group-committed batch they share one page.
CREATE TABLE conversation_counts (
  org_uuid   TEXT NOT NULL,
  user_uuid  TEXT NOT NULL,
  archived   INTEGER NOT NULL,
  is_empty   INTEGER NOT NULL,
  is_private INTEGER NOT NULL,
  n          INTEGER NOT NULL,
  PRIMARY KEY (org_uuid, user_uuid, archived, is_empty, is_private)
) WITHOUT ROWID;

INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n)
  SELECT org_uuid, user_uuid, archived, is_empty, is_private, count(*) FROM conversations
  GROUP BY org_uuid, user_uuid, archived, is_empty, is_private;

CREATE TRIGGER conversation_counts_ai AFTER INSERT ON conversations BEGIN
  INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n)
    VALUES (new.org_uuid, new.user_uuid, new.archived, new.is_empty, new.is_private, 1)
    ON CONFLICT (org_uuid, user_uuid, archived, is_empty, is_private) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER conversation_counts_ad AFTER DELETE ON conversations BEGIN
  UPDATE conversation_counts SET n = n - 1
    WHERE org_uuid = old.org_uuid AND user_uuid = old.user_uuid AND archived = old.archived
      AND is_empty = old.is_empty AND is_private = old.is_private;
END;

CREATE TRIGGER conversation_counts_au AFTER UPDATE OF org_uuid, user_uuid, archived, is_empty, is_private
  ON conversations
  WHEN old.org_uuid IS NOT new.org_uuid OR old.user_uuid IS NOT new.user_uuid OR old.archived IS NOT new.archived
    OR old.is_empty IS NOT new.is_empty OR old.is_private IS NOT new.is_private
BEGIN
  UPDATE conversation_counts SET n = n - 1
    WHERE org_uuid = old.org_uuid AND user_uuid = old.user_uuid AND archived = old.archived
      AND is_empty = old.is_empty AND is_private = old.is_private;
  INSERT INTO conversation_counts(org_uuid, user_uuid, archived, is_empty, is_private, n)
    VALUES (new.org_uuid, new.user_uuid, new.archived, new.is_empty, new.is_private, 1)
    ON CONFLICT (org_uuid, user_uuid, archived, is_empty, is_private) DO UPDATE SET n = n + 1;
END;
