package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;
import java.util.Map;

/** CreateTopics (19). */
public final class CreateTopics {
    private CreateTopics() {
    }

    /** numPartitions and replicationFactor -1 mean the broker defaults. */
    public record Topic(String name, int numPartitions, short replicationFactor, Map<String, String> configs) {
        public Topic {
            configs = Map.copyOf(configs);
        }
    }

    /**
     * [string name, int32 numPartitions, int16 replicationFactor, [string key, string? value] configs]
     * topics, int32 timeoutMs, bool validateOnly.
     */
    public record Request(List<Topic> topics, int timeoutMs, boolean validateOnly) implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.CREATE_TOPICS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(topics, (x, t) -> x.string(t.name()).int32(t.numPartitions()).int16(t.replicationFactor())
                    .stringMap(new java.util.TreeMap<>(t.configs())));
            w.int32(timeoutMs).bool(validateOnly);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.array("topics", x -> new Topic(x.string("name"), x.int32("numPartitions"),
                    x.int16("replicationFactor"), x.stringMap("configs"))), r.int32("timeoutMs"), r.bool("validateOnly"));
        }
    }

    public record Result(String name, short errorCode, String errorMessage) {
    }

    /** [string name, int16 errorCode, string? errorMessage] topics. */
    public record Response(List<Result> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.CREATE_TOPICS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(topics, (x, t) -> x.string(t.name()).int16(t.errorCode()).nullableString(t.errorMessage()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.array("topics", x -> new Result(x.string("name"), x.int16("errorCode"),
                    x.nullableString("errorMessage"))));
        }
    }
}
