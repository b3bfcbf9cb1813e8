package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/**
 * OffsetForLeaderEpoch (23): where a leader epoch ends in the leader's log, so a follower can
 * truncate away what it holds beyond the leader's history (KIP-101).
 */
public final class OffsetForLeaderEpoch {
    /** Epoch and offset meaning "unknown" in a response. */
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1L;

    private OffsetForLeaderEpoch() {
    }

    public record PartitionRequest(int partition, int currentLeaderEpoch, int leaderEpoch) {
    }

    /**
     * [string topic, [int32 partition, int32 currentLeaderEpoch (-1: unchecked), int32 leaderEpoch]
     * partitions] topics.
     */
    public record Request(List<PerTopic<PartitionRequest>> topics) implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.OFFSET_FOR_LEADER_EPOCH;
        }

        public void write(ProtocolWriter w, short version) {
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int32(p.currentLeaderEpoch()).int32(p.leaderEpoch()));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(PerTopic.read(r, y -> new PartitionRequest(y.int32("partition"),
                    y.int32("currentLeaderEpoch"), y.int32("leaderEpoch"))));
        }
    }

    /**
     * The largest epoch at or below the one asked for, and the offset it ended at (the start of
     * the next epoch, or the log end offset if it is the latest); -1 and -1 if the leader knows
     * no such epoch.
     */
    public record PartitionResult(int partition, short errorCode, int leaderEpoch, long endOffset) {
    }

    /** [string topic, [int32 partition, int16 errorCode, int32 leaderEpoch, int64 endOffset] partitions] topics. */
    public record Response(List<PerTopic<PartitionResult>> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.OFFSET_FOR_LEADER_EPOCH;
        }

        public void write(ProtocolWriter w, short version) {
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int16(p.errorCode()).int32(p.leaderEpoch())
                    .int64(p.endOffset()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(PerTopic.read(r, y -> new PartitionResult(y.int32("partition"), y.int16("errorCode"),
                    y.int32("leaderEpoch"), y.int64("endOffset"))));
        }
    }
}
