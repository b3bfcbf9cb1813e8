package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** ListGroups (16): the groups a broker coordinates. */
public final class ListGroups {
    private ListGroups() {
    }

    /** (empty). */
    public record Request() implements Message {
        public ApiKey apiKey() {
            return ApiKey.LIST_GROUPS;
        }

        public void write(ProtocolWriter w, short version) {
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request();
        }
    }

    /** string groupId, string protocolType, string state. */
    public record Group(String groupId, String protocolType, String state) {
    }

    /** int16 errorCode, [Group] groups. */
    public record Response(short errorCode, List<Group> groups) implements Message {
        public Response {
            groups = List.copyOf(groups);
        }

        public ApiKey apiKey() {
            return ApiKey.LIST_GROUPS;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode).array(groups, (x, g) -> x.string(g.groupId()).string(g.protocolType()).string(g.state()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), r.array("groups", x -> new Group(x.string("groupId"),
                    x.string("protocolType"), x.string("state"))));
        }
    }
}
