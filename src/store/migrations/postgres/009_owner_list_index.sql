-- 009_owner_list_index.sql - lists filtered by owner (filter[owner.id|email], with dates and the hide_*
-- flags) counted and paged from one index, as SQLite's migration 003 does: the rows of one owner, newest
-- first, with every column those filters and the key scopes read, so totalRecords reads no table row.
--
-- Why: the owner + date + hide_internal list's count read every matching row from the table (~15,000 of
-- one owner at 1M: 9 ms with the rows in memory, 880 ms from disk); the bench's owner list ran at 21 req/s.
-- An index-only scan reads the index pages alone (the table's rows only where the visibility map says a
-- page changed since the last vacuum).
DROP INDEX conversations_owner;
CREATE INDEX conversations_owner ON conversations(org_uuid, user_uuid, created_at DESC, uuid DESC)
  INCLUDE (archived, is_internal, is_empty, is_private, import_status, analyzed);
