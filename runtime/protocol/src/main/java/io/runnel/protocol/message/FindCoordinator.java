package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

/** FindCoordinator (10): which broker coordinates a consumer group. Any broker answers. */
public final class FindCoordinator {
    /** The only key type: a consumer group id. */
    public static final byte GROUP = 0;

    private FindCoordinator() {
    }

    /** string key, int8 keyType (0: group). */
    public record Request(String key, byte keyType) implements Message {
        public ApiKey apiKey() {
            return ApiKey.FIND_COORDINATOR;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(key).int8(keyType);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.string("key"), r.int8("keyType"));
        }
    }

    /** int16 errorCode, string? errorMessage, int32 nodeId, string host, int32 port (-1, "", -1 on error). */
    public record Response(short errorCode, String errorMessage, int nodeId, String host, int port) implements Message {
        public ApiKey apiKey() {
            return ApiKey.FIND_COORDINATOR;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode).nullableString(errorMessage).int32(nodeId).string(host).int32(port);
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), r.nullableString("errorMessage"), r.int32("nodeId"),
                    r.string("host"), r.int32("port"));
        }
    }
}
