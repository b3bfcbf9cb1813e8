package io.runnel.client.serialization;

import io.runnel.api.Api;

/**
 * Turns the bytes of a fetched key or value back into an object for the consumer.
 *
 * @param <T> the type deserialized
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
@FunctionalInterface
public interface Deserializer<T> {
    /**
     * @param topic the topic the record came from
     * @param data the bytes, or null for a null key or value
     * @return the object, possibly null
     */
    T deserialize(String topic, byte[] data);
}
