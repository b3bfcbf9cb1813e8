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
 *
 * <p>As leader it tracks each follower's log end offset (the offset of its last fetch) and when it
 * was last caught up; the high watermark is the smallest log end offset over the in-sync replicas
 * and never moves backwards. ISR changes are proposed to an {@link IsrWriter}, which writes them
 * to the partition state; until a change is written the high watermark counts the larger of the
 * two sets, and {@code min.insync.replicas} the written one. As follower it appends what the
 * replica fetcher brings, without assigning offsets, and takes the high watermark the leader
 * sends (capped at its own log end). Every change of the high watermark is recorded with the log
 * ({@link PartitionLog#recordHighWatermark}), whose engine checkpoints it, so a restarted broker
 * starts from the last checkpointed value rather than from 0.
 */
public final class Partition {
    private static final Logger log = LoggerFactory.getLogger(Partition.class);

    /** Where a produce request's data for this partition went, and in which leader epoch. */
    public record AppendOutcome(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset, int leaderEpoch) {
    }

    /**
     * Writes a leader's ISR change to the partition state (asynchronously), then reports back
     * through {@link #isrChangeDone}. The change is {@code base} → {@code proposed}; a writer that
     * finds another ISR in the state applies the same additions and removals to it.
     */
    public interface IsrWriter {
        void propose(Partition partition, int leaderEpoch, List<Integer> base, List<Integer> proposed);
    }

    /** What the leader knows of one follower. Guarded by the partition's lock. */
    private static final class ReplicaState {
        long logEndOffset = -1;
        long lastCaughtUpMs;
        long lastFetchMs;
        long leaderEndAtLastFetch = -1;

        ReplicaState(long nowMs) {
            this.lastCaughtUpMs = nowMs;
        }
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
    private volatile int leaderId = -1;
    /** The leader's view of its followers, by broker id; empty on a follower. */
    private final java.util.Map<Integer, ReplicaState> followers = new java.util.HashMap<>();
    /** An ISR change being written, or null. */
    private List<Integer> pendingIsr;
    /** Where this broker's current leader epoch started in its log, as leader. */
    private long leaderEpochStartOffset;
    private final long replicaLagMaxMs;
    private final IsrWriter isrWriter;

    Partition(TopicPartition topicPartition, String topicId, PartitionLog partitionLog, int localBrokerId,
              PartitionSettings settings) {
        this(topicPartition, topicId, partitionLog, localBrokerId, settings, 30_000, (p, e, base, isr) -> { });
    }

    Partition(TopicPartition topicPartition, String topicId, PartitionLog partitionLog, int localBrokerId,
              PartitionSettings settings, long replicaLagMaxMs, IsrWriter isrWriter) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.partitionLog = partitionLog;
        this.localBrokerId = localBrokerId;
        this.settings = settings;
        this.replicaLagMaxMs = replicaLagMaxMs;
        this.isrWriter = isrWriter;
        this.producers = new ProducerSequences(topicPartition.toString(), partitionLog::producerState);
        this.highWatermark = Math.min(partitionLog.recordedHighWatermark(), partitionLog.logEndOffset());
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

    public int minInSyncReplicas() {
        return settings.minInSyncReplicas();
    }

    /** The broker this replica follows (or this broker, when it leads); -1 if none is known. */
    public int leaderId() {
        return leaderId;
    }

    void updateSettings(PartitionSettings settings) {
        this.settings = settings;
    }

    /**
     * Takes leadership in {@code epoch}; a stale or repeated epoch only refreshes the ISR. Every
     * follower starts as caught up now, with an unknown log end offset (so the high watermark
     * waits for their first fetch).
     */
    synchronized void becomeLeader(int epoch, List<Integer> newIsr, List<Integer> replicas) {
        long now = System.currentTimeMillis();
        if (epoch > leaderEpoch || !leader) {
            if (epoch > leaderEpoch) {
                partitionLog.assignEpochStartOffset(epoch, partitionLog.logEndOffset());
            }
            leaderEpoch = Math.max(epoch, leaderEpoch);
            leader = true;
            leaderId = localBrokerId;
            leaderEpochStartOffset = partitionLog.logEndOffset();
            followers.clear();
            pendingIsr = null;
            log.info("Leading {} in epoch {} from offset {}, ISR {}", topicPartition, leaderEpoch,
                    partitionLog.logEndOffset(), newIsr);
        }
        for (int replica : replicas) {
            if (replica != localBrokerId) {
                followers.computeIfAbsent(replica, r -> new ReplicaState(now));
            }
        }
        isr = List.copyOf(newIsr);
        if (pendingIsr != null && pendingIsr.equals(isr)) {
            pendingIsr = null;
        }
        maybeAdvanceHighWatermark();
    }

    /** Stops serving for good: the topic was deleted. Appends in progress finish first (same lock). */
    synchronized void retire() {
        leader = false;
        isr = List.of();
        followers.clear();
        pendingIsr = null;
    }

    /**
     * Follows {@code newLeader} in {@code epoch}; the replica keeps its log (the fetcher truncates
     * it to the leader's history before fetching).
     */
    synchronized void becomeFollower(int epoch, int newLeader) {
        if (leader) {
            log.info("{}: broker {} leads in epoch {}; this broker follows", topicPartition, newLeader, epoch);
        }
        leader = false;
        leaderId = newLeader;
        leaderEpoch = Math.max(epoch, leaderEpoch);
        isr = List.of();
        followers.clear();
        pendingIsr = null;
    }

    // ---- follower side --------------------------------------------------------------------

    /** Whether this replica still follows in {@code epoch}: what the fetcher checks before changing the log. */
    private boolean followsIn(int epoch) {
        return !leader && leaderEpoch == epoch;
    }

    /**
     * Appends batches fetched from the leader in {@code epoch}, keeping their offsets and recording
     * the leader epochs they carry; batches this log already has are skipped.
     *
     * @return false if this replica no longer follows in that epoch (nothing was written)
     */
    public synchronized boolean appendAsFollower(Records records, int epoch) {
        if (!followsIn(epoch)) {
            return false;
        }
        ByteBuffer buffer;
        if (records instanceof io.runnel.api.record.MemoryRecords memory) {
            buffer = memory.buffer(); // the fetcher's own response buffer: no copy needed
        } else {
            try {
                buffer = records.readAll();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        List<RecordBatch> batches = RecordBatch.parseAll(buffer.duplicate());
        long end = partitionLog.logEndOffset();
        int skipBytes = 0;
        int lastEpoch = -1;
        boolean any = false;
        for (RecordBatch batch : batches) {
            if (batch.nextOffset() <= end) {
                skipBytes += batch.sizeInBytes(); // already here (a fetch from inside a batch)
                continue;
            }
            any = true;
            int batchEpoch = batch.partitionLeaderEpoch();
            if (batchEpoch >= 0 && batchEpoch != lastEpoch) {
                // Where each epoch starts; the log ignores an epoch it knows or one older than its latest.
                partitionLog.assignEpochStartOffset(batchEpoch, batch.baseOffset());
                lastEpoch = batchEpoch;
            }
        }
        if (any) {
            // The batches after the skipped ones are contiguous: one append.
            partitionLog.append(buffer.duplicate().position(buffer.position() + skipBytes), false, lastEpoch);
            // Keep the producers' sequences in step with the log, as the leader does: if this
            // replica leads later, a producer's next batch and its retries are judged by them.
            for (RecordBatch batch : batches) {
                if (batch.nextOffset() > end && batch.hasProducerId()) {
                    producers.appended(batch, batch.baseOffset(), batch.lastOffset());
                }
            }
        }
        return true;
    }

    /** Takes the leader's high watermark, capped at this log's end; it never moves backwards. */
    public synchronized void updateHighWatermarkAsFollower(long leaderHighWatermark, int epoch) {
        if (!followsIn(epoch)) {
            return;
        }
        long hw = Math.min(leaderHighWatermark, partitionLog.logEndOffset());
        if (hw > highWatermark) {
            setHighWatermark(hw);
        }
    }

    /** Truncates a follower's log to {@code offset}, where it leaves the leader's history. */
    public synchronized boolean truncateAsFollower(long offset, int epoch) {
        if (!followsIn(epoch)) {
            return false;
        }
        long end = partitionLog.logEndOffset();
        if (offset < end) {
            log.info("{}: truncating the log from offset {} to {} to follow broker {} in epoch {}", topicPartition, end,
                    offset, leaderId, epoch);
            partitionLog.truncateTo(offset);
            // Batches cut off are no longer written: a retry of one must be appended again, not
            // answered as a duplicate with offsets the log no longer has.
            producers.truncateTo(partitionLog.logEndOffset());
            if (highWatermark > partitionLog.logEndOffset()) {
                // Only uncommitted data can be truncated; the high watermark learned before stays valid
                // for the leader's log, but this replica may not claim what it no longer has.
                setHighWatermark(partitionLog.logEndOffset());
            }
        }
        return true;
    }

    /**
     * Empties a follower's log and restarts it at the leader's log start offset {@code offset}:
     * what this replica needs next is no longer kept by the leader (it fell to retention while this
     * replica was away).
     */
    public synchronized boolean restartAsFollowerAt(long offset, int epoch) {
        if (!followsIn(epoch)) {
            return false;
        }
        log.info("{}: the log ends at offset {} but leader {} keeps offsets from {} on; emptying it to restart there",
                topicPartition, partitionLog.logEndOffset(), leaderId, offset);
        partitionLog.truncateFullyAndStartAt(offset);
        // Everything below the leader's log start was committed, and this replica holds none of it.
        setHighWatermark(offset);
        return true;
    }

    private void setHighWatermark(long hw) {
        highWatermark = hw;
        partitionLog.recordHighWatermark(hw);
    }

    // ---- leader side ----------------------------------------------------------------------

    /**
     * Records a follower's fetch at {@code fetchOffset} (its log end offset): whether it is caught
     * up, whether it may rejoin the ISR, and whether the high watermark moves.
     *
     * @return whether the high watermark moved
     */
    public synchronized boolean recordFollowerFetch(int replicaId, long fetchOffset, long nowMs) {
        if (!leader) {
            return false;
        }
        ReplicaState state = followers.get(replicaId);
        if (state == null) {
            throw new RunnelException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + replicaId + " is not a replica of "
                    + topicPartition);
        }
        long leaderEnd = partitionLog.logEndOffset();
        if (fetchOffset >= leaderEnd) {
            state.lastCaughtUpMs = Math.max(state.lastCaughtUpMs, nowMs);
        } else if (fetchOffset >= state.leaderEndAtLastFetch && state.leaderEndAtLastFetch >= 0) {
            state.lastCaughtUpMs = Math.max(state.lastCaughtUpMs, state.lastFetchMs);
        }
        state.logEndOffset = fetchOffset;
        state.lastFetchMs = nowMs;
        state.leaderEndAtLastFetch = leaderEnd;
        if (pendingIsr == null && !isr.contains(replicaId) && fetchOffset >= highWatermark
                && fetchOffset >= leaderEpochStartOffset) {
            List<Integer> expanded = new java.util.ArrayList<>(isr);
            expanded.add(replicaId);
            proposeIsr(expanded);
        }
        return maybeAdvanceHighWatermark();
    }

    /** Drops the in-sync followers that have not caught up within {@code replica.lag.time.max.ms}. */
    synchronized void maybeShrinkIsr(long nowMs) {
        if (!leader || pendingIsr != null) {
            return;
        }
        List<Integer> kept = new java.util.ArrayList<>();
        for (int replica : isr) {
            ReplicaState state = followers.get(replica);
            if (replica == localBrokerId || state == null || nowMs - state.lastCaughtUpMs <= replicaLagMaxMs) {
                kept.add(replica);
            }
        }
        if (kept.size() < isr.size()) {
            proposeIsr(kept);
        }
    }

    private void proposeIsr(List<Integer> newIsr) {
        pendingIsr = List.copyOf(newIsr);
        isrWriter.propose(this, leaderEpoch, isr, pendingIsr);
    }

    /**
     * The ISR change {@code proposed} in {@code epoch} is over: the state now holds {@code written},
     * or the change was given up ({@code written} null).
     *
     * @return whether the high watermark moved
     */
    synchronized boolean isrChangeDone(int epoch, List<Integer> proposed, List<Integer> written) {
        if (!leader || leaderEpoch != epoch || pendingIsr == null || !pendingIsr.equals(proposed)) {
            return false;
        }
        pendingIsr = null;
        if (written != null) {
            isr = List.copyOf(written);
        }
        return maybeAdvanceHighWatermark();
    }

    /** Reads for a follower: whole batches from {@code offset}, up to the log end. */
    public Records readForReplica(long offset, int maxBytes) {
        long end = partitionLog.logEndOffset();
        if (offset > end || offset < partitionLog.logStartOffset()) {
            throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + topicPartition
                    + " is outside [" + partitionLog.logStartOffset() + ", " + end + "]");
        }
        if (offset == end) {
            return Records.EMPTY;
        }
        return partitionLog.read(offset, maxBytes, end);
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
                partitionLog.logStartOffset(), leaderEpoch);
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
        return new AppendOutcome(first, last, appendTime, partitionLog.logStartOffset(), leaderEpoch);
    }

    /**
     * Reads for a consumer: whole batches from {@code offset}, below the high watermark. An offset
     * between the high watermark and the log end gets nothing yet (it is there, not committed: the
     * case after a restart, while the high watermark is learned again).
     *
     * @throws RunnelException {@code OFFSET_OUT_OF_RANGE} outside the kept offsets
     */
    public Records readForConsumer(long offset, int maxBytes) {
        long hw = highWatermark;
        long end = partitionLog.logEndOffset();
        if (offset > Math.max(hw, end) || offset < partitionLog.logStartOffset()) {
            throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + topicPartition
                    + " is outside [" + partitionLog.logStartOffset() + ", " + end + "]");
        }
        if (offset >= hw) {
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

    /**
     * Moves the high watermark to the smallest log end offset over the ISR (counting a pending
     * change's members too), if that is higher. A follower whose offset is not known yet holds it.
     *
     * @return whether it moved
     */
    private boolean maybeAdvanceHighWatermark() {
        if (!leader) {
            return false;
        }
        java.util.Set<Integer> members = new java.util.HashSet<>(isr);
        if (pendingIsr != null) {
            members.addAll(pendingIsr);
        }
        long candidate = partitionLog.logEndOffset();
        for (int replica : members) {
            if (replica == localBrokerId) {
                continue;
            }
            ReplicaState state = followers.get(replica);
            if (state == null || state.logEndOffset < 0) {
                return false;
            }
            candidate = Math.min(candidate, state.logEndOffset);
        }
        if (candidate > highWatermark) {
            setHighWatermark(candidate);
            return true;
        }
        return false;
    }
}
