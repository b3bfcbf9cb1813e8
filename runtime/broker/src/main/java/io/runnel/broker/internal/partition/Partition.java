package io.runnel.broker.internal.partition;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.Records;
import io.runnel.api.storage.AppendResult;
import io.runnel.api.storage.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One partition hosted by this broker: its log, whether this broker leads it and in which
 * leader epoch, its in-sync replicas and high watermark, and its idempotent producers.
 *
 * <p>Appends are serialised by this object's lock; reads run concurrently (the log allows it).
 * Replication comes with the cluster work: until then the high watermark is the log end offset
 * whenever the leader is the only in-sync replica, and does not move otherwise.
 */
public final class Partition {
    private static final Logger log = LoggerFactory.getLogger(Partition.class);

    /** Where a produce request's data for this partition went. */
    public record AppendOutcome(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset) {
    }

    private final TopicPartition topicPartition;
    private final String topicId;
    private final PartitionLog partitionLog;
    private final int localBrokerId;
    private final ProducerSequences producers;
    private volatile PartitionSettings settings;
    private volatile boolean leader;
    private volatile int leaderEpoch = -1;
    private volatile List<Integer> isr = List.of();
    private volatile long highWatermark;

    Partition(TopicPartition topicPartition, String topicId, PartitionLog partitionLog, int localBrokerId,
              PartitionSettings settings) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.partitionLog = partitionLog;
        this.localBrokerId = localBrokerId;
        this.settings = settings;
        this.producers = new ProducerSequences(topicPartition.toString(), partitionLog::producerState);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The id of the topic incarnation this partition belongs to. */
    public String topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return partitionLog;
    }

    public boolean isLeader() {
        return leader;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public List<Integer> isr() {
        return isr;
    }

    public long highWatermark() {
        return highWatermark;
    }

    PartitionSettings settings() {
        return settings;
    }

    void updateSettings(PartitionSettings settings) {
        this.settings = settings;
    }

    /** Takes leadership in {@code epoch}; a stale or repeated epoch only refreshes the ISR. */
    synchronized void becomeLeader(int epoch, List<Integer> newIsr) {
        if (epoch > leaderEpoch || !leader) {
            if (epoch > leaderEpoch) {
                partitionLog.assignEpochStartOffset(epoch, partitionLog.logEndOffset());
            }
            leaderEpoch = Math.max(epoch, leaderEpoch);
            leader = true;
            log.info("Leading {} in epoch {} from offset {}", topicPartition, leaderEpoch, partitionLog.logEndOffset());
        }
        isr = List.copyOf(newIsr);
        maybeAdvanceHighWatermark();
    }

    /** Stops serving for good: the topic was deleted. Appends in progress finish first (same lock). */
    synchronized void retire() {
        leader = false;
        isr = List.of();
    }

    /** Stops leading; the replica keeps its log. Fetching from the new leader comes with replication. */
    synchronized void becomeFollower(int epoch, int newLeader) {
        if (leader) {
            log.info("{}: broker {} leads in epoch {}; this broker follows", topicPartition, newLeader, epoch);
        }
        leader = false;
        leaderEpoch = Math.max(epoch, leaderEpoch);
        isr = List.of();
    }

    /**
     * Appends a producer's batches as leader: checks sizes and producer sequences, assigns
     * offsets, and answers a retried batch with the offsets it got the first time.
     *
     * @throws RunnelException with the error to send back; the log is unchanged when it is thrown
     */
    public synchronized AppendOutcome appendAsLeader(ByteBuffer records, short requiredAcks) {
        if (!leader) {
            throw new RunnelException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId
                    + " does not lead " + topicPartition);
        }
        PartitionSettings current = settings;
        if (requiredAcks == -1 && isr.size() < current.minInSyncReplicas()) {
            throw new RunnelException(ErrorCode.NOT_ENOUGH_REPLICAS, topicPartition + " has " + isr.size()
                    + " in-sync replica(s) " + isr + ", fewer than min.insync.replicas=" + current.minInSyncReplicas());
        }
        List<RecordBatch> batches = RecordBatch.parseAll(records);
        if (batches.isEmpty()) {
            throw new RunnelException(ErrorCode.CORRUPT_RECORD, "produce request for " + topicPartition
                    + " holds no record batch");
        }
        boolean idempotent = false;
        for (RecordBatch batch : batches) {
            if (batch.sizeInBytes() > current.maxMessageBytes()) {
                throw new RunnelException(ErrorCode.MESSAGE_TOO_LARGE, "record batch of " + batch.sizeInBytes()
                        + " bytes for " + topicPartition + " is larger than the limit of " + current.maxMessageBytes()
                        + " bytes (max.message.bytes)");
            }
            idempotent |= batch.hasProducerId();
        }
        AppendOutcome outcome = idempotent ? appendIdempotent(batches) : appendAll(records);
        maybeAdvanceHighWatermark();
        return outcome;
    }

    private AppendOutcome appendAll(ByteBuffer records) {
        AppendResult result = partitionLog.append(records, true, leaderEpoch);
        return new AppendOutcome(result.firstOffset(), result.lastOffset(), result.logAppendTime(),
                partitionLog.logStartOffset());
    }

    /**
     * Batches of idempotent producers go in one at a time, so that one duplicate among them is
     * answered from memory while the others are written. Every batch is validated and its
     * sequence checked (against the state the batches before it in the request leave) before any is
     * written, so a refused request leaves the log as it was.
     */
    private AppendOutcome appendIdempotent(List<RecordBatch> batches) {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (RecordBatch batch : batches) {
            if (batch.hasProducerId()) {
                ids.add(batch.producerId());
            }
        }
        ProducerSequences trial = producers.copy(ids);
        for (RecordBatch batch : batches) {
            batch.ensureValid();
            if (batch.lastOffsetDelta() != batch.recordCount() - 1) {
                throw new RunnelException(ErrorCode.CORRUPT_RECORD, "batch for " + topicPartition + " has "
                        + batch.recordCount() + " records but a last offset delta of " + batch.lastOffsetDelta());
            }
            if (batch.hasProducerId() && trial.check(batch).duplicateOf().isEmpty()) {
                trial.appended(batch, -1, -1);
            }
        }
        long first = -1;
        long last = -1;
        long appendTime = -1;
        try {
            for (RecordBatch batch : batches) {
                ProducerSequences.Check check = batch.hasProducerId() ? producers.check(batch) : ProducerSequences.Check.APPEND;
                long batchFirst;
                long batchLast;
                if (check.duplicateOf().isPresent()) {
                    ProducerSequences.BatchMetadata original = check.duplicateOf().get();
                    batchFirst = original.firstOffset();
                    batchLast = original.lastOffset();
                    log.debug("{}: producer {} resent sequence {}; answering with offset {}", topicPartition,
                            batch.producerId(), batch.baseSequence(), batchFirst);
                } else {
                    AppendResult result = partitionLog.append(batch.buffer(), true, leaderEpoch);
                    batchFirst = result.firstOffset();
                    batchLast = result.lastOffset();
                    appendTime = result.logAppendTime();
                    if (batch.hasProducerId()) {
                        producers.appended(batch, batchFirst, batchLast);
                    }
                }
                if (first < 0) {
                    first = batchFirst;
                }
                last = batchLast;
            }
        } finally {
            // Whatever was written before a failure (an I/O error) is readable.
            maybeAdvanceHighWatermark();
        }
        return new AppendOutcome(first, last, appendTime, partitionLog.logStartOffset());
    }

    /**
     * Reads for a consumer: whole batches from {@code offset}, below the high watermark.
     *
     * @throws RunnelException {@code OFFSET_OUT_OF_RANGE} outside the kept offsets
     */
    public Records readForConsumer(long offset, int maxBytes) {
        long hw = highWatermark;
        if (offset > hw || offset < partitionLog.logStartOffset()) {
            throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + topicPartition
                    + " is outside [" + partitionLog.logStartOffset() + ", " + hw + "]");
        }
        if (offset == hw) {
            return Records.EMPTY;
        }
        return partitionLog.read(offset, maxBytes, hw);
    }

    /** Checks a request's view of the leader epoch against this broker's. */
    public void checkLeaderEpoch(int requestEpoch) {
        if (requestEpoch < 0) {
            return;
        }
        if (requestEpoch < leaderEpoch) {
            throw new RunnelException(ErrorCode.FENCED_LEADER_EPOCH, "request for " + topicPartition + " has leader epoch "
                    + requestEpoch + ", older than this broker's " + leaderEpoch);
        }
        if (requestEpoch > leaderEpoch) {
            throw new RunnelException(ErrorCode.UNKNOWN_LEADER_EPOCH, "request for " + topicPartition + " has leader epoch "
                    + requestEpoch + ", newer than this broker's " + leaderEpoch);
        }
    }

    private void maybeAdvanceHighWatermark() {
        // Without followers (replication arrives with the cluster work) only a sole in-sync
        // leader can call its own log end committed.
        if (leader && isr.size() == 1 && isr.get(0) == localBrokerId) {
            highWatermark = partitionLog.logEndOffset();
        }
    }
}
