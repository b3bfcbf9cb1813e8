package io.runnel.api;

import static java.util.Objects.requireNonNull;

/**
 * A partition of a topic: the unit of ordering, storage and replication.
 *
 * <p>Immutable and thread safe. {@link #toString()} gives {@code topic-partition}, the name of
 * the partition's directory in a log dir.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    public TopicPartition {
        requireNonNull(topic, "topic is null");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    @Override
    public int compareTo(TopicPartition other) {
        int c = topic.compareTo(other.topic);
        return c != 0 ? c : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
