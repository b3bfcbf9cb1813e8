package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** OffsetCommit (8): a group's positions, written through its coordinator. */
public final class OffsetCommit {
    private OffsetCommit() {
    }

    /** int32 partition, int64 offset, int32 leaderEpoch (-1: unknown), string? metadata. */
    public record PartitionData(int partition, long offset, int leaderEpoch, String metadata) {
    }

    /**
     * string groupId, int32 generationId (-1 with memberId "": a group without members), string
     * memberId, [string topic, [PartitionData] partitions] topics.
     */
    public record Request(String groupId, int generationId, String memberId, List<PerTopic<PartitionData>> topics)
            implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.OFFSET_COMMIT;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(groupId).int32(generationId).string(memberId);
            PerTopic.write(w, topics, (x, p) -> x.int32(p.partition()).int64(p.offset()).int32(p.leaderEpoch())
                    .nullableString(p.metadata()));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.string("groupId"), r.int32("generationId"), r.string("memberId"),
                    PerTopic.read(r, x -> new PartitionData(x.int32("partition"), x.int64("offset"),
                            x.int32("leaderEpoch"), x.nullableString("metadata"))));
        }
    }

    /** int32 partition, int16 errorCode. */
    public record PartitionResult(int partition, short errorCode) {
    }

    /** [string topic, [int32 partition, int16 errorCode] partitions] topics. */
    public record Response(List<PerTopic<PartitionResult>> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.OFFSET_COMMIT;
        }

        public void write(ProtocolWriter w, short version) {
            PerTopic.write(w, topics, (x, p) -> x.int32(p.partition()).int16(p.errorCode()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(PerTopic.read(r, x -> new PartitionResult(x.int32("partition"), x.int16("errorCode"))));
        }
    }
}
