package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/**
 * CreatePartitions (37): raises topics' partition counts, as Kafka's call of the same number
 * (without its explicit assignments and throttle time: the controller places the new replicas).
 *
 * <pre>
 * request:  [string name, int32 count] topics, int32 timeoutMs, bool validateOnly
 * response: [string name, int16 errorCode, string? errorMessage] results
 * </pre>
 */
public final class CreatePartitions {
    private CreatePartitions() {
    }

    /** {@code count} is the new total number of partitions. */
    public record Topic(String name, int count) {
    }

    public record Request(List<Topic> topics, int timeoutMs, boolean validateOnly) implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.CREATE_PARTITIONS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(topics, (x, t) -> x.string(t.name()).int32(t.count()));
            w.int32(timeoutMs).bool(validateOnly);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.array("topics", x -> new Topic(x.string("name"), x.int32("count"))),
                    r.int32("timeoutMs"), r.bool("validateOnly"));
        }
    }

    public record Response(List<CreateTopics.Result> results) implements Message {
        public Response {
            results = List.copyOf(results);
        }

        public ApiKey apiKey() {
            return ApiKey.CREATE_PARTITIONS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(results, (x, t) -> x.string(t.name()).int16(t.errorCode()).nullableString(t.errorMessage()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.array("results", x -> new CreateTopics.Result(x.string("name"), x.int16("errorCode"),
                    x.nullableString("errorMessage"))));
        }
    }
}
