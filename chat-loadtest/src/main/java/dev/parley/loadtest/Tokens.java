package dev.parley.loadtest;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The bearer token of each connection: minted with an HS256 secret, or read from a file. */
abstract class Tokens {
    /** The audience and role claims Supabase-style authenticators expect. */
    static final String AUTHENTICATED = "authenticated";

    abstract String tokenFor(int connection);

    static Tokens from(LoadTestOptions options) throws IOException {
        if (options.jwtSecret() != null) {
            return new Minted(options.jwtSecret(), options.tokenTtl(), options.userPrefix());
        }
        return fromFile(options.tokenFile());
    }

    static Tokens fromFile(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList();
        if (lines.isEmpty()) {
            throw new IOException("token file " + file + " holds no tokens");
        }
        return new Tokens() {
            @Override
            String tokenFor(int connection) {
                return lines.get(connection % lines.size());
            }
        };
    }

    /** The user id minted for connection {@code n}: a UUID derived from the username, stable across runs. */
    static String userId(String prefix, int connection) {
        return UUID.nameUUIDFromBytes(username(prefix, connection).getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String username(String prefix, int connection) {
        return prefix + connection;
    }

    /** One user per connection; claims {@code sub, iat, exp, aud, role, user_metadata.username}. */
    static final class Minted extends Tokens {
        private final MACSigner signer;
        private final Duration ttl;
        private final String prefix;

        Minted(String secret, Duration ttl, String prefix) {
            try {
                this.signer = new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
            } catch (JOSEException e) {
                throw new IllegalArgumentException("unusable HS256 secret: " + e.getMessage(), e);
            }
            this.ttl = ttl;
            this.prefix = prefix;
        }

        @Override
        String tokenFor(int connection) {
            Instant now = Instant.now();
            JWTClaimsSet claims = new JWTClaimsSet.Builder()
                    .subject(userId(prefix, connection))
                    .issueTime(Date.from(now))
                    .expirationTime(Date.from(now.plus(ttl)))
                    .audience(AUTHENTICATED)
                    .claim("role", AUTHENTICATED)
                    .claim("user_metadata", Map.of("username", username(prefix, connection)))
                    .build();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            try {
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException("could not sign a token", e);
            }
            return jwt.serialize();
        }
    }
}
