-- 015_list_version.sql - one number that moves with every change to what a conversation list's count
-- reads (conversations, their bodies and participants, users), and only then: the count cache's epoch.
--
-- Why: cached counts were keyed by a store-wide epoch that every commit moved, and SQLite's
-- data_version, which any commit of another connection moves. The API key's lastSeenAt, written once a
-- minute per key, thus dropped every cached count; at 1M the 48 owner lists of the bench then recounted
-- at once (up to ~40 ms each) and the open-loop p99 of a 75 s run went from 1.8 ms to ~340 ms (max 392)
-- at the minute. Triggers keep this row in step in every process that writes these tables, in the
-- writing transaction, so a reader's snapshot holds the version of exactly the data it sees.
-- Idempotent (test_store_ask_backfill applies the migrations after 010 again).
CREATE TABLE IF NOT EXISTS list_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT OR IGNORE INTO list_version(id, n) VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS list_version_conversations_ai AFTER INSERT ON conversations BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_conversations_au AFTER UPDATE ON conversations BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_conversations_ad AFTER DELETE ON conversations BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_bodies_ai AFTER INSERT ON conversation_bodies BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_bodies_au AFTER UPDATE ON conversation_bodies BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_bodies_ad AFTER DELETE ON conversation_bodies BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_participants_ai AFTER INSERT ON conversation_participants BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_participants_au AFTER UPDATE ON conversation_participants BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_participants_ad AFTER DELETE ON conversation_participants BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_users_ai AFTER INSERT ON users BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_users_au AFTER UPDATE ON users BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_users_ad AFTER DELETE ON users BEGIN
  UPDATE list_version SET n = n + 1 WHERE id = 1;
END;
