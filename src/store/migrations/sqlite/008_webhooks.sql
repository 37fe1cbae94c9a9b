-- 008_webhooks.sql - webhook endpoints and the transactional outbox of their events (spec §8).
-- Times are INTEGER milliseconds since the epoch. An event row is written in the transaction of the change
-- that causes it, with the conversation as GET rendered it then (data), and one delivery row per endpoint
-- subscribed to it; the delivery worker sends each endpoint's deliveries in id order.

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
  data              TEXT NOT NULL            -- the conversation resource as GET rendered it in the transaction
);

CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,       -- per endpoint, the order of delivery
  endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_seq       INTEGER NOT NULL REFERENCES webhook_events(seq) ON DELETE CASCADE,
  org_uuid        TEXT NOT NULL,
  status          INTEGER NOT NULL DEFAULT 0, -- 0 pending, 1 delivered, 2 failed
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0, -- 0 = at once
  attempts_json   TEXT NOT NULL DEFAULT '[]'  -- [{"at","responseStatus","error"}…]
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, id) WHERE status = 0;
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_seq);
