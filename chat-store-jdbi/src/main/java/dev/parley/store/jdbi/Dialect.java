package dev.parley.store.jdbi;

/**
 * The few statements that PostgreSQL and H2 spell differently. Everything else is shared SQL.
 * Both statements keep their parameters named, so callers bind the same names for either database.
 */
enum Dialect {
    POSTGRES(
            // The row lock taken here serializes appends to one conversation across every node.
            "UPDATE conversations SET latest_seq = latest_seq + 1,"
                    + " last_message_at = GREATEST(COALESCE(last_message_at, :now), :now),"
                    + " updated_at = GREATEST(COALESCE(last_message_at, :now), :now)"
                    + " WHERE id = :id RETURNING latest_seq, last_message_at",
            "INSERT INTO users (id, username, display_name, avatar_url, email, phone, auth_user_id, updated_at)"
                    + " VALUES (:id, :username, :displayName, :avatarUrl, :email, :phone, :authUserId, :now)"
                    + " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username,"
                    + " display_name = EXCLUDED.display_name, avatar_url = EXCLUDED.avatar_url,"
                    + " email = EXCLUDED.email, phone = EXCLUDED.phone, auth_user_id = EXCLUDED.auth_user_id,"
                    + " updated_at = EXCLUDED.updated_at"),
    H2(
            // H2 has no RETURNING; a data change delta table reads the row as the update left it.
            "SELECT latest_seq, last_message_at FROM FINAL TABLE ("
                    + "UPDATE conversations SET latest_seq = latest_seq + 1,"
                    + " last_message_at = GREATEST(COALESCE(last_message_at, :now), :now),"
                    + " updated_at = GREATEST(COALESCE(last_message_at, :now), :now)"
                    + " WHERE id = :id)",
            "MERGE INTO users (id, username, display_name, avatar_url, email, phone, auth_user_id, updated_at)"
                    + " KEY (id) VALUES (:id, :username, :displayName, :avatarUrl, :email, :phone, :authUserId, :now)");

    /** Increments {@code latest_seq} of conversation {@code :id}, returning it and the message time. */
    final String nextSeq;
    /** Inserts or updates user {@code :id}; {@code created_at} is set on insert only. */
    final String upsertUser;

    Dialect(String nextSeq, String upsertUser) {
        this.nextSeq = nextSeq;
        this.upsertUser = upsertUser;
    }
}
