package io.runnel.client.producer;

import io.runnel.api.Api;
import io.runnel.api.record.Header;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A record to send.
 *
 * @param topic the topic
 * @param partition the partition, or null to let the partitioner choose (murmur2 of the key, or a
 *     sticky partition for a null key)
 * @param timestamp the create time in ms since the epoch, or null for now
 * @param key the key, possibly null
 * @param value the value, possibly null
 * @param headers the headers; null is taken as none
 * @param <K> the key type
 * @param <V> the value type
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ProducerRecord<K, V>(String topic, Integer partition, Long timestamp, K key, V value, List<Header> headers) {
    public ProducerRecord {
        requireNonNull(topic, "topic is null");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0, was " + timestamp);
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A record with no key, partition, timestamp or headers. */
    public ProducerRecord(String topic, V value) {
        this(topic, null, null, null, value, List.of());
    }

    /** A record with a key and a value. */
    public ProducerRecord(String topic, K key, V value) {
        this(topic, null, null, key, value, List.of());
    }
}
