package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** ListOffsets (2): the earliest or latest offset of partitions, or the first at or after a time. */
public final class ListOffsets {
    /** Timestamp meaning "the log start offset". */
    public static final long EARLIEST = -2L;
    /** Timestamp meaning "the log end offset" (for consumers: the high watermark). */
    public static final long LATEST = -1L;

    private ListOffsets() {
    }

    public record PartitionRequest(int partition, int currentLeaderEpoch, long timestamp) {
    }

    /** int32 replicaId, [string topic, [int32 partition, int32 currentLeaderEpoch, int64 timestamp] partitions] topics. */
    public record Request(int replicaId, List<PerTopic<PartitionRequest>> topics) implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.LIST_OFFSETS;
        }

        public void write(ProtocolWriter w, short version) {
            w.int32(replicaId);
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int32(p.currentLeaderEpoch()).int64(p.timestamp()));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.int32("replicaId"), PerTopic.read(r, y -> new PartitionRequest(y.int32("partition"),
                    y.int32("currentLeaderEpoch"), y.int64("timestamp"))));
        }
    }

    public record PartitionResult(int partition, short errorCode, long timestamp, long offset, int leaderEpoch) {
    }

    /** [string topic, [int32 partition, int16 errorCode, int64 timestamp, int64 offset, int32 leaderEpoch] partitions] topics. */
    public record Response(List<PerTopic<PartitionResult>> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.LIST_OFFSETS;
        }

        public void write(ProtocolWriter w, short version) {
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int16(p.errorCode()).int64(p.timestamp())
                    .int64(p.offset()).int32(p.leaderEpoch()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(PerTopic.read(r, y -> new PartitionResult(y.int32("partition"), y.int16("errorCode"),
                    y.int64("timestamp"), y.int64("offset"), y.int32("leaderEpoch"))));
        }
    }
}
