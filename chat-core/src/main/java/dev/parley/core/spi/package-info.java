/**
 * The engine's service provider interfaces: where chat state lives ({@link dev.parley.core.spi.ChatStore}),
 * who a token belongs to ({@link dev.parley.core.spi.Authenticator}), how events reach other nodes
 * ({@link dev.parley.core.spi.Broker}), who is online ({@link dev.parley.core.spi.PresenceStore}),
 * which calls ring, are connected or just ended ({@link dev.parley.core.spi.CallStore}), who is typing where
 * ({@link dev.parley.core.spi.TypingStore}), how frames reach a connection
 * ({@link dev.parley.core.spi.Transport}) and what time it is ({@link dev.parley.core.spi.Clock}).
 * Each has an in-memory implementation in {@code dev.parley.core.memory} and, except the
 * transport and clock, a contract test suite in chat-core's test-jar ({@code dev.parley.core.testkit}) that every implementation runs.
 */
package dev.parley.core.spi;
