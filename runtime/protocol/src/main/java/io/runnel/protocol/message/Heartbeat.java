package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

/** Heartbeat (12): a member is alive and in the given generation. */
public final class Heartbeat {
    private Heartbeat() {
    }

    /** string groupId, int32 generationId, string memberId. */
    public record Request(String groupId, int generationId, String memberId) implements Message {
        public ApiKey apiKey() {
            return ApiKey.HEARTBEAT;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(groupId).int32(generationId).string(memberId);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.string("groupId"), r.int32("generationId"), r.string("memberId"));
        }
    }

    /** int16 errorCode. */
    public record Response(short errorCode) implements Message {
        public ApiKey apiKey() {
            return ApiKey.HEARTBEAT;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode);
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"));
        }
    }
}
