-- PostgreSQL only (H2 has no full-text search; it keeps matching with LIKE).
--
-- Full-text search over shared bodies. search_text is NULL for per-recipient (end-to-end
-- encrypted) bodies and for deleted messages, so they have no entry in this partial index and can
-- never match. The 'simple' configuration only splits words and lower-cases them: no stemming and
-- no stop words, which would be right for one language and wrong for every other one a chat
-- carries (an English stemmer mangles German words, an English stop list drops the French "a").
-- The index is built here on the rows already stored; CREATE INDEX blocks appends until it is
-- done (on a very large table, create it CONCURRENTLY by hand first, with the same name and
-- definition, and this statement is skipped). fastupdate (the default, made explicit) queues new
-- entries in a pending list that is merged in bulk, so an append does not update the posting
-- tree of every word it contains.
CREATE INDEX IF NOT EXISTS messages_search ON messages USING GIN (to_tsvector('simple', search_text))
    WITH (fastupdate = on) WHERE search_text IS NOT NULL;
