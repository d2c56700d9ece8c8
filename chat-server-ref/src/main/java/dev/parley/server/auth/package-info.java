/**
 * JWT authentication for the reference server: {@link dev.parley.server.auth.JwtAuthenticator}
 * (HS256 secret and/or JWKS keys) and {@link dev.parley.server.auth.TokenMinter} (development tokens).
 */
package dev.parley.server.auth;
