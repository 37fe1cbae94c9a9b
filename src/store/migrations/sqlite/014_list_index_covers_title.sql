-- 014_list_index_covers_title.sql - the list index holds each conversation's title and is_internal, so a
-- page filtered by title (or hide_internal) is found by walking the index alone, newest first.
--
-- Why: a frequent-enough filter[title] term (more than SQ_FTS_PAGE_MAX matches) is paged by walking
-- conversations_list until a page of titles match, and each entry read its table row for the title: a
-- term in 0.35% of 1,000,000 titles read ~5,700 rows (7 ms) for its first page. From the index alone the
-- same walk takes ~1 ms (bench at 1M: 230 -> ~1,900 req/s for such terms, next pages of frequent terms
-- 1,635 -> ~3,400). The index grows by the titles' length (~35 MB at 1M). An archive still rewrites one
-- entry, on the page where it is.
DROP INDEX conversations_list;
CREATE INDEX conversations_list
  ON conversations(org_uuid, created_at DESC, uuid DESC, archived, is_empty, is_private, user_uuid, is_internal, title);
