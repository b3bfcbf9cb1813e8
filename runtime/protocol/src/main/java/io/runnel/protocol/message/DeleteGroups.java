package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** DeleteGroups (42): deletes groups without members, with their offsets. */
public final class DeleteGroups {
    private DeleteGroups() {
    }

    /** [string groupId] groups. */
    public record Request(List<String> groups) implements Message {
        public Request {
            groups = List.copyOf(groups);
        }

        public ApiKey apiKey() {
            return ApiKey.DELETE_GROUPS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(groups, ProtocolWriter::string);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.array("groups", x -> x.string("groupId")));
        }
    }

    /** string groupId, int16 errorCode. */
    public record Result(String groupId, short errorCode) {
    }

    /** [string groupId, int16 errorCode] results. */
    public record Response(List<Result> results) implements Message {
        public Response {
            results = List.copyOf(results);
        }

        public ApiKey apiKey() {
            return ApiKey.DELETE_GROUPS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(results, (x, g) -> x.string(g.groupId()).int16(g.errorCode()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.array("results", x -> new Result(x.string("groupId"), x.int16("errorCode"))));
        }
    }
}
