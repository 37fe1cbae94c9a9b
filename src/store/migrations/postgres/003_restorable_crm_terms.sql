-- 003_restorable_crm_terms.sql - parley_crm_terms with an SQL-standard body, so that a pg_dump of a Parley
-- database restores. pg_dump's scripts run with an empty search_path, and a function whose body is a string
-- is parsed only when it runs: this one calls parley_json_atom and parley_try_jsonb by their bare names, so
-- pg_restore failed to compute the conversations.crm_terms column ("function parley_try_jsonb(text) does
-- not exist"), never created the table and lost every conversation. A RETURN body is parsed here, binds
-- the functions it calls by identity (pg_dump writes them schema-qualified, after their definitions) and
-- gives the same result for every input, so the stored column values stay valid.

CREATE OR REPLACE FUNCTION parley_crm_terms(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT coalesce(array_agg(DISTINCT m.key || chr(31) || parley_json_atom(m.value)), '{}')
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(parley_try_jsonb(t)) = 'array'
                                         THEN parley_try_jsonb(t) ELSE '[]'::jsonb END) AS r(rec),
               jsonb_each(CASE WHEN jsonb_typeof(r.rec) = 'object' THEN r.rec ELSE '{}'::jsonb END) AS m
          WHERE jsonb_typeof(m.value) IN ('string', 'number', 'boolean'));
