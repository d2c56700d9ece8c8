-- PostgreSQL only (H2 has no partial indexes).
--
-- Appends store messages without thread, edit time or client message id most of the time: partial
-- indexes skip those rows, and every query that uses these indexes names a value of the column.
DROP INDEX messages_by_thread;
CREATE INDEX messages_by_thread ON messages (thread_root_id, seq DESC) WHERE thread_root_id IS NOT NULL;
DROP INDEX messages_by_change;
CREATE INDEX messages_by_change ON messages (conversation_id, changed_at) WHERE changed_at IS NOT NULL;
-- NULL client message ids never conflict, so the uniqueness holds the same without their entries.
ALTER TABLE messages DROP CONSTRAINT messages_client_id_unique;
CREATE UNIQUE INDEX messages_client_id_unique ON messages (conversation_id, sender_id, client_message_id)
    WHERE client_message_id IS NOT NULL;
