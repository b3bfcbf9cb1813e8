package io.runnel.broker.internal.network;

/**
 * Thrown by a {@link RequestHandler} to close the client's connection instead of answering: the
 * only way to tell an {@code acks=0} producer that a write failed, as Kafka does.
 */
public final class CloseConnectionException extends RuntimeException {
    public CloseConnectionException(String message) {
        super(message, null, false, false);
    }
}
