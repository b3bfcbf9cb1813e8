package io.runnel.client.serialization;

import io.runnel.api.Api;

import java.nio.charset.StandardCharsets;

/**
 * Deserializes UTF-8 strings; null stays null.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class StringDeserializer implements Deserializer<String> {
    @Override
    public String deserialize(String topic, byte[] data) {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }
}
