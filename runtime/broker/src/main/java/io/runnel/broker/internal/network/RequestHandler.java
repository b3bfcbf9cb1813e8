package io.runnel.broker.internal.network;

import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;

import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Answers decoded requests. Called on a request-handler thread, never on a network event loop,
 * so it may do disk I/O; it must not wait on coordination calls, which it chains instead.
 *
 * <p>The request's record batches are views of the network buffer, valid until the returned
 * future completes: copy whatever must outlive it (appending them to a log does).
 */
public interface RequestHandler {

    /**
     * @return the response body, or empty for a request that gets no response (Produce with
     *     acks=0). A failed future closes the connection.
     */
    CompletableFuture<Optional<Message>> handle(Messages.Request request, SocketAddress client);
}
