package io.runnel.api.storage;

import io.runnel.api.Api;

/**
 * Where an append landed.
 *
 * @param firstOffset offset of the first appended record
 * @param lastOffset offset of the last appended record
 * @param logAppendTime the time the leader appended, or -1 when batches keep their create time
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record AppendResult(long firstOffset, long lastOffset, long logAppendTime) {
}
