package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** DeleteTopics (20). */
public final class DeleteTopics {
    private DeleteTopics() {
    }

    /** [string name] topics, int32 timeoutMs. */
    public record Request(List<String> topics, int timeoutMs) implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.DELETE_TOPICS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(topics, ProtocolWriter::string).int32(timeoutMs);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.array("topics", x -> x.string("name")), r.int32("timeoutMs"));
        }
    }

    /** [string name, int16 errorCode, string? errorMessage] topics. */
    public record Response(List<CreateTopics.Result> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.DELETE_TOPICS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(topics, (x, t) -> x.string(t.name()).int16(t.errorCode()).nullableString(t.errorMessage()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.array("topics", x -> new CreateTopics.Result(x.string("name"), x.int16("errorCode"),
                    x.nullableString("errorMessage"))));
        }
    }
}
