-- PostgreSQL only (the embedded store's copy is sqlite-migration/V2).
--
-- Unread counts from a conversation's gapless seq: the messages after the reader's read position,
-- less the reader's own (counted in sent_since_read as they are appended, recounted when the read
-- position moves) and other senders' deleted ones (found on messages_deleted, which only deleted
-- messages enter). Counting the unread messages themselves visited a row per unread message at
-- every join, sign-in and, with read receipts, every message sent.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS sent_since_read BIGINT NOT NULL DEFAULT 0;
UPDATE participants SET sent_since_read = (SELECT COUNT(*) FROM messages m
    WHERE m.conversation_id = participants.conversation_id AND m.sender_id = participants.user_id
      AND m.seq > participants.last_read_seq);
CREATE INDEX IF NOT EXISTS messages_deleted ON messages (conversation_id, seq, sender_id)
    WHERE deleted_at IS NOT NULL;
