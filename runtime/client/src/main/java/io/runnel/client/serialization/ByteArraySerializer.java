package io.runnel.client.serialization;

import io.runnel.api.Api;

/**
 * Serializes byte arrays as they are; null stays null.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class ByteArraySerializer implements Serializer<byte[]> {
    @Override
    public byte[] serialize(String topic, byte[] data) {
        return data == null ? null : data;
    }
}
