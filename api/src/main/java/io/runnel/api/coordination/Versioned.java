package io.runnel.api.coordination;

import io.runnel.api.Api;

/**
 * A stored value and the version it had when read. Writes that name a version succeed only if
 * the value still has it (compare-and-set).
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record Versioned<T>(T value, int version) {
}
