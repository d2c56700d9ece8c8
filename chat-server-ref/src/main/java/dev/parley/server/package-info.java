/**
 * The reference server: {@link dev.parley.server.Main} (command line and environment),
 * {@link dev.parley.server.ServerConfig} and {@link dev.parley.server.ChatServer} are public; the rest
 * is the Java-WebSocket adapter behind them.
 *
 * <p>One port serves both protocols. Java-WebSocket only answers upgrade requests, so
 * {@code ServerDraft} accepts every well-formed GET and lets {@code WebSocketEndpoint} either
 * switch protocols or write a complete plain-HTTP answer ({@code /health}, {@code /stats},
 * {@code /metrics}, or a 403/404/426/503 refusal) and close. {@code WebSocketTransport} is the
 * engine's {@link dev.parley.core.spi.Transport}: it queues encoded frames for the selector thread
 * and reports the queue's size as its buffered bytes, so the engine can cut off slow consumers.
 */
package dev.parley.server;
