package io.runnel.api.placement;

import io.runnel.api.Api;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What a placement policy is asked.
 *
 * @param topic the topic
 * @param firstPartition the index of the first partition to place (non-zero when partitions are added)
 * @param partitionCount how many partitions to place
 * @param replicationFactor replicas per partition
 * @param liveBrokers the live brokers, sorted by id
 * @param existingAssignment the replicas of the topic's existing partitions, by partition index
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record PlacementRequest(String topic, int firstPartition, int partitionCount, int replicationFactor,
                               List<BrokerInfo> liveBrokers, Map<Integer, List<Integer>> existingAssignment) {

    public PlacementRequest {
        requireNonNull(topic, "topic is null");
        liveBrokers = List.copyOf(liveBrokers);
        existingAssignment = Map.copyOf(existingAssignment);
    }
}
