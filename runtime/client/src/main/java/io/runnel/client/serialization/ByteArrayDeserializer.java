package io.runnel.client.serialization;

import io.runnel.api.Api;

/**
 * Deserializes byte arrays as they are; null stays null.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class ByteArrayDeserializer implements Deserializer<byte[]> {
    @Override
    public byte[] deserialize(String topic, byte[] data) {
        return data == null ? null : data;
    }
}
