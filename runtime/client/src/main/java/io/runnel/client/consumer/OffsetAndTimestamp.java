package io.runnel.client.consumer;

import io.runnel.api.Api;

/**
 * The answer of {@link RunnelConsumer#offsetsForTimes}: the first offset whose timestamp is at or
 * after the time asked for, and that record's timestamp.
 *
 * @param offset the offset
 * @param timestamp the record's timestamp
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record OffsetAndTimestamp(long offset, long timestamp) {
}
