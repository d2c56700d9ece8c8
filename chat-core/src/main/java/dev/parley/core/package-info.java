/**
 * The Parley chat engine, independent of any network library, database or token format.
 *
 * <p>Public entry points: {@link dev.parley.core.ChatEngine} (built with its builder),
 * {@link dev.parley.core.Session} (one connection, driven by a transport),
 * {@link dev.parley.core.EngineConfig}, {@link dev.parley.core.EngineStats},
 * {@link dev.parley.core.CustomHandler} and {@link dev.parley.core.CloseCodes}. Everything else in
 * this package is internal.
 *
 * <p>How a frame flows: the transport thread calls {@code Session.onText}, which decodes the
 * envelope and queues the frame on the session's serial queue; a worker runs the queue in order
 * (so answers leave in request order), checks state, rate limits, validation and authorization,
 * then calls the store. A {@code send_message} appends and publishes while holding its
 * conversation's lock, so the store's commit order (which is {@code seq} order) is also the
 * publish order, and every connection sees a conversation's messages in {@code seq} order. The
 * broker hands each event to the local sessions of its topic; one encoded frame is shared by all
 * recipients unless bodies are per recipient.
 */
package dev.parley.core;
