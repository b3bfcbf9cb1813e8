package io.runnel.client.serialization;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.nio.ByteBuffer;

/**
 * Deserializes 8 big-endian bytes into a {@code Long}; null stays null.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class LongDeserializer implements Deserializer<Long> {
    @Override
    public Long deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length != Long.BYTES) {
            throw new RunnelException(ErrorCode.CORRUPT_RECORD, "a long needs 8 bytes, but a record of topic " + topic
                    + " holds " + data.length);
        }
        return ByteBuffer.wrap(data).getLong();
    }
}
