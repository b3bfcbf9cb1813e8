package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.nio.ByteBuffer;
import java.util.List;

/** DescribeGroups (15): state and members of groups this broker coordinates. */
public final class DescribeGroups {
    private DescribeGroups() {
    }

    /** [string groupId] groups. */
    public record Request(List<String> groups) implements Message {
        public Request {
            groups = List.copyOf(groups);
        }

        public ApiKey apiKey() {
            return ApiKey.DESCRIBE_GROUPS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(groups, ProtocolWriter::string);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.array("groups", x -> x.string("groupId")));
        }
    }

    /** string memberId, string clientId, string clientHost, bytes metadata, bytes assignment. */
    public record Member(String memberId, String clientId, String clientHost, ByteBuffer metadata,
                         ByteBuffer assignment) {
    }

    /** int16 errorCode, string groupId, string state, string protocolType, string protocol, [Member] members. */
    public record Group(short errorCode, String groupId, String state, String protocolType, String protocol,
                        List<Member> members) {
        public Group {
            members = List.copyOf(members);
        }
    }

    /** [Group] groups. */
    public record Response(List<Group> groups) implements Message {
        public Response {
            groups = List.copyOf(groups);
        }

        public ApiKey apiKey() {
            return ApiKey.DESCRIBE_GROUPS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(groups, (x, g) -> x.int16(g.errorCode()).string(g.groupId()).string(g.state())
                    .string(g.protocolType()).string(g.protocol()).array(g.members(), (y, m) -> y.string(m.memberId())
                            .string(m.clientId()).string(m.clientHost()).bytes(m.metadata()).bytes(m.assignment())));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.array("groups", x -> new Group(x.int16("errorCode"), x.string("groupId"),
                    x.string("state"), x.string("protocolType"), x.string("protocol"),
                    x.array("members", y -> new Member(y.string("memberId"), y.string("clientId"),
                            y.string("clientHost"), y.bytes("metadata"), y.bytes("assignment"))))));
        }
    }
}
