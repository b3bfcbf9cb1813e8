package io.runnel.api.storage;

import io.runnel.api.Api;

/**
 * A timestamp lookup's answer.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record TimestampOffset(long timestamp, long offset) {
}
