package io.runnel.protocol.message;

import io.runnel.api.record.Records;
import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** Fetch (1): record batches from partitions, for consumers (replicaId -1) and follower replicas. */
public final class Fetch {
    private Fetch() {
    }

    public record PartitionRequest(int partition, int currentLeaderEpoch, long fetchOffset, int partitionMaxBytes) {
    }

    /**
     * int32 replicaId (-1 for consumers), int32 maxWaitMs, int32 minBytes, int32 maxBytes,
     * [string topic, [int32 partition, int32 currentLeaderEpoch (-1: unknown), int64 fetchOffset,
     * int32 partitionMaxBytes] partitions] topics. The broker answers once minBytes are ready or
     * maxWaitMs has passed (long poll).
     */
    public record Request(int replicaId, int maxWaitMs, int minBytes, int maxBytes, List<PerTopic<PartitionRequest>> topics)
            implements Message {
        public Request {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.FETCH;
        }

        public void write(ProtocolWriter w, short version) {
            w.int32(replicaId).int32(maxWaitMs).int32(minBytes).int32(maxBytes);
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int32(p.currentLeaderEpoch())
                    .int64(p.fetchOffset()).int32(p.partitionMaxBytes()));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.int32("replicaId"), r.int32("maxWaitMs"), r.int32("minBytes"), r.int32("maxBytes"),
                    PerTopic.read(r, y -> new PartitionRequest(y.int32("partition"), y.int32("currentLeaderEpoch"),
                            y.int64("fetchOffset"), y.int32("partitionMaxBytes"))));
        }
    }

    public record PartitionData(int partition, short errorCode, long highWatermark, long logStartOffset,
                                Records records) {
    }

    /**
     * int16 errorCode, [string topic, [int32 partition, int16 errorCode, int64 highWatermark,
     * int64 logStartOffset, records batches] partitions] topics. Batches from the log stay file
     * regions in the encoded response.
     */
    public record Response(short errorCode, List<PerTopic<PartitionData>> topics) implements Message {
        public Response {
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.FETCH;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode);
            PerTopic.write(w, topics, (y, p) -> y.int32(p.partition()).int16(p.errorCode()).int64(p.highWatermark())
                    .int64(p.logStartOffset()).records(p.records()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), PerTopic.read(r, y -> new PartitionData(y.int32("partition"),
                    y.int16("errorCode"), y.int64("highWatermark"), y.int64("logStartOffset"), y.records("records"))));
        }
    }
}
