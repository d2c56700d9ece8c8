-- PostgreSQL only.
--
-- The full-text index now reads a tsvector column that the store fills with the body's words
-- (lower-cased runs of letters, digits and combining marks) instead of computing
-- to_tsvector('simple', search_text) on every append: the text search parser cost the database
-- about a third of each append. Queries are split into words by the same rule in the store, so
-- bodies and queries always agree. Messages stored before this migration get their words from
-- to_tsvector once, here; its words differ only at punctuation inside words ("3.14", URLs).
-- Each step skips work already done, so on a large table it can be done by hand beforehand
-- without blocking appends (docs/configuration.md).
ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_words tsvector;
UPDATE messages SET search_words = to_tsvector('simple', search_text)
    WHERE search_words IS NULL AND search_text IS NOT NULL AND search_text <> '';
CREATE INDEX IF NOT EXISTS messages_by_words ON messages USING GIN (search_words) WITH (fastupdate = on)
    WHERE search_words IS NOT NULL;
DROP INDEX IF EXISTS messages_search;
