package dev.parley.client;

import com.google.gson.JsonObject;
import dev.parley.protocol.JsonCodec;
import dev.parley.protocol.MessageType;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * What the typed facets ({@link ChatCalls}, {@link ChatFiles}, {@link ChatKeys}) share with the
 * client: requests sent on the client thread, results and events handed to the application on the
 * listener executor.
 */
final class FacetContext {
    final Scheduler scheduler;
    final ClientCore core;
    final ClientStateView view;
    final JsonCodec codec = JsonCodec.standard();
    private final CallRunner runner;

    /** {@link ChatClient}'s way of running an action on the client thread and delivering its result. */
    interface CallRunner {
        <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> action);
    }

    FacetContext(Scheduler scheduler, ClientCore core, ClientStateView view, CallRunner runner) {
        this.scheduler = scheduler;
        this.core = core;
        this.view = view;
        this.runner = runner;
    }

    /** From any thread: a request whose decoded answer the caller gets on the listener executor. */
    <T> CompletableFuture<T> call(MessageType type, Object payload, Class<T> answer) {
        return runner.call(() -> request(type, payload, answer));
    }

    /** From any thread: runs the action on the client thread and delivers its result on the listener executor. */
    <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> action) {
        return runner.call(action);
    }

    /** On the client thread: a request whose decoded answer completes on the client thread. */
    <T> CompletableFuture<T> request(MessageType type, Object payload, Class<T> answer) {
        return core.request(type, payload, true).thenApply(env -> codec.readServerPayload(env.payload(), answer));
    }

    /** Hands server events of these types to {@code handler}, on the listener executor. */
    void onEvents(Set<String> types, BiConsumer<String, JsonObject> handler) {
        view.addListener(new ChatListener() {
            @Override
            public void onEvent(String type, JsonObject payload) {
                if (types.contains(type)) {
                    handler.accept(type, payload);
                }
            }
        });
    }
}
