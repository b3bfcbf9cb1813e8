package io.runnel.client.consumer;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Header;
import io.runnel.api.record.TimestampType;

import java.util.List;

/**
 * A record read from a partition.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the record's offset
 * @param timestamp the create or log-append time, per {@code timestampType}
 * @param timestampType what the timestamp means
 * @param key the deserialized key
 * @param value the deserialized value
 * @param headers the headers, possibly empty
 * @param serializedKeySize bytes of the key, -1 for null
 * @param serializedValueSize bytes of the value, -1 for null
 * @param <K> the key type
 * @param <V> the value type
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ConsumerRecord<K, V>(String topic, int partition, long offset, long timestamp, TimestampType timestampType,
                                   K key, V value, List<Header> headers, int serializedKeySize,
                                   int serializedValueSize) {
    public ConsumerRecord {
        headers = List.copyOf(headers);
    }

    /** The record's partition as a {@link TopicPartition}. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
