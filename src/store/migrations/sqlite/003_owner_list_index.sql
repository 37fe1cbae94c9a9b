-- 003_owner_list_index.sql - lists filtered by owner (filter[owner.id|email], optionally with dates and the
-- hide_* flags) counted and paged from one index: the rows of one owner, newest first, with every column
-- those filters and the key scopes read, so totalRecords needs no table lookups.
-- It replaces conversations_owner (its prefix). It holds `archived`, so an archive rewrites one entry of
-- it, on the page where the entry already is (the key before `archived` is unique).
DROP INDEX conversations_owner;
CREATE INDEX conversations_owner_list
  ON conversations(org_uuid, user_uuid, created_at DESC, uuid DESC, archived, is_internal, is_empty, is_private);
