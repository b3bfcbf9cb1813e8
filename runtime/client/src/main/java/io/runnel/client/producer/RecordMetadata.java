package io.runnel.client.producer;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

/**
 * Where a sent record was stored.
 *
 * @param topicPartition the partition
 * @param offset the record's offset, or -1 when unknown ({@code acks=0})
 * @param timestamp the record's timestamp: its create time, or the broker's log-append time when
 *     the topic uses that
 * @param serializedKeySize bytes of the serialized key, -1 for a null key
 * @param serializedValueSize bytes of the serialized value, -1 for a null value
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record RecordMetadata(TopicPartition topicPartition, long offset, long timestamp, int serializedKeySize,
                             int serializedValueSize) {
}
