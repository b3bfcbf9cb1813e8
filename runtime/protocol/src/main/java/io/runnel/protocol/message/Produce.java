package io.runnel.protocol.message;

import io.runnel.api.record.Records;
import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** Produce (0): record batches for partitions this broker leads. */
public final class Produce {
    private Produce() {
    }

    public record PartitionData(int partition, Records records) {
    }

    /**
     * int16 acks (0, 1, -1 for all), int32 timeoutMs, [string topic, [int32 partition,
     * records batches] partitions] topics. With acks=0 the broker sends no response.
     */
    public record Request(short acks, int timeoutMs, List<PerTopic<PartitionData>> topics) implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.PRODUCE;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(acks).int32(timeoutMs);
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).records(p.records()));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.int16("acks"), r.int32("timeoutMs"),
                    PerTopic.read(r, y -> new PartitionData(y.int32("partition"), y.records("records"))));
        }
    }

    public record PartitionResult(int partition, short errorCode, long baseOffset, long logAppendTime,
                                  long logStartOffset, String errorMessage) {
    }

    /**
     * [string topic, [int32 partition, int16 errorCode, int64 baseOffset, int64 logAppendTime,
     * int64 logStartOffset, string? errorMessage] partitions] topics.
     */
    public record Response(List<PerTopic<PartitionResult>> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.PRODUCE;
        }

        public void write(ProtocolWriter w, short version) {
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int16(p.errorCode()).int64(p.baseOffset())
                    .int64(p.logAppendTime()).int64(p.logStartOffset()).nullableString(p.errorMessage()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(PerTopic.read(r, y -> new PartitionResult(y.int32("partition"), y.int16("errorCode"),
                    y.int64("baseOffset"), y.int64("logAppendTime"), y.int64("logStartOffset"),
                    y.nullableString("errorMessage"))));
        }
    }
}
