package io.runnel.api.storage;

import io.runnel.api.Api;

/**
 * What a log knows of an idempotent producer: its epoch and the sequence range of its last batch.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ProducerState(long producerId, short producerEpoch, int firstSequence, int lastSequence,
                            long lastOffset, long lastTimestamp) {
}
