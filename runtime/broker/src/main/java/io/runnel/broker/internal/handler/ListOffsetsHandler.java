package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.Records;
import io.runnel.api.storage.TimestampOffset;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.partition.Partition;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.PerTopic;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ListOffsets: the log start offset (earliest), the high watermark (latest), or the first record
 * whose timestamp is at or after a time. The log finds the batch; this handler finds the record
 * in it, decompressing with the installed codec when needed.
 */
final class ListOffsetsHandler {
    private final ReplicaManager replicas;
    private final MetadataCache cache;
    private final Map<Integer, CompressionCodec> codecs;

    ListOffsetsHandler(ReplicaManager replicas, MetadataCache cache, Map<Integer, CompressionCodec> codecs) {
        this.replicas = replicas;
        this.cache = cache;
        this.codecs = codecs;
    }

    Optional<Message> handle(ListOffsets.Request request) {
        List<PerTopic<ListOffsets.PartitionResult>> topics = new ArrayList<>();
        for (PerTopic<ListOffsets.PartitionRequest> topic : request.topics()) {
            List<ListOffsets.PartitionResult> results = new ArrayList<>();
            for (ListOffsets.PartitionRequest p : topic.partitions()) {
                results.add(lookup(new TopicPartition(topic.name(), p.partition()), p));
            }
            topics.add(new PerTopic<>(topic.name(), results));
        }
        return Optional.of(new ListOffsets.Response(topics));
    }

    private ListOffsets.PartitionResult lookup(TopicPartition tp, ListOffsets.PartitionRequest p) {
        try {
            Partition partition = Partitions.leader(replicas, cache, tp);
            partition.checkLeaderEpoch(p.currentLeaderEpoch());
            int epoch = partition.leaderEpoch();
            long ts = p.timestamp();
            if (ts == ListOffsets.EARLIEST) {
                return found(tp, -1, partition.log().logStartOffset(), epoch);
            }
            if (ts == ListOffsets.LATEST) {
                return found(tp, -1, partition.highWatermark(), epoch);
            }
            if (ts < 0) {
                throw new RunnelException(ErrorCode.INVALID_REQUEST, "timestamp " + ts + " for " + tp
                        + " is neither -2 (earliest), -1 (latest) nor a time");
            }
            Optional<TimestampOffset> match = partition.log().offsetForTimestamp(ts)
                    .filter(m -> m.offset() < partition.highWatermark());
            if (match.isEmpty()) {
                return found(tp, -1, -1, epoch);
            }
            TimestampOffset exact = refine(partition, match.get(), ts);
            return found(tp, exact.timestamp(), exact.offset(), epoch);
        } catch (RuntimeException e) {
            RunnelException error = Errors.toRunnel(e, "list offsets of " + tp);
            return new ListOffsets.PartitionResult(tp.partition(), error.errorCode().code(), -1, -1, -1);
        }
    }

    /** The log answers with a batch whose max timestamp is late enough; find the first such record in it. */
    private TimestampOffset refine(Partition partition, TimestampOffset batchMatch, long ts) {
        Records records = partition.log().read(batchMatch.offset(), 1, partition.highWatermark());
        ByteBuffer bytes;
        try {
            bytes = records.readAll();
        } catch (IOException e) {
            throw new RunnelException(ErrorCode.STORAGE_ERROR, "reading " + partition.topicPartition() + ": " + e.getMessage(), e);
        }
        List<RecordBatch> batches = RecordBatch.parseAll(bytes);
        for (RecordBatch batch : batches) {
            if (batch.maxTimestamp() < ts) {
                continue;
            }
            if (batch.timestampType() == io.runnel.api.record.TimestampType.LOG_APPEND_TIME) {
                return new TimestampOffset(batch.maxTimestamp(), Math.max(batch.baseOffset(), batchMatch.offset()));
            }
            CompressionCodec codec = codecs.get(batch.compressionId());
            if (batch.compressionId() != 0 && codec == null) {
                return batchMatch;
            }
            for (Record record : batch.records(codec)) {
                if (record.offset() >= batchMatch.offset() && record.timestamp() >= ts) {
                    return new TimestampOffset(record.timestamp(), record.offset());
                }
            }
        }
        return batchMatch;
    }

    private static ListOffsets.PartitionResult found(TopicPartition tp, long timestamp, long offset, int epoch) {
        return new ListOffsets.PartitionResult(tp.partition(), ErrorCode.NONE.code(), timestamp, offset, epoch);
    }
}
