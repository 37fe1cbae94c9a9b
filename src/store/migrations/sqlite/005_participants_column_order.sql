-- 005_participants_column_order.sql - rebuilds conversation_participants with its key columns first.
-- SQLite 3.40 (Debian 12) makes PRAGMA integrity_check report "NULL value in
-- conversation_participants.org_uuid" when a NOT NULL column sits between the primary-key columns of
-- a WITHOUT ROWID table, although no NULL is stored. Same data, same index, columns reordered.
CREATE TABLE conversation_participants_new (
  conv_uuid TEXT NOT NULL REFERENCES conversations(uuid) ON DELETE CASCADE,
  email     TEXT NOT NULL,
  org_uuid  TEXT NOT NULL,
  PRIMARY KEY (conv_uuid, email)
) WITHOUT ROWID;
INSERT INTO conversation_participants_new(conv_uuid, email, org_uuid)
  SELECT conv_uuid, email, org_uuid FROM conversation_participants;
DROP TABLE conversation_participants;
ALTER TABLE conversation_participants_new RENAME TO conversation_participants;
CREATE INDEX conversation_participants_email ON conversation_participants(org_uuid, email);
