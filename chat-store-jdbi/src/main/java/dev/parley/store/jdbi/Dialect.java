package dev.parley.store.jdbi;

/**
 * The few statements that PostgreSQL and H2 spell differently. Everything else is shared SQL.
 * Statements keep their parameters named, so callers bind the same names for either database.
 */
enum Dialect {
    POSTGRES(true, true,
            // Not FOR UPDATE: that would also block inserts of rows referencing the conversation
            // (participants take a key-share lock on it); an append changes no key.
            "FOR NO KEY UPDATE",
            "INSERT INTO users (id, username, display_name, avatar_url, email, phone, auth_user_id, updated_at)"
                    + " VALUES (:id, :username, :displayName, :avatarUrl, :email, :phone, :authUserId, :now)"
                    + " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username,"
                    + " display_name = EXCLUDED.display_name, avatar_url = EXCLUDED.avatar_url,"
                    + " email = EXCLUDED.email, phone = EXCLUDED.phone, auth_user_id = EXCLUDED.auth_user_id,"
                    + " updated_at = EXCLUDED.updated_at"),
    H2(false, false,
            "FOR UPDATE",
            "MERGE INTO users (id, username, display_name, avatar_url, email, phone, auth_user_id, updated_at)"
                    + " KEY (id) VALUES (:id, :username, :displayName, :avatarUrl, :email, :phone, :authUserId, :now)");

    /**
     * Whether messages keep their words in {@code search_words}, a {@code tsvector} with a full-text
     * index (migration V2_3), which search uses for queries made of words; otherwise every query is
     * a LIKE on {@code search_text}.
     */
    final boolean fullTextSearch;
    /** Whether a statement can take a batch's rows as array parameters ({@code unnest}). */
    final boolean arrayParameters;
    /** Ends a SELECT of conversation rows, locking them until commit against other appends. */
    final String lockForAppend;
    /** Inserts or updates user {@code :id}; {@code created_at} is set on insert only. */
    final String upsertUser;

    Dialect(boolean fullTextSearch, boolean arrayParameters, String lockForAppend, String upsertUser) {
        this.fullTextSearch = fullTextSearch;
        this.arrayParameters = arrayParameters;
        this.lockForAppend = lockForAppend;
        this.upsertUser = upsertUser;
    }
}
