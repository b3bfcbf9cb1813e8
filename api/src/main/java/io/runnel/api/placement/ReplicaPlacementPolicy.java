package io.runnel.api.placement;

import io.runnel.api.Api;

import java.util.List;

/**
 * Places the replicas of new partitions on brokers. Called by the controller when a topic is
 * created or gains partitions.
 *
 * <p>Contract: the answer has one list per requested partition, in partition order; each list has
 * exactly {@link PlacementRequest#replicationFactor()} distinct ids of live brokers, the first
 * being the preferred leader. When that is impossible (more replicas than live brokers) the
 * policy throws {@link io.runnel.api.RunnelException} with
 * {@link io.runnel.api.ErrorCode#INVALID_REPLICATION_FACTOR} and a message saying both numbers.
 *
 * <p>Thread safety: called from the controller's single thread; must not block.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface ReplicaPlacementPolicy extends AutoCloseable {

    /** The replicas of partitions {@code firstPartition .. firstPartition + partitionCount - 1}. */
    List<List<Integer>> place(PlacementRequest request);

    @Override
    default void close() {
    }
}
