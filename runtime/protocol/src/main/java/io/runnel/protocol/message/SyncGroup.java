package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.nio.ByteBuffer;

/**
 * SyncGroup (14): a member of the current generation asks for its assignment. The coordinator
 * computed every member's assignment when the join phase completed, so unlike Kafka no member
 * sends assignments.
 */
public final class SyncGroup {
    private SyncGroup() {
    }

    /** string groupId, int32 generationId, string memberId. */
    public record Request(String groupId, int generationId, String memberId) implements Message {
        public ApiKey apiKey() {
            return ApiKey.SYNC_GROUP;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(groupId).int32(generationId).string(memberId);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.string("groupId"), r.int32("generationId"), r.string("memberId"));
        }
    }

    /** int16 errorCode, bytes assignment (a {@code ConsumerProtocol} assignment; empty on error). */
    public record Response(short errorCode, ByteBuffer assignment) implements Message {
        public ApiKey apiKey() {
            return ApiKey.SYNC_GROUP;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode).bytes(assignment);
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), r.bytes("assignment"));
        }
    }
}
