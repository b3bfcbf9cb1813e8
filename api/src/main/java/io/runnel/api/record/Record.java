package io.runnel.api.record;

import io.runnel.api.Api;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One decoded record.
 *
 * @param offset the record's offset in its partition
 * @param timestamp milliseconds since the epoch (create or log-append time, per the batch)
 * @param key the key, or null; a read-only view
 * @param value the value, or null; a read-only view
 * @param headers the headers, possibly empty
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record Record(long offset, long timestamp, ByteBuffer key, ByteBuffer value, List<Header> headers) {
    public Record {
        headers = List.copyOf(headers);
    }
}
