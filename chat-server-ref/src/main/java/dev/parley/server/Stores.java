package dev.parley.server;

import dev.parley.core.spi.ChatStore;
import dev.parley.store.jdbi.JdbiChatStore;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Opens the durable store the configuration names: PostgreSQL for {@code DATABASE_URL}, else the embedded database. */
final class Stores {
    private Stores() {
    }

    /** Where a PostgreSQL connection goes, credentials apart from the URL. */
    record Database(String jdbcUrl, String user, String password) {
    }

    /** A description for the startup log, without credentials. */
    static String describe(ServerConfig config) {
        if (config.store() != null) {
            return config.store().getClass().getSimpleName();
        }
        if (config.databaseUrl() != null) {
            String url = database(config).jdbcUrl();
            int query = url.indexOf('?');
            return "PostgreSQL " + (query >= 0 ? url.substring(0, query) : url);
        }
        return "embedded SQLite database in " + embeddedDir(config).toAbsolutePath()
                + (config.embeddedSync() == JdbiChatStore.Sync.CHECKPOINT ? " (log synced at checkpoints only)" : "");
    }

    static ChatStore open(ServerConfig config) {
        if (config.store() != null) {
            return config.store();
        }
        if (config.databaseUrl() != null) {
            Database db = database(config);
            return JdbiChatStore.postgres(db.jdbcUrl(), db.user(), db.password(), config.databaseTimeout());
        }
        return JdbiChatStore.embedded(embeddedDir(config), config.embeddedSync());
    }

    static Path embeddedDir(ServerConfig config) {
        return config.dataDir().resolve("db");
    }

    /**
     * {@code DATABASE_URL} as a JDBC URL. Also accepts {@code postgres://user:password@host:port/db}
     * as hosting providers print it; its user and password apply unless DATABASE_USER/PASSWORD are set.
     */
    static Database database(ServerConfig config) {
        String url = config.databaseUrl();
        String user = config.databaseUser();
        String password = config.databasePassword();
        if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI uri = URI.create(url);
            String userInfo = uri.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                String u = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
                String p = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
                user = user != null ? user : u;
                password = password != null ? password : p;
            }
            String port = uri.getPort() == -1 ? "" : ":" + uri.getPort();
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            url = "jdbc:postgresql://" + uri.getHost() + port + (uri.getRawPath() == null ? "" : uri.getRawPath()) + query;
        }
        return new Database(url, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
