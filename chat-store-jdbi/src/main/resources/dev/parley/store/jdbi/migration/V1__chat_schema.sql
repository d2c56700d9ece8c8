-- Parley chat schema, version 1. Runs unchanged on PostgreSQL and on H2 in PostgreSQL mode.
-- Every string a client chose (bodies, names, metadata, emoji) is a BYTEA column holding its exact
-- encoding, because PostgreSQL text cannot hold U+0000. Ids are short server- or issuer-made strings.

CREATE TABLE users (
    id            VARCHAR(255) PRIMARY KEY,
    username      BYTEA,
    display_name  BYTEA,
    avatar_url    BYTEA,
    email         BYTEA,
    phone         BYTEA,
    auth_user_id  BYTEA,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE conversations (
    id               VARCHAR(64) PRIMARY KEY,
    type             VARCHAR(16) NOT NULL,
    name             BYTEA,
    description      BYTEA,
    avatar_url       BYTEA,
    -- set only for direct conversations: the sorted pair of user ids, unique, so a pair has one conversation
    direct_key       VARCHAR(600) UNIQUE,
    created_by       VARCHAR(255) NOT NULL REFERENCES users (id),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    -- the highest seq assigned; the row is locked while a message is appended
    latest_seq       BIGINT NOT NULL DEFAULT 0,
    -- created_at of the message with latest_seq, so created_at never decreases with seq
    last_message_at  TIMESTAMP WITH TIME ZONE
);

CREATE TABLE participants (
    conversation_id  VARCHAR(64) NOT NULL REFERENCES conversations (id),
    user_id          VARCHAR(255) NOT NULL REFERENCES users (id),
    role             VARCHAR(16) NOT NULL,
    -- display order: 0 for the creator, then in the order users were added
    position         INT NOT NULL,
    joined_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    left_at          TIMESTAMP WITH TIME ZONE,
    last_read_seq    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX participants_by_user ON participants (user_id, conversation_id);

CREATE TABLE messages (
    id                 VARCHAR(64) PRIMARY KEY,
    conversation_id    VARCHAR(64) NOT NULL,
    seq                BIGINT NOT NULL,
    sender_id          VARCHAR(255) NOT NULL REFERENCES users (id),
    message_type       VARCHAR(32) NOT NULL,
    -- the shared body; NULL for per-recipient bodies (message_contents) and tombstones
    content            BYTEA,
    per_recipient      BOOLEAN NOT NULL,
    reply_to_id        VARCHAR(64),
    thread_root_id     VARCHAR(64),
    client_message_id  VARCHAR(64),
    metadata           BYTEA NOT NULL,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    edited_at          TIMESTAMP WITH TIME ZONE,
    deleted_at         TIMESTAMP WITH TIME ZONE,
    CONSTRAINT messages_client_id_unique UNIQUE (conversation_id, sender_id, client_message_id)
);
-- Newest first, because pages, latest messages and unread counts all read from the newest end (H2
-- reads an index only in its declared order). conversation_id has no foreign key: H2 would give it an
-- index of its own and prefer that one; an append reaches the conversation row first in any case.
CREATE UNIQUE INDEX messages_seq_unique ON messages (conversation_id, seq DESC);
CREATE INDEX messages_by_thread ON messages (thread_root_id, seq);
CREATE INDEX messages_by_reply ON messages (reply_to_id);

CREATE TABLE message_contents (
    message_id  VARCHAR(64) NOT NULL REFERENCES messages (id),
    user_id     VARCHAR(255) NOT NULL,
    content     BYTEA NOT NULL,
    PRIMARY KEY (message_id, user_id)
);

CREATE TABLE reactions (
    message_id  VARCHAR(64) NOT NULL REFERENCES messages (id),
    user_id     VARCHAR(255) NOT NULL REFERENCES users (id),
    emoji       BYTEA NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE attachments (
    id               VARCHAR(64) PRIMARY KEY,
    conversation_id  VARCHAR(64) NOT NULL REFERENCES conversations (id),
    message_id       VARCHAR(64) REFERENCES messages (id),
    uploader_id      VARCHAR(255) NOT NULL REFERENCES users (id),
    file_name        BYTEA NOT NULL,
    mime_type        VARCHAR(255) NOT NULL,
    size_bytes       BIGINT NOT NULL,
    sha256           VARCHAR(64),
    storage_key      VARCHAR(512) NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at     TIMESTAMP WITH TIME ZONE
);
CREATE INDEX attachments_by_message ON attachments (message_id);
CREATE INDEX attachments_by_conversation ON attachments (conversation_id, created_at);
