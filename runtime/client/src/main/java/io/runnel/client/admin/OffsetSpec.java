package io.runnel.client.admin;

import io.runnel.api.Api;

/**
 * Which offset {@link RunnelAdmin#listOffsets} looks up: the log start, the log end, or the first
 * at or after a time.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class OffsetSpec {
    private static final OffsetSpec EARLIEST = new OffsetSpec(-2L);
    private static final OffsetSpec LATEST = new OffsetSpec(-1L);

    private final long timestamp;

    private OffsetSpec(long timestamp) {
        this.timestamp = timestamp;
    }

    /** The log start offset. */
    public static OffsetSpec earliest() {
        return EARLIEST;
    }

    /** The log end offset (the high watermark). */
    public static OffsetSpec latest() {
        return LATEST;
    }

    /** The first offset whose record's timestamp is at or after {@code timestamp} (ms since the epoch). */
    public static OffsetSpec forTimestamp(long timestamp) {
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0, was " + timestamp);
        }
        return new OffsetSpec(timestamp);
    }

    /** The ListOffsets wire value: -2 earliest, -1 latest, else the time. */
    public long wireTimestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return timestamp == -2 ? "earliest" : timestamp == -1 ? "latest" : "forTimestamp(" + timestamp + ")";
    }
}
