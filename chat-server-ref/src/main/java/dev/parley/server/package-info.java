/**
 * The reference server: {@link dev.parley.server.Main} (command line and environment),
 * {@link dev.parley.server.ServerConfig} and {@link dev.parley.server.ChatServer} are public; the rest
 * is the network side behind them.
 *
 * <p>Two transports serve the port, both {@code Endpoint}s: {@code WebSocketEndpoint} (Java-WebSocket's
 * server, the default) and {@code NioEndpoint} (Parley's selector loops, {@code TRANSPORT=nio}).
 * Both keep a Java-WebSocket {@code WebSocketImpl} per connection with {@code ServerDraft} as its
 * protocol, and hand its events to one {@code SessionBridge}, which decides handshakes and opens
 * engine sessions, so clients cannot tell the two apart.
 *
 * <p>One port serves both protocols. Java-WebSocket only answers upgrade requests, so
 * {@code ServerDraft} accepts every well-formed GET and lets the {@code SessionBridge} either
 * switch protocols or write a complete plain-HTTP answer ({@code /health}, {@code /stats},
 * {@code /metrics}, or a 403/404/426/503 refusal) and close. {@code WebSocketTransport} is the
 * engine's {@link dev.parley.core.spi.Transport}: it queues encoded frames for the connection's
 * network thread and reports the queue's size as its buffered bytes, so the engine can cut off
 * slow consumers.
 */
package dev.parley.server;
