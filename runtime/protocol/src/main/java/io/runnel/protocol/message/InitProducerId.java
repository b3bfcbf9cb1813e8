package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

/** InitProducerId (22): a producer id and epoch for an idempotent producer. */
public final class InitProducerId {
    private InitProducerId() {
    }

    /** string? transactionalId, int32 transactionTimeoutMs. */
    public record Request(String transactionalId, int transactionTimeoutMs) implements Message {
        public ApiKey apiKey() {
            return ApiKey.INIT_PRODUCER_ID;
        }

        public void write(ProtocolWriter w, short version) {
            w.nullableString(transactionalId).int32(transactionTimeoutMs);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.nullableString("transactionalId"), r.int32("transactionTimeoutMs"));
        }
    }

    /** int16 errorCode, int64 producerId, int16 producerEpoch. */
    public record Response(short errorCode, long producerId, short producerEpoch) implements Message {
        public ApiKey apiKey() {
            return ApiKey.INIT_PRODUCER_ID;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode).int64(producerId).int16(producerEpoch);
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), r.int64("producerId"), r.int16("producerEpoch"));
        }
    }
}
