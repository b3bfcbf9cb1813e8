package io.runnel.client.consumer;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.Collection;

/**
 * Told when a {@link RunnelConsumer#subscribe subscribed} consumer's partitions change. Every
 * method is called on the thread that calls {@link RunnelConsumer#poll} (or {@code close},
 * {@code unsubscribe}), never concurrently, so it may use the consumer, for instance to commit.
 *
 * <p>With an eager assignor ({@code range}, {@code round-robin}) every partition is revoked before
 * each rebalance and the new ones are assigned after it; with a cooperative generation
 * ({@code sticky} chosen and every member able to) only the partitions that move are revoked.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface ConsumerRebalanceListener {
    /**
     * The consumer gives these partitions up; commit what was processed of them now (auto-commit has
     * already committed the positions when it is on). Not called with an empty collection.
     */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /** The consumer now reads these partitions too (in an eager generation: all its partitions, maybe none). */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * The consumer lost these partitions without giving them up (removed from the group after a
     * missed session or max.poll.interval.ms): other members may read them already, so commits of
     * them fail. By default the same as {@link #onPartitionsRevoked}.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
