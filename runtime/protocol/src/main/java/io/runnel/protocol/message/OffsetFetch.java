package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** OffsetFetch (9): a group's committed positions. */
public final class OffsetFetch {
    private OffsetFetch() {
    }

    /** string groupId, [string topic, [int32 partition] partitions]? topics (null: every committed partition). */
    public record Request(String groupId, List<PerTopic<Integer>> topics) implements Message {
        public Request {
            topics = topics == null ? null : List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.OFFSET_FETCH;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(groupId);
            if (topics == null) {
                w.int32(-1);
            } else {
                PerTopic.write(w, topics, ProtocolWriter::int32);
            }
        }

        public static Request read(ProtocolReader r, short version) {
            String groupId = r.string("groupId");
            List<PerTopic<Integer>> topics = r.nullableArray("topics", x -> new PerTopic<>(x.string("topic"),
                    x.int32Array("partitions")));
            return new Request(groupId, topics);
        }
    }

    /** int32 partition, int64 offset (-1: none), int32 leaderEpoch, string? metadata, int16 errorCode. */
    public record PartitionData(int partition, long offset, int leaderEpoch, String metadata, short errorCode) {
    }

    /** int16 errorCode, [string topic, [PartitionData] partitions] topics. */
    public record Response(short errorCode, List<PerTopic<PartitionData>> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.OFFSET_FETCH;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode);
            PerTopic.write(w, topics, (x, p) -> x.int32(p.partition()).int64(p.offset()).int32(p.leaderEpoch())
                    .nullableString(p.metadata()).int16(p.errorCode()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), PerTopic.read(r, x -> new PartitionData(x.int32("partition"),
                    x.int64("offset"), x.int32("leaderEpoch"), x.nullableString("metadata"), x.int16("errorCode"))));
        }
    }
}
