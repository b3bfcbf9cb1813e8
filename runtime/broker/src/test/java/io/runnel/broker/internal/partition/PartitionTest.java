package io.runnel.broker.internal.partition;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.record.Records;
import io.runnel.api.storage.AppendResult;
import io.runnel.api.storage.EpochEndOffset;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.ProducerState;
import io.runnel.api.storage.TimestampOffset;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replication rules of one partition: high watermark, ISR changes, follower appends and truncation. */
class PartitionTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final PartitionSettings SETTINGS = new PartitionSettings(1 << 20, 2);

    /** Proposals an ISR writer received: {epoch, base, proposed}. */
    private final List<List<Object>> proposals = new ArrayList<>();

    private Partition partition(InMemoryLog log, long lagMs) {
        return new Partition(TP, "id", log, 0, SETTINGS, lagMs, (p, epoch, base, proposed) ->
                proposals.add(List.of(epoch, base, proposed)));
    }

    private static ByteBuffer batch(int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null);
        for (int i = 0; i < count; i++) {
            builder.append(1_000L + i, null, new byte[]{(byte) i});
        }
        return builder.build();
    }

    private static Records fetched(long baseOffset, int epoch, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null).baseOffset(baseOffset).partitionLeaderEpoch(epoch);
        for (int i = 0; i < count; i++) {
            builder.append(1_000L + i, null, new byte[]{(byte) i});
        }
        return new MemoryRecords(builder.build());
    }

    private static Records concat(Records... parts) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Records part : parts) {
            ByteBuffer bytes = part.readAll();
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            out.writeBytes(array);
        }
        return new MemoryRecords(ByteBuffer.wrap(out.toByteArray()));
    }

    @Test
    void theHighWatermarkIsTheSmallestLogEndOverTheIsrAndNeverMovesBack() {
        InMemoryLog log = new InMemoryLog();
        Partition p = partition(log, 30_000);
        p.becomeLeader(0, List.of(0, 1, 2), List.of(0, 1, 2));
        p.appendAsLeader(batch(5), (short) -1);
        assertEquals(0, p.highWatermark(), "followers have not fetched yet");
        long now = System.currentTimeMillis();
        assertFalse(p.recordFollowerFetch(1, 5, now));
        assertEquals(0, p.highWatermark(), "broker 2's log end is still unknown");
        assertTrue(p.recordFollowerFetch(2, 3, now));
        assertEquals(3, p.highWatermark());
        assertTrue(p.recordFollowerFetch(2, 5, now));
        assertEquals(5, p.highWatermark());
        assertFalse(p.recordFollowerFetch(2, 2, now));
        assertEquals(5, p.highWatermark(), "the high watermark never moves backwards");
        assertThrows(RunnelException.class, () -> p.recordFollowerFetch(7, 5, now), "not a replica");
        assertEquals(List.of(), proposals);
    }

    @Test
    void aFollowerThatDoesNotCatchUpInTimeLeavesTheIsrAndComesBackWhenItHas() {
        InMemoryLog log = new InMemoryLog();
        Partition p = partition(log, 1_000);
        long start = System.currentTimeMillis();
        p.becomeLeader(0, List.of(0, 1, 2), List.of(0, 1, 2));
        p.appendAsLeader(batch(5), (short) -1);
        p.recordFollowerFetch(1, 5, start + 1_400);
        p.recordFollowerFetch(2, 2, start + 1_400);
        p.maybeShrinkIsr(start + 500);
        assertEquals(List.of(), proposals, "nobody lags yet");
        p.maybeShrinkIsr(start + 1_600);
        assertEquals(List.of(List.of(0, List.of(0, 1, 2), List.of(0, 1))), proposals);
        assertEquals(2, p.highWatermark(), "until the shrink is written, broker 2 still counts");
        p.maybeShrinkIsr(start + 1_700);
        assertEquals(1, proposals.size(), "one change at a time");
        assertTrue(p.isrChangeDone(0, List.of(0, 1), List.of(0, 1)));
        assertEquals(List.of(0, 1), p.isr());
        assertEquals(5, p.highWatermark());

        p.recordFollowerFetch(2, 4, start + 1_800);
        assertEquals(1, proposals.size(), "below the high watermark: not back yet");
        p.recordFollowerFetch(2, 5, start + 1_900);
        assertEquals(List.of(0, List.of(0, 1), List.of(0, 1, 2)), proposals.get(1));
        // An ISR change of an epoch this broker no longer leads in is ignored.
        assertFalse(p.isrChangeDone(1, List.of(0, 1, 2), List.of(0, 1, 2)));
        p.isrChangeDone(0, List.of(0, 1, 2), List.of(0, 1, 2));
        assertEquals(List.of(0, 1, 2), p.isr());
    }

    private static final long PRODUCER = 42;

    /** An idempotent batch of {@code count} records from {@link #PRODUCER}, starting at {@code sequence}. */
    private static RecordBatchBuilder idempotent(int sequence, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null).idempotent(PRODUCER, (short) 0, sequence);
        for (int i = 0; i < count; i++) {
            builder.append(1_000L + i, null, new byte[]{(byte) (sequence + i)});
        }
        return builder;
    }

    /** As a follower fetches it: the leader's offsets and epoch. */
    private static Records fetchedIdempotent(long baseOffset, int epoch, int sequence, int count) {
        return new MemoryRecords(idempotent(sequence, count).baseOffset(baseOffset).partitionLeaderEpoch(epoch).build());
    }

    @Test
    void aRetryOfABatchThatTruncationRemovedIsWrittenAgainNotAnsweredAsADuplicate() {
        // Found by the fault test's zombie leader: broker 0 appends a batch it cannot commit, is
        // deposed, truncates it away as follower, and later leads again. The producer's retry of
        // that batch must be written; answering it as a duplicate (with offsets the log no longer
        // has) would acknowledge a record that is not stored.
        InMemoryLog log = new InMemoryLog();
        Partition p = partition(log, 30_000);
        p.becomeLeader(0, List.of(0, 1, 2), List.of(0, 1, 2));
        assertEquals(0, p.appendAsLeader(idempotent(0, 2).build(), (short) -1).baseOffset());
        assertEquals(2, p.appendAsLeader(idempotent(2, 2).build(), (short) -1).baseOffset());

        p.becomeFollower(1, 1);
        assertTrue(p.truncateAsFollower(2, 1), "the new leader's log ends at 2");
        p.becomeLeader(2, List.of(0, 2), List.of(0, 1, 2));

        Partition.AppendOutcome retry = p.appendAsLeader(idempotent(2, 2).build(), (short) -1);
        assertEquals(2, retry.baseOffset());
        assertEquals(4, log.logEndOffset(), "the retried batch is in the log again");
    }

    @Test
    void aFollowerTracksTheProducersSequencesOfWhatItReplicatesSoItCanLeadThem() throws Exception {
        // Found by the fault test (a leader cut off from ZooKeeper): a replica that led, then
        // followed while the producer went on writing through another leader, and then led again
        // refused the producer's next batch with OUT_OF_ORDER_SEQUENCE_NUMBER ("expected" the
        // sequence after the last batch it had appended itself as leader).
        InMemoryLog log = new InMemoryLog();
        Partition p = partition(log, 30_000);
        p.becomeLeader(0, List.of(0, 1, 2), List.of(0, 1, 2));
        p.appendAsLeader(idempotent(0, 2).build(), (short) -1);

        p.becomeFollower(1, 1);
        assertTrue(p.appendAsFollower(concat(fetchedIdempotent(2, 1, 2, 2), fetchedIdempotent(4, 1, 4, 3)), 1));
        assertEquals(7, log.logEndOffset());

        p.becomeLeader(2, List.of(0, 2), List.of(0, 1, 2));
        Partition.AppendOutcome retry = p.appendAsLeader(idempotent(4, 3).build(), (short) -1);
        assertEquals(4, retry.baseOffset(), "a retry of a replicated batch is answered with its offsets");
        assertEquals(7, log.logEndOffset(), "and not written twice");
        Partition.AppendOutcome next = p.appendAsLeader(idempotent(7, 1).build(), (short) -1);
        assertEquals(7, next.baseOffset(), "the producer's next batch is in sequence");
    }

    @Test
    void aFollowerKeepsTheLeadersOffsetsAndEpochsAndRefusesAnOldEpoch() throws Exception {
        InMemoryLog log = new InMemoryLog();
        Partition p = partition(log, 30_000);
        p.becomeFollower(3, 1);
        assertTrue(p.appendAsFollower(fetched(0, 2, 4), 3));
        assertTrue(p.appendAsFollower(fetched(4, 3, 2), 3));
        assertTrue(p.appendAsFollower(fetched(4, 3, 2), 3), "a batch it already has is skipped");
        assertEquals(6, log.logEndOffset());
        assertEquals(Optional.of(new EpochEndOffset(2, 4)), log.endOffsetForEpoch(2));
        assertEquals(Optional.of(new EpochEndOffset(3, 6)), log.endOffsetForEpoch(3));
        p.updateHighWatermarkAsFollower(10, 3);
        assertEquals(6, p.highWatermark(), "capped at the follower's own log end");

        assertFalse(p.appendAsFollower(fetched(6, 3, 1), 2), "a fetch of an older epoch must not write");
        assertFalse(p.truncateAsFollower(0, 4));
        assertEquals(6, log.logEndOffset());
        assertTrue(p.truncateAsFollower(4, 3));
        assertEquals(4, log.logEndOffset());
        assertEquals(4, p.highWatermark());
        assertEquals(Optional.of(new EpochEndOffset(2, 4)), log.endOffsetForEpoch(3));

        // One fetch that starts with a batch the follower has, then two of a newer epoch: one append.
        assertTrue(p.appendAsFollower(concat(fetched(0, 2, 4), fetched(4, 3, 1), fetched(5, 3, 2)), 3));
        assertEquals(7, log.logEndOffset());
        assertEquals(Optional.of(new EpochEndOffset(2, 4)), log.endOffsetForEpoch(2));
        assertEquals(Optional.of(new EpochEndOffset(3, 7)), log.endOffsetForEpoch(3));

        RunnelException notLeader = assertThrows(RunnelException.class, () -> p.appendAsLeader(batch(1), (short) 1));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, notLeader.errorCode());
    }

    @Test
    void aLeaderReadsToTheLogEndForFollowersAndToTheHighWatermarkForConsumers() throws Exception {
        InMemoryLog log = new InMemoryLog();
        Partition p = partition(log, 30_000);
        p.becomeLeader(0, List.of(0, 1), List.of(0, 1));
        p.appendAsLeader(batch(3), (short) 1);
        assertEquals(0, p.readForConsumer(0, 1 << 20).sizeInBytes());
        assertTrue(p.readForReplica(0, 1 << 20).sizeInBytes() > 0);
        assertEquals(0, p.readForReplica(3, 1 << 20).sizeInBytes());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(RunnelException.class, () -> p.readForReplica(4, 1 << 20)).errorCode());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(RunnelException.class, () -> p.readForConsumer(4, 1 << 20)).errorCode());
        p.recordFollowerFetch(1, 3, System.currentTimeMillis());
        assertEquals(3, RecordBatch.parseAll(p.readForConsumer(0, 1 << 20).readAll()).get(0).recordCount());
    }

    /** A log in memory: whole batches, leader epochs, truncation; enough for the partition's rules. */
    static final class InMemoryLog implements PartitionLog {
        private final List<RecordBatch> batches = new ArrayList<>();
        private final TreeMap<Integer, Long> epochs = new TreeMap<>();
        private long end;

        @Override
        public TopicPartition topicPartition() {
            return TP;
        }

        @Override
        public synchronized AppendResult append(ByteBuffer buffer, boolean assignOffsets, int leaderEpoch) {
            long first = -1;
            for (RecordBatch b : RecordBatch.parseAll(buffer)) {
                ByteBuffer copy = ByteBuffer.allocate(b.sizeInBytes()).put(b.buffer().duplicate()).flip();
                RecordBatch batch = RecordBatch.wrap(copy);
                if (assignOffsets) {
                    batch.setBaseOffset(end);
                    batch.setPartitionLeaderEpoch(leaderEpoch);
                } else if (batch.baseOffset() != end) {
                    throw new IllegalStateException("batch at " + batch.baseOffset() + " does not follow " + end);
                }
                first = first < 0 ? batch.baseOffset() : first;
                batches.add(batch);
                end = batch.nextOffset();
            }
            return new AppendResult(first, end - 1, -1);
        }

        @Override
        public synchronized Records read(long offset, int maxBytes, long maxOffset) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (RecordBatch b : batches) {
                if (b.lastOffset() >= offset && b.baseOffset() < maxOffset) {
                    ByteBuffer bytes = b.buffer().duplicate();
                    byte[] array = new byte[bytes.remaining()];
                    bytes.get(array);
                    out.writeBytes(array);
                }
            }
            return new MemoryRecords(ByteBuffer.wrap(out.toByteArray()));
        }

        @Override
        public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
            return Optional.empty();
        }

        @Override
        public long logStartOffset() {
            return 0;
        }

        @Override
        public synchronized long logEndOffset() {
            return end;
        }

        @Override
        public synchronized void truncateTo(long offset) {
            batches.removeIf(b -> b.baseOffset() >= offset);
            end = batches.isEmpty() ? 0 : batches.get(batches.size() - 1).nextOffset();
            epochs.values().removeIf(start -> start >= end);
        }

        @Override
        public long enforceRetention(long nowMs) {
            return 0;
        }

        @Override
        public void flush() {
        }

        @Override
        public synchronized void assignEpochStartOffset(int epoch, long startOffset) {
            if (epochs.isEmpty() || epoch > epochs.lastKey()) {
                epochs.put(epoch, startOffset);
            }
        }

        @Override
        public synchronized Optional<EpochEndOffset> endOffsetForEpoch(int epoch) {
            Map.Entry<Integer, Long> floor = epochs.floorEntry(epoch);
            if (floor == null) {
                return Optional.empty();
            }
            Map.Entry<Integer, Long> higher = epochs.higherEntry(floor.getKey());
            return Optional.of(new EpochEndOffset(floor.getKey(), higher == null ? end : higher.getValue()));
        }

        @Override
        public Optional<ProducerState> producerState(long producerId) {
            return Optional.empty();
        }

        @Override
        public long sizeInBytes() {
            return 0;
        }
    }
}
