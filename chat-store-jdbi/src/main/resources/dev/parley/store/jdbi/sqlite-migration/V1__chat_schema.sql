-- Parley chat schema for the embedded SQLite database: the tables of the PostgreSQL schema
-- (migration/ and postgres-migration/) as they stand after their latest version, in SQLite's terms.
-- STRICT tables refuse a value of the wrong type, and the CHECKs hold each id to the length its
-- VARCHAR has on PostgreSQL, so bad input fails here as it fails there. Times are INTEGER
-- microseconds since the epoch (UTC). Client-chosen strings are BLOBs of their exact encoding, as on
-- PostgreSQL.

CREATE TABLE users (
    id            TEXT PRIMARY KEY CHECK (length(id) <= 255),
    username      BLOB,
    display_name  BLOB,
    avatar_url    BLOB,
    email         BLOB,
    phone         BLOB,
    auth_user_id  BLOB,
    -- presence (protocol 6.5): NULL status means none stored
    status        TEXT CHECK (length(status) <= 16),
    custom_status BLOB,
    last_seen     INTEGER,
    created_at    INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE conversations (
    id               TEXT PRIMARY KEY CHECK (length(id) <= 64),
    type             TEXT NOT NULL CHECK (length(type) <= 16),
    name             BLOB,
    description      BLOB,
    avatar_url       BLOB,
    -- set only for direct conversations: the sorted pair of user ids, unique, so a pair has one conversation
    direct_key       TEXT UNIQUE CHECK (length(direct_key) <= 600),
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    -- the highest seq assigned
    latest_seq       INTEGER NOT NULL DEFAULT 0,
    -- created_at of the message with latest_seq, so created_at never decreases with seq
    last_message_at  INTEGER
) STRICT;

CREATE TABLE participants (
    conversation_id  TEXT NOT NULL REFERENCES conversations (id),
    user_id          TEXT NOT NULL REFERENCES users (id),
    role             TEXT NOT NULL CHECK (length(role) <= 16),
    -- display order: 0 for the creator, then in the order users were added
    position         INTEGER NOT NULL,
    joined_at        INTEGER NOT NULL,
    left_at          INTEGER,
    last_read_seq    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
) STRICT;
CREATE INDEX participants_by_user ON participants (user_id, conversation_id);

-- No foreign keys on conversation_id and sender_id: an append reaches the conversation row first
-- and reads its sender itself, and users are never deleted.
CREATE TABLE messages (
    id                 TEXT PRIMARY KEY CHECK (length(id) <= 64),
    conversation_id    TEXT NOT NULL CHECK (length(conversation_id) <= 64),
    seq                INTEGER NOT NULL,
    sender_id          TEXT NOT NULL CHECK (length(sender_id) <= 255),
    message_type       TEXT NOT NULL CHECK (length(message_type) <= 32),
    -- the shared body; NULL for per-recipient bodies (message_contents) and tombstones
    content            BLOB,
    per_recipient      INTEGER NOT NULL,
    reply_to_id        TEXT CHECK (length(reply_to_id) <= 64),
    thread_root_id     TEXT CHECK (length(thread_root_id) <= 64),
    client_message_id  TEXT CHECK (length(client_message_id) <= 64),
    metadata           BLOB NOT NULL,
    created_at         INTEGER NOT NULL,
    edited_at          INTEGER,
    deleted_at         INTEGER,
    -- the later of edited_at and deleted_at, so a resuming client finds changes with one index
    changed_at         INTEGER,
    -- the shared body lower-cased, with U+0000 and surrogates replaced by U+FFFD: a coarse filter
    -- for search, whose hits are then checked against the exact body
    search_text        TEXT
) STRICT;
CREATE UNIQUE INDEX messages_seq_unique ON messages (conversation_id, seq DESC);
-- Partial indexes: most messages have no thread, edit or client message id, and every query that
-- uses these indexes names a value of the column.
CREATE INDEX messages_by_thread ON messages (thread_root_id, seq DESC) WHERE thread_root_id IS NOT NULL;
CREATE INDEX messages_by_change ON messages (conversation_id, changed_at) WHERE changed_at IS NOT NULL;
CREATE UNIQUE INDEX messages_client_id_unique ON messages (conversation_id, sender_id, client_message_id)
    WHERE client_message_id IS NOT NULL;

CREATE TABLE message_contents (
    message_id  TEXT NOT NULL REFERENCES messages (id),
    user_id     TEXT NOT NULL CHECK (length(user_id) <= 255),
    content     BLOB NOT NULL,
    PRIMARY KEY (message_id, user_id)
) STRICT;

CREATE TABLE reactions (
    -- order of use among the users of one emoji, also within one millisecond (the table's rowid)
    ordinal     INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    emoji       BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    -- the emoji's place on the message: given at its first use, kept while anyone still uses it
    emoji_rank  INTEGER NOT NULL,
    UNIQUE (message_id, user_id, emoji)
) STRICT;

-- Published files (protocol 6.9); the bytes live in the engine's blob store. No foreign keys: the
-- engine may record a file and its message in either order.
CREATE TABLE attachments (
    id               TEXT PRIMARY KEY CHECK (length(id) <= 64),
    conversation_id  TEXT NOT NULL CHECK (length(conversation_id) <= 64),
    message_id       TEXT CHECK (length(message_id) <= 64),
    uploader_id      TEXT NOT NULL CHECK (length(uploader_id) <= 255),
    file_name        BLOB,
    mime_type        BLOB,
    size_bytes       INTEGER NOT NULL,
    sha256           TEXT CHECK (length(sha256) <= 64),
    created_at       INTEGER
) STRICT;
CREATE INDEX attachments_by_message ON attachments (message_id);
CREATE INDEX attachments_by_uploader ON attachments (uploader_id);

-- One current public key per user and key type (protocol 6.11).
CREATE TABLE public_keys (
    user_id      TEXT NOT NULL CHECK (length(user_id) <= 255),
    key_type     TEXT NOT NULL CHECK (length(key_type) <= 64),
    public_key   BLOB NOT NULL,
    fingerprint  BLOB,
    updated_at   INTEGER,
    PRIMARY KEY (user_id, key_type)
) STRICT;
