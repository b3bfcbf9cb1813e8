package io.runnel.client.consumer;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.Map;

/**
 * Told how a {@link RunnelConsumer#commitAsync} ended; called on the thread that calls
 * {@code poll}, {@code commitSync} or {@code close} after the answer arrived.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
@FunctionalInterface
public interface OffsetCommitCallback {
    /** @param exception null on success; a {@link CommitFailedException} when the member was fenced */
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception exception);
}
