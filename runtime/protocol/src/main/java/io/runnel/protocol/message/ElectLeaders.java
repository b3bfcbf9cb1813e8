package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/**
 * ElectLeaders (43): asks the controller to elect leaders for partitions, as Kafka's call of the
 * same number (its version 1 layout, without the throttle time).
 *
 * <pre>
 * request:  int8 electionType (0 preferred, 1 unclean),
 *           [string topic, [int32 partition] partitions]? topicPartitions (null: every partition),
 *           int32 timeoutMs
 * response: int16 errorCode,
 *           [string topic, [int32 partition, int16 errorCode, string? errorMessage] partitions] results
 * </pre>
 */
public final class ElectLeaders {
    /** Move leadership to the preferred (first) replica if it is alive and in the ISR. */
    public static final byte PREFERRED = 0;
    /** Elect a leader for a partition that has none, from outside the ISR if need be. */
    public static final byte UNCLEAN = 1;

    private ElectLeaders() {
    }

    /** {@code topicPartitions} null asks for every partition of every topic. */
    public record Request(byte electionType, List<PerTopic<Integer>> topicPartitions, int timeoutMs) implements Message {
        public Request {
            topicPartitions = topicPartitions == null ? null : List.copyOf(topicPartitions);
        }

        public ApiKey apiKey() {
            return ApiKey.ELECT_LEADERS;
        }

        public void write(ProtocolWriter w, short version) {
            w.int8(electionType);
            if (topicPartitions == null) {
                w.int32(-1);
            } else {
                PerTopic.write(w, topicPartitions, ProtocolWriter::int32);
            }
            w.int32(timeoutMs);
        }

        public static Request read(ProtocolReader r, short version) {
            byte type = r.int8("electionType");
            List<PerTopic<Integer>> topics = r.nullableArray("topicPartitions",
                    x -> new PerTopic<>(x.string("topic"), x.array("partitions", y -> y.int32("partition"))));
            return new Request(type, topics, r.int32("timeoutMs"));
        }
    }

    public record PartitionResult(int partition, short errorCode, String errorMessage) {
    }

    public record Response(short errorCode, List<PerTopic<PartitionResult>> results) implements Message {
        public Response {
            results = List.copyOf(results);
        }

        public ApiKey apiKey() {
            return ApiKey.ELECT_LEADERS;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode);
            PerTopic.write(w, results, (y, p) -> y.int32(p.partition()).int16(p.errorCode()).nullableString(p.errorMessage()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), PerTopic.read(r, y -> new PartitionResult(y.int32("partition"),
                    y.int16("errorCode"), y.nullableString("errorMessage"))));
        }
    }
}
