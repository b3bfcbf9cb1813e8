package io.runnel.client.internal.producer;

import io.runnel.client.PartitionInfo;
import io.runnel.client.producer.Partitioner;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The producer's default partitioner. A record with a key goes to
 * {@code (murmur2(keyBytes) & 0x7fffffff) % numPartitions}, the same partition as with Kafka's
 * client. Records without a key stick to one partition (chosen at random among those with a
 * leader) until a batch for it is full or sent, then the partition changes: large batches without
 * the cost of spreading every record.
 *
 * <p>Thread safe.
 */
public final class DefaultPartitioner implements Partitioner {
    private final Map<String, Integer> sticky = new ConcurrentHashMap<>();

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, List<PartitionInfo> partitions) {
        if (keyBytes != null) {
            return Murmur2.partition(keyBytes, partitions.size());
        }
        Integer current = sticky.get(topic);
        if (current != null && current < partitions.size()) {
            return current;
        }
        return nextPartition(topic, partitions, -1);
    }

    /** Whether the record would be placed by the sticky rule (so that a new batch moves it on). */
    public static boolean isSticky(byte[] keyBytes) {
        return keyBytes == null;
    }

    @Override
    public void onNewBatch(String topic, List<PartitionInfo> partitions, int previousPartition) {
        nextPartition(topic, partitions, previousPartition);
    }

    private int nextPartition(String topic, List<PartitionInfo> partitions, int previous) {
        Integer current = sticky.get(topic);
        if (current != null && current != previous && current < partitions.size()) {
            return current; // another thread moved it on already
        }
        List<PartitionInfo> available = partitions.stream().filter(p -> p.leader() != null).toList();
        List<PartitionInfo> from = available.isEmpty() ? partitions : available;
        int chosen;
        if (from.size() == 1) {
            chosen = from.get(0).partition();
        } else {
            do {
                chosen = from.get(ThreadLocalRandom.current().nextInt(from.size())).partition();
            } while (chosen == previous);
        }
        if (current == null) {
            Integer raced = sticky.putIfAbsent(topic, chosen);
            return raced == null ? chosen : raced;
        }
        return sticky.replace(topic, current, chosen) ? chosen : sticky.get(topic);
    }
}
