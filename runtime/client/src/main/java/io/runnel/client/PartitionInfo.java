package io.runnel.client;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A partition of a topic with its leader, replicas and in-sync replicas, as last seen in the
 * cluster's metadata.
 *
 * @param topic the topic
 * @param partition the partition number
 * @param leader the leader, or null while the partition has none
 * @param replicas the assigned replicas, preferred leader first
 * @param isr the in-sync replicas
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record PartitionInfo(String topic, int partition, Node leader, List<Node> replicas, List<Node> isr) {
    public PartitionInfo {
        requireNonNull(topic, "topic is null");
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    /** The partition as a {@link TopicPartition}. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
