-- 008_webhooks.sql - webhook endpoints and the transactional outbox of their events (spec §8).
-- Times are INTEGER milliseconds since the epoch. An event row is written in the transaction of the change
-- that causes it, with the conversation as GET rendered it then (data), and one delivery row per endpoint
-- subscribed to it; the delivery worker sends each endpoint's deliveries in event order.

CREATE TABLE webhook_endpoints (
  id         TEXT PRIMARY KEY,
  org_uuid   TEXT NOT NULL REFERENCES organizations(uuid),
  url        TEXT NOT NULL,
  events     INTEGER NOT NULL,               -- bit mask of event types; -1 = "*" (every event)
  payload    TEXT NOT NULL,                  -- 'envelope' | 'resource'
  secret     TEXT NOT NULL,                  -- signs the deliveries; shown only when created
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints(org_uuid, created_at, id);

CREATE TABLE webhook_events (
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,    -- the event's uuid (Parley-Event-Id)
  org_uuid          TEXT NOT NULL,
  type              TEXT NOT NULL,           -- conversation.archived, …
  conversation_uuid TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  data              BLOB NOT NULL            -- the conversation resource as GET rendered it in the transaction,
                                             -- as a zstd frame (webhooks.c)
);

-- One row per event and subscribed endpoint, keyed by the event's seq (commit order) first: appended in
-- order, and deleted with its event. A partial index finds each endpoint's pending deliveries in order.
CREATE TABLE webhook_deliveries (
  event_seq       INTEGER NOT NULL REFERENCES webhook_events(seq) ON DELETE CASCADE,
  endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  org_uuid        TEXT NOT NULL,
  status          INTEGER NOT NULL DEFAULT 0, -- 0 pending, 1 delivered, 2 failed
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0, -- 0 = at once
  attempts_json   TEXT NOT NULL DEFAULT '[]', -- [{"at","responseStatus","error"}…]
  PRIMARY KEY (event_seq, endpoint_id)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, event_seq) WHERE status = 0;
