package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * JoinGroup (11): a member joins (or rejoins) a group; answered when the group's join phase
 * completes, with the new generation. The coordinator runs the assignor itself, so unlike Kafka
 * the response carries no member list for a leader to assign from.
 */
public final class JoinGroup {
    private JoinGroup() {
    }

    /** string name (an assignor), bytes metadata (a {@code ConsumerProtocol} subscription). */
    public record Protocol(String name, ByteBuffer metadata) {
    }

    /**
     * string groupId, int32 sessionTimeoutMs, int32 rebalanceTimeoutMs, string memberId ("" the
     * first time), string protocolType, [string name, bytes metadata] protocols (preferred first).
     */
    public record Request(String groupId, int sessionTimeoutMs, int rebalanceTimeoutMs, String memberId,
                          String protocolType, List<Protocol> protocols) implements Message {
        public Request {
            protocols = List.copyOf(protocols);
        }

        public ApiKey apiKey() {
            return ApiKey.JOIN_GROUP;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(groupId).int32(sessionTimeoutMs).int32(rebalanceTimeoutMs).string(memberId).string(protocolType)
                    .array(protocols, (x, p) -> x.string(p.name()).bytes(p.metadata()));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.string("groupId"), r.int32("sessionTimeoutMs"), r.int32("rebalanceTimeoutMs"),
                    r.string("memberId"), r.string("protocolType"),
                    r.array("protocols", x -> new Protocol(x.string("name"), x.bytes("metadata"))));
        }
    }

    /**
     * int16 errorCode, int32 generationId, string? protocolName, string leader, string memberId.
     * With {@code MEMBER_ID_REQUIRED} the memberId is the one to rejoin with.
     */
    public record Response(short errorCode, int generationId, String protocolName, String leader, String memberId)
            implements Message {
        public ApiKey apiKey() {
            return ApiKey.JOIN_GROUP;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode).int32(generationId).nullableString(protocolName).string(leader).string(memberId);
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), r.int32("generationId"), r.nullableString("protocolName"),
                    r.string("leader"), r.string("memberId"));
        }
    }
}
