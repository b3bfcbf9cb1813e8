package io.runnel.client.producer;

import io.runnel.api.Api;

/**
 * Told when a send completes. Callbacks of one partition run in the order the records were sent,
 * on the producer's I/O thread: keep them short and never block in them.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
@FunctionalInterface
public interface Callback {
    /**
     * @param metadata where the record was stored, or null if the send failed
     * @param exception null on success, else the failure (an {@link io.runnel.api.RunnelException}
     *     with the error code)
     */
    void onCompletion(RecordMetadata metadata, Exception exception);
}
