package io.runnel.client.admin;

import io.runnel.api.Api;

/**
 * One partition's answer to {@link RunnelAdmin#listOffsets}.
 *
 * @param offset the offset, or -1 when no record is at or after the time asked for
 * @param timestamp the record's timestamp for a time lookup, else -1
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ListOffsetsResult(long offset, long timestamp) {
}
