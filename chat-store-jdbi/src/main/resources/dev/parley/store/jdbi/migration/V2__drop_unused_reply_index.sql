-- No query looks messages up by reply_to_id (reply previews are read by the quoted message's id),
-- so this index only cost every append an index insert.
DROP INDEX messages_by_reply;
