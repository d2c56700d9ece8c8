package dev.parley.store.jdbi.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Drops the foreign key from {@code messages.sender_id} to {@code users}. Users are never deleted,
 * and an append reads its sender before it writes (an unknown sender fails alone), so the key only
 * cost every append a lookup in {@code users} on PostgreSQL, and an index of its own on H2.
 * Java, not SQL, because H2 named the key itself: its name is read from the connection's metadata.
 */
public class V3__drop_message_sender_key extends BaseJavaMigration {
    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        boolean upper = connection.getMetaData().storesUpperCaseIdentifiers();
        String messages = upper ? "MESSAGES" : "messages";
        List<String> keys = new ArrayList<>();
        try (ResultSet rs = connection.getMetaData().getImportedKeys(null, connection.getSchema(), messages)) {
            while (rs.next()) {
                if (rs.getString("FKCOLUMN_NAME").equalsIgnoreCase("sender_id")
                        && rs.getString("PKTABLE_NAME").equalsIgnoreCase("users")) {
                    keys.add(rs.getString("FK_NAME"));
                }
            }
        }
        try (Statement s = connection.createStatement()) {
            for (String key : keys) {
                s.execute("ALTER TABLE " + messages + " DROP CONSTRAINT \"" + key.replace("\"", "\"\"") + "\"");
            }
        }
    }
}
