/**
 * The Parley Java client SDK: {@link dev.parley.client.ChatClient} and the few value and listener
 * types around it. Depends only on {@code chat-protocol}, Java-WebSocket and Gson, so it runs on
 * Android as well as on desktop JVMs.
 *
 * <p>Inside, one client thread owns all state (no locks): socket callbacks, timers and public calls
 * are all turned into tasks on it. {@code PendingRequests} matches answers to requests by id,
 * {@code OutboundQueue} keeps unacknowledged sends, {@code MessageStore} holds messages per
 * conversation, {@code RoomState} the conversation list, joined rooms, typing and presence,
 * {@code TypingController} the user's own typing, {@code Backoff} and {@code Heartbeat} the
 * reconnect delays and liveness. {@code MessageFeatures} implements the message extensions
 * (reactions, threads, edits, receipts, presence, search) on top of them, with {@code ThreadStore}
 * for loaded threads. Everything but the public types is package-private.
 */
package dev.parley.client;
