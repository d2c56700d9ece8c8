package dev.parley.loadtest.jmh;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.parley.core.spi.Principal;
import dev.parley.server.auth.JwtAuthenticator;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference server's check of an HS256 token, once per connection: a token shaped like a
 * Supabase access token (audience, role, email, user metadata), verified against the shared secret
 * with the audience required.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AuthBenchmark {
    private static final String SECRET = "bench-secret-0123456789abcdef0123456789";
    private final JwtAuthenticator authenticator = JwtAuthenticator.builder().secret(SECRET)
            .audience("authenticated").build();
    private final String token = mint();

    private static String mint() {
        long now = System.currentTimeMillis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject("5b0e7c1e-0f4e-4a53-9a55-2d7b1f3f7a10")
                .audience("authenticated")
                .issueTime(new Date(now))
                .expirationTime(new Date(now + TimeUnit.DAYS.toMillis(1)))
                .claim("role", "authenticated")
                .claim("email", "alice@example.org")
                .claim("user_metadata", Map.of("username", "alice", "display_name", "Alice"))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    @Benchmark
    public Principal verifyHs256() {
        return authenticator.authenticate(token).join();
    }
}
