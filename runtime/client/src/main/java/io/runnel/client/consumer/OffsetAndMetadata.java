package io.runnel.client.consumer;

import io.runnel.api.Api;

/**
 * A committed position: {@code offset} is the next offset to read (one past the last processed
 * record); {@code metadata} is free text stored with it (null is stored as "").
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record OffsetAndMetadata(long offset, String metadata) {
    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
    }

    public OffsetAndMetadata(long offset) {
        this(offset, "");
    }
}
