package io.runnel.client.producer;

import io.runnel.api.Api;
import io.runnel.client.PartitionInfo;

import java.util.List;
import java.util.Map;

/**
 * Chooses the partition of a record that names none. Set with {@code partitioner.class}; the class
 * needs a public no-argument constructor (and, in a named module, a package exported to
 * {@code io.runnel.client}). Without one, the producer uses murmur2 of the serialized key, and
 * sticky partitioning for records without a key.
 *
 * <p>Must be thread safe: the producer calls it from every thread that sends.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface Partitioner extends AutoCloseable {

    /** Called once, after construction, with the producer's configuration. */
    default void configure(Map<String, String> config) {
    }

    /**
     * @param topic the topic
     * @param key the key object, possibly null
     * @param keyBytes the serialized key, possibly null
     * @param partitions the topic's partitions, sorted by number; never empty
     * @return a partition number from 0 to {@code partitions.size() - 1}
     */
    int partition(String topic, Object key, byte[] keyBytes, List<PartitionInfo> partitions);

    /**
     * Called when the batch of {@code previousPartition} filled up or was sent and a record for it
     * would start a new one; a sticky partitioner moves on here.
     */
    default void onNewBatch(String topic, List<PartitionInfo> partitions, int previousPartition) {
    }

    @Override
    default void close() {
    }
}
