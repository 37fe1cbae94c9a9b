-- 006_webhooks.sql - webhook endpoints and the transactional outbox of their events (spec §8).
-- Times are BIGINT milliseconds since the epoch. An event row is written in the transaction of the change
-- that causes it, with the conversation as GET rendered it then (data, text: spliced byte for byte), and one
-- delivery row per endpoint subscribed to it; the delivery worker sends each endpoint's deliveries in event order.

CREATE TABLE webhook_endpoints (
  id         text COLLATE "C" PRIMARY KEY,
  org_uuid   text COLLATE "C" NOT NULL REFERENCES organizations(uuid),
  url        text NOT NULL,
  events     bigint NOT NULL,                -- bit mask of event types; -1 = "*" (every event)
  payload    text NOT NULL,                  -- 'envelope' | 'resource'
  secret     text NOT NULL,                  -- signs the deliveries; shown only when created
  created_at bigint NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints(org_uuid, created_at, id);

CREATE TABLE webhook_events (
  seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id                text COLLATE "C" NOT NULL UNIQUE,
  org_uuid          text COLLATE "C" NOT NULL,
  type              text NOT NULL,
  conversation_uuid text COLLATE "C" NOT NULL,
  created_at        bigint NOT NULL,
  data              text NOT NULL
);

-- One row per event and subscribed endpoint, keyed by the event's seq first; the partial index finds each
-- endpoint's pending deliveries in order, the other one its deliveries (listing, ON DELETE CASCADE).
CREATE TABLE webhook_deliveries (
  event_seq       bigint NOT NULL REFERENCES webhook_events(seq) ON DELETE CASCADE,
  endpoint_id     text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  org_uuid        text COLLATE "C" NOT NULL,
  status          smallint NOT NULL DEFAULT 0, -- 0 pending, 1 delivered, 2 failed
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL DEFAULT 0,   -- 0 = at once
  attempts_json   text NOT NULL DEFAULT '[]',
  PRIMARY KEY (event_seq, endpoint_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, event_seq) WHERE status = 0;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, event_seq);
