-- 011_webhook_lazy_payload.sql - an event's data may be left empty (x''): it is then rendered when it is
-- delivered, and filled in ("frozen") by the next change of its conversation before that change (issue 17,
-- src/store/sqlite/webhooks.c). This index finds a conversation's events still waiting for their data.
CREATE INDEX IF NOT EXISTS webhook_events_lazy ON webhook_events(conversation_uuid) WHERE data = x'';
