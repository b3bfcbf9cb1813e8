package io.runnel.api.storage;

import io.runnel.api.Api;

/**
 * The answer to "where does this epoch end": the largest epoch at or below the one asked for, and
 * the offset at which it ended.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record EpochEndOffset(int epoch, long endOffset) {
}
