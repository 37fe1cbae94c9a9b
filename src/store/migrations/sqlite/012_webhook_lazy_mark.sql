-- 012_webhook_lazy_mark.sql - where a conversation's events still waiting for their data are, kept on the
-- conversation's own row instead of in an index of webhook_events (issue 17, src/store/sqlite/webhooks.c).
-- The index of 011 put one entry per event at a random place (the conversation's uuid): one more page of
-- every group commit per archive with an endpoint subscribed. The conversation's row is rewritten by the
-- same change anyway. webhook_lazy_seq is the seq of the first event of the conversation's latest change
-- written without its data (0: none); that change's events are the seqs just after it.
ALTER TABLE conversations ADD COLUMN webhook_lazy_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET webhook_lazy_seq = (SELECT min(e.seq) FROM webhook_events e
    JOIN webhook_deliveries d ON d.event_seq = e.seq AND d.status = 0
    WHERE e.conversation_uuid = conversations.uuid AND e.data = x'')
  WHERE uuid IN (SELECT e.conversation_uuid FROM webhook_events e
    JOIN webhook_deliveries d ON d.event_seq = e.seq AND d.status = 0 WHERE e.data = x'');
DROP INDEX IF EXISTS webhook_events_lazy;
