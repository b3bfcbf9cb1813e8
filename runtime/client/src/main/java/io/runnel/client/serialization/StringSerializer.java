package io.runnel.client.serialization;

import io.runnel.api.Api;

import java.nio.charset.StandardCharsets;

/**
 * Serializes UTF-8 strings; null stays null.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class StringSerializer implements Serializer<String> {
    @Override
    public byte[] serialize(String topic, String data) {
        return data == null ? null : data.getBytes(StandardCharsets.UTF_8);
    }
}
