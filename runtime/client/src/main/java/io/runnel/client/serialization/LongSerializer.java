package io.runnel.client.serialization;

import io.runnel.api.Api;

import java.nio.ByteBuffer;

/**
 * Serializes a {@code Long} as 8 big-endian bytes; null stays null.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class LongSerializer implements Serializer<Long> {
    @Override
    public byte[] serialize(String topic, Long data) {
        return data == null ? null : ByteBuffer.allocate(Long.BYTES).putLong(data).array();
    }
}
