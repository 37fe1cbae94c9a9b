-- 002_title_trigram.sql - a trigram index over conversation titles, so filter[title] (a case-insensitive
-- substring) finds its rows, and counts them, without reading every conversation.
-- External content: the index holds only the trigrams; the titles stay in `conversations`, and the
-- triggers keep both in step whatever statement changes a title (import, PUT, …/title, load).
-- Archiving does not touch it (the update trigger fires only when `title` is assigned).

CREATE VIRTUAL TABLE conversation_title_fts USING fts5(
  title, content = 'conversations', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO conversation_title_fts(rowid, title) SELECT id, title FROM conversations WHERE title IS NOT NULL;

CREATE TRIGGER conversations_title_fts_ai AFTER INSERT ON conversations WHEN new.title IS NOT NULL BEGIN
  INSERT INTO conversation_title_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversations_title_fts_ad AFTER DELETE ON conversations WHEN old.title IS NOT NULL BEGIN
  INSERT INTO conversation_title_fts(conversation_title_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversations_title_fts_au AFTER UPDATE OF title ON conversations BEGIN
  INSERT INTO conversation_title_fts(conversation_title_fts, rowid, title)
    SELECT 'delete', old.id, old.title WHERE old.title IS NOT NULL;
  INSERT INTO conversation_title_fts(rowid, title) SELECT new.id, new.title WHERE new.title IS NOT NULL;
END;
