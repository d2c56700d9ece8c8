package dev.parley.loadtest;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.parley.core.spi.AuthException;
import dev.parley.core.spi.Authenticator;
import dev.parley.core.spi.Principal;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Verifies the HS256 tokens the tool mints, the way a Supabase-style server does: signature,
 * expiry, audience {@code authenticated}; the user id is {@code sub} and the username
 * {@code user_metadata.username}.
 */
final class Hs256Authenticator implements Authenticator {
    private final MACVerifier verifier;

    Hs256Authenticator(String secret) throws JOSEException {
        this.verifier = new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public CompletableFuture<Principal> authenticate(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!jwt.verify(verifier)) {
                return refuse(AuthException.Reason.INVALID, "bad signature");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (exp == null || exp.before(new Date())) {
                return refuse(AuthException.Reason.EXPIRED, "expired");
            }
            if (claims.getAudience() == null || !claims.getAudience().contains("authenticated")
                    || !"authenticated".equals(claims.getClaim("role"))) {
                return refuse(AuthException.Reason.INVALID, "wrong audience or role");
            }
            Object username = claims.getClaim("user_metadata") instanceof Map<?, ?> metadata
                    ? metadata.get("username") : null;
            return CompletableFuture.completedFuture(Principal.of(claims.getSubject(),
                    username == null ? null : username.toString(), exp.toInstant()));
        } catch (ParseException | JOSEException e) {
            return refuse(AuthException.Reason.INVALID, "malformed token");
        }
    }

    private static CompletableFuture<Principal> refuse(AuthException.Reason reason, String message) {
        return CompletableFuture.failedFuture(new AuthException(reason, message));
    }
}
