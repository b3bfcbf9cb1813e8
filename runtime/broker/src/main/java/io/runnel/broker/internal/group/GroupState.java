package io.runnel.broker.internal.group;

import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A group's state as stored through {@link io.runnel.api.coordination.GroupStore#storeState}: what
 * a coordinator that takes the group over needs to carry on with the same generation. Written
 * when a generation completes (and when the last member leaves), never in the middle of a
 * rebalance.
 *
 * <pre>
 *   int16   format (0)
 *   int32   generationId
 *   string  protocolType       "" while the group never had members
 *   string? protocol           the chosen assignor, null for an empty group
 *   string  leader             "" for an empty group
 *   int64   emptySinceMs       when the group last became empty (-1: has members)
 *   [string memberId, string clientId, string clientHost, int32 sessionTimeoutMs,
 *    int32 rebalanceTimeoutMs, [string name, bytes metadata] protocols, bytes assignment] members
 * </pre>
 */
record GroupState(int generationId, String protocolType, String protocol, String leader, long emptySinceMs,
                  List<StoredMember> members) {
    static final short FORMAT = 0;

    record StoredMember(String memberId, String clientId, String clientHost, int sessionTimeoutMs,
                        int rebalanceTimeoutMs, List<Protocol> protocols, ByteBuffer assignment) {
    }

    record Protocol(String name, ByteBuffer metadata) {
    }

    GroupState {
        members = List.copyOf(members);
    }

    byte[] encode() {
        ProtocolWriter w = new ProtocolWriter();
        w.int16(FORMAT).int32(generationId).string(protocolType).nullableString(protocol).string(leader)
                .int64(emptySinceMs).array(members, (x, m) -> x.string(m.memberId()).string(m.clientId())
                        .string(m.clientHost()).int32(m.sessionTimeoutMs()).int32(m.rebalanceTimeoutMs())
                        .array(m.protocols(), (y, p) -> y.string(p.name()).bytes(p.metadata()))
                        .bytes(m.assignment()));
        ByteBuffer buffer = w.toSend().toBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** @throws io.runnel.api.RunnelException {@code INVALID_REQUEST} if the bytes are not a group state */
    static GroupState decode(String groupId, byte[] bytes) {
        ProtocolReader r = new ProtocolReader(ByteBuffer.wrap(bytes));
        short format = r.int16("format");
        if (format != FORMAT) {
            throw ProtocolReader.malformed("group " + groupId + " state has format " + format + ", this build reads "
                    + FORMAT);
        }
        GroupState state = new GroupState(r.int32("generationId"), r.string("protocolType"),
                r.nullableString("protocol"), r.string("leader"), r.int64("emptySinceMs"),
                r.array("members", x -> new StoredMember(x.string("memberId"), x.string("clientId"),
                        x.string("clientHost"), x.int32("sessionTimeoutMs"), x.int32("rebalanceTimeoutMs"),
                        x.array("protocols", y -> new Protocol(y.string("name"), y.bytes("metadata"))),
                        x.bytes("assignment"))));
        r.expectEnd("group " + groupId + " state");
        return state;
    }
}
