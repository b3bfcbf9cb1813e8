package io.runnel.client.serialization;

import io.runnel.api.Api;

/**
 * Turns a key or value into bytes for the producer.
 *
 * <p>Implementations must be thread safe: a producer may be shared by many threads.
 *
 * @param <T> the type serialized
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
@FunctionalInterface
public interface Serializer<T> {
    /**
     * @param topic the topic the record goes to
     * @param data the key or value, possibly null
     * @return the bytes, or null for a null key or value
     */
    byte[] serialize(String topic, T data);
}
