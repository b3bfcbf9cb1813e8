package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.record.Records;
import io.runnel.api.storage.AppendResult;
import io.runnel.api.storage.EpochEndOffset;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.ProducerState;
import io.runnel.api.storage.TimestampOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static io.runnel.plugin.storage.segmentedlog.Batches.batch;
import static io.runnel.plugin.storage.segmentedlog.Batches.decode;
import static io.runnel.plugin.storage.segmentedlog.Batches.valueNumber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class SegmentedLogTest {
    private static final TopicPartition TP = new TopicPartition("events", 0);

    @TempDir
    Path logDir;

    private TestContext context;
    private SegmentedLogEngine engine;

    @BeforeEach
    void start() {
        context = new TestContext(logDir);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        context.close();
    }

    private PartitionLog open(Map<String, String> brokerConfig, Map<String, String> topicConfig) {
        engine = new SegmentedLogEngine(context, brokerConfig);
        engine.recover();
        return engine.open(TP, topicConfig);
    }

    private PartitionLog open() {
        return open(Map.of(), Map.of());
    }

    /** Appends {@code batches} batches of {@code perBatch} records; value n lands at offset n. */
    private static void fill(PartitionLog log, int batches, int perBatch, int valueSize, long timestamp) {
        for (int b = 0; b < batches; b++) {
            int first = (int) log.logEndOffset();
            log.append(batch(first, perBatch, valueSize, timestamp), true, 0);
        }
    }

    private static List<Record> readAll(PartitionLog log, long from) {
        List<Record> records = new java.util.ArrayList<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            Records chunk = log.read(offset, 64 * 1024, Long.MAX_VALUE);
            List<Record> decoded = decode(chunk);
            assertFalse(decoded.isEmpty(), "no progress reading at offset " + offset);
            records.addAll(decoded);
            offset = decoded.get(decoded.size() - 1).offset() + 1;
        }
        return records;
    }

    private static void assertContiguous(List<Record> records, long from, long to) {
        assertEquals(to - from, records.size(), "records from " + from + " to " + to);
        for (int i = 0; i < records.size(); i++) {
            assertEquals(from + i, records.get(i).offset());
            assertEquals(from + i, valueNumber(records.get(i)), "value written for offset " + (from + i));
        }
    }

    @Test
    void appendsAssignOffsetsAndReadsBackEveryRecord() {
        PartitionLog log = open();
        AppendResult first = log.append(batch(0, 10, 20, 1000L), true, 3);
        assertEquals(new AppendResult(0, 9, -1), first);
        fill(log, 99, 10, 20, 1000L);
        assertEquals(1000, log.logEndOffset());
        assertEquals(0, log.logStartOffset());
        assertContiguous(readAll(log, 0), 0, 1000);
        // From the middle of a batch: the whole batch that holds it comes back.
        List<Record> middle = decode(log.read(555, 1, Long.MAX_VALUE));
        assertEquals(550, middle.get(0).offset());
        RecordBatch stored = RecordBatch.parseAll(readBytes(log.read(0, 1, Long.MAX_VALUE))).get(0);
        assertEquals(3, stored.partitionLeaderEpoch());
    }

    private static ByteBuffer readBytes(Records records) {
        try {
            return records.readAll();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void readsWholeBatchesWithinMaxBytesAndBelowMaxOffset() {
        PartitionLog log = open();
        fill(log, 20, 5, 100, 1000L);
        int batchSize = log.read(0, 1, Long.MAX_VALUE).sizeInBytes();
        assertTrue(batchSize > 500, "one batch at least, even if larger than max bytes: " + batchSize);
        assertEquals(batchSize * 3, log.read(0, batchSize * 3 + batchSize / 2, Long.MAX_VALUE).sizeInBytes());
        // Nothing whose last offset reaches maxOffset (the high watermark).
        List<Record> belowHw = decode(log.read(0, 1 << 20, 23));
        assertEquals(20, belowHw.size(), "batches 0-4 .. 15-19 end below 23; 20-24 does not");
        assertEquals(0, log.read(20, 1 << 20, 23).sizeInBytes());
        assertEquals(0, log.read(100, 1 << 20, Long.MAX_VALUE).sizeInBytes(), "at the log end");
        RunnelException e = assertThrows(RunnelException.class, () -> log.read(101, 100, Long.MAX_VALUE));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, e.errorCode());
        assertTrue(e.getMessage().contains("offsets 0 to 99"), e.getMessage());
    }

    @Test
    void rollsBySizeIntoSegmentsNamedByBaseOffset() throws Exception {
        PartitionLog log = open(Map.of(), Map.of("segment.bytes", "10000"));
        fill(log, 100, 10, 50, 1000L);
        SegmentedLog segmented = (SegmentedLog) log;
        assertTrue(segmented.segmentCount() > 5, "segments: " + segmented.segmentCount());
        for (LogSegment segment : segmented.segments()) {
            assertTrue(segment.size() <= 10000, segment.toString());
            assertTrue(Files.exists(logDir.resolve("events-0").resolve(String.format("%020d.log", segment.baseOffset()))));
            assertTrue(Files.exists(logDir.resolve("events-0").resolve(String.format("%020d.index", segment.baseOffset()))));
            assertTrue(Files.exists(logDir.resolve("events-0").resolve(String.format("%020d.timeindex", segment.baseOffset()))));
        }
        assertContiguous(readAll(log, 0), 0, 1000);
        assertContiguous(readAll(log, 777), 770, 1000);
    }

    @Test
    void rollsByAge() {
        PartitionLog log = open(Map.of(), Map.of("segment.ms", "60000"));
        fill(log, 3, 1, 10, 1000L);
        context.now.addAndGet(60_000);
        fill(log, 1, 1, 10, 1000L);
        assertEquals(2, ((SegmentedLog) log).segmentCount());
    }

    @Test
    void sparseIndexFindsEveryOffset() throws Exception {
        PartitionLog log = open(Map.of(), Map.of("index.interval.bytes", "1024", "segment.bytes", "200000"));
        Random random = new Random(1);
        for (int i = 0; i < 300; i++) {
            int first = (int) log.logEndOffset();
            log.append(batch(first, 1 + random.nextInt(5), random.nextInt(300), 1000L), true, 0);
        }
        SegmentedLog segmented = (SegmentedLog) log;
        LogSegment firstSegment = segmented.segments().get(0);
        int entries = firstSegment.offsetIndex().entries();
        assertTrue(entries > firstSegment.size() / 1024 / 2 && entries <= firstSegment.size() / 1024 + 1,
                entries + " index entries for " + firstSegment.size() + " bytes");
        for (long offset = 0; offset < log.logEndOffset(); offset++) {
            List<Record> records = decode(log.read(offset, 1, Long.MAX_VALUE));
            long target = offset;
            assertTrue(records.stream().anyMatch(r -> r.offset() == target), "offset " + offset);
        }
    }

    @Test
    void findsTheFirstBatchAtOrAfterATimestamp() {
        PartitionLog log = open(Map.of(), Map.of("segment.bytes", "4000", "index.interval.bytes", "200"));
        // Timestamps mostly rise, with a batch that goes back in time.
        long[] timestamps = new long[60];
        for (int i = 0; i < 60; i++) {
            timestamps[i] = 10_000L + i * 100L - (i % 10 == 7 ? 550L : 0L);
            log.append(batch(i, 1, 100, timestamps[i]), true, 0);
        }
        for (long target = 9_000L; target <= 16_000L; target += 37) {
            Optional<TimestampOffset> found = log.offsetForTimestamp(target);
            int expected = -1;
            for (int i = 0; i < 60; i++) {
                if (timestamps[i] >= target) {
                    expected = i;
                    break;
                }
            }
            if (expected < 0) {
                assertTrue(found.isEmpty(), "nothing at or after " + target);
            } else {
                assertEquals(new TimestampOffset(timestamps[expected], expected), found.orElseThrow(),
                        "first batch at or after " + target);
            }
        }
    }

    @Test
    void retentionByTimeDeletesOldSegmentsAndMovesTheLogStart() throws Exception {
        PartitionLog log = open(Map.of(), Map.of("segment.bytes", "3000", "retention.ms", "3600000",
                "file.delete.delay.ms", "0"));
        long old = context.now.get() - 7_200_000L;
        fill(log, 30, 5, 50, old);
        long oldEnd = log.logEndOffset();
        fill(log, 30, 5, 50, context.now.get());
        int before = ((SegmentedLog) log).segmentCount();
        long freed = log.enforceRetention(context.now.get());
        assertTrue(freed > 0);
        assertTrue(((SegmentedLog) log).segmentCount() < before);
        assertTrue(log.logStartOffset() > 0 && log.logStartOffset() <= oldEnd, "log start " + log.logStartOffset());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(RunnelException.class, () -> log.read(0, 100, Long.MAX_VALUE)).errorCode());
        assertContiguous(readAll(log, log.logStartOffset()), log.logStartOffset(), log.logEndOffset());
        waitForFilesGone(log);
    }

    private void waitForFilesGone(PartitionLog log) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Stream<Path> files = Files.list(logDir.resolve("events-0"))) {
                long stale = files.filter(f -> f.toString().endsWith(".deleted")).count();
                long logs = Files.list(logDir.resolve("events-0")).filter(f -> f.toString().endsWith(".log")).count();
                if (stale == 0 && logs == ((SegmentedLog) log).segmentCount()) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("deleted segment files still present");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void retentionBySizeKeepsTheLogUnderTheLimit() {
        PartitionLog log = open(Map.of(), Map.of("segment.bytes", "2000", "retention.bytes", "10000",
                "file.delete.delay.ms", "0"));
        fill(log, 100, 4, 40, context.now.get());
        log.enforceRetention(context.now.get());
        assertTrue(log.sizeInBytes() <= 10000 + 2000, "size " + log.sizeInBytes());
        assertTrue(log.sizeInBytes() > 10000 - 2000, "kept as much as the limit allows: " + log.sizeInBytes());
        assertContiguous(readAll(log, log.logStartOffset()), log.logStartOffset(), 400);
    }

    @Test
    void refusesCorruptOrCutBatchesAndLeavesTheLogUntouched() throws Exception {
        PartitionLog log = open();
        fill(log, 5, 2, 10, 1000L);
        long sizeBefore = Files.size(logDir.resolve("events-0/00000000000000000000.log"));

        ByteBuffer badCrc = batch(10, 2, 10, 1000L);
        badCrc.put(badCrc.limit() - 1, (byte) (badCrc.get(badCrc.limit() - 1) ^ 1));
        RunnelException e = assertThrows(RunnelException.class, () -> log.append(badCrc, true, 0));
        assertEquals(ErrorCode.CORRUPT_RECORD, e.errorCode());
        assertTrue(e.getMessage().contains("CRC"), e.getMessage());

        ByteBuffer good = batch(10, 2, 10, 1000L);
        ByteBuffer cut = good.duplicate().limit(good.limit() - 5);
        assertEquals(ErrorCode.CORRUPT_RECORD, assertThrows(RunnelException.class, () -> log.append(cut, true, 0)).errorCode());

        // A good batch followed by a bad one: nothing of the request is written.
        ByteBuffer mixed = ByteBuffer.allocate(good.remaining() + badCrc.remaining()).put(good.duplicate())
                .put(badCrc.duplicate()).flip();
        assertThrows(RunnelException.class, () -> log.append(mixed, true, 0));

        assertEquals(10, log.logEndOffset());
        assertEquals(sizeBefore, Files.size(logDir.resolve("events-0/00000000000000000000.log")));
        assertContiguous(readAll(log, 0), 0, 10);
    }

    @Test
    void followerAppendsKeepTheLeadersOffsetsAndRefuseGoingBack() {
        PartitionLog log = open();
        ByteBuffer first = new RecordBatchBuilder(null).baseOffset(0).partitionLeaderEpoch(4)
                .append(1L, null, Batches.value(0, 5)).append(1L, null, Batches.value(1, 5)).build();
        log.append(first, false, -1);
        assertEquals(2, log.logEndOffset());
        assertEquals(Optional.of(new EpochEndOffset(4, 2)), log.endOffsetForEpoch(4), "epoch learnt from the batch");
        ByteBuffer stale = new RecordBatchBuilder(null).baseOffset(1).append(1L, null, Batches.value(1, 5)).build();
        RunnelException e = assertThrows(RunnelException.class, () -> log.append(stale, false, -1));
        assertTrue(e.getMessage().contains("does not follow the log"), e.getMessage());
        assertEquals(2, log.logEndOffset());
    }

    @Test
    void truncationRemovesWholeBatchesAndTheStateThatCameWithThem() {
        PartitionLog log = open(Map.of(), Map.of("segment.bytes", "2000"));
        log.assignEpochStartOffset(1, 0);
        for (int i = 0; i < 40; i++) {
            int first = (int) log.logEndOffset();
            ByteBuffer b = new RecordBatchBuilder(null).idempotent(9L, (short) 0, first)
                    .append(1000L, null, Batches.value(first, 40)).append(1000L, null, Batches.value(first + 1, 40)).build();
            if (i == 20) {
                log.assignEpochStartOffset(2, first);
            }
            log.append(b, true, i < 20 ? 1 : 2);
        }
        assertEquals(80, log.logEndOffset());
        int segmentsBefore = ((SegmentedLog) log).segmentCount();

        log.truncateTo(51); // inside batch 50-51: the whole batch goes
        assertEquals(50, log.logEndOffset());
        assertTrue(((SegmentedLog) log).segmentCount() < segmentsBefore);
        assertContiguous(readAll(log, 0), 0, 50);
        assertEquals(Optional.of(new EpochEndOffset(2, 50)), log.endOffsetForEpoch(2));
        assertEquals(Optional.of(new EpochEndOffset(1, 40)), log.endOffsetForEpoch(1));
        ProducerState producer = log.producerState(9L).orElseThrow();
        assertEquals(49, producer.lastSequence());
        assertEquals(49, producer.lastOffset());

        log.truncateTo(30);
        assertEquals(30, log.logEndOffset());
        assertEquals(Optional.of(new EpochEndOffset(1, 30)), log.endOffsetForEpoch(2), "epoch 2 started later, so it is gone");

        fill(log, 5, 2, 40, 1000L);
        assertContiguous(readAll(log, 0), 0, 40);

        log.truncateTo(0);
        assertEquals(0, log.logEndOffset());
        assertTrue(log.producerState(9L).isEmpty());
        fill(log, 1, 3, 10, 1000L);
        assertContiguous(readAll(log, 0), 0, 3);
    }

    @Test
    void leaderEpochsAnswerWhereEachEpochEnded() {
        PartitionLog log = open();
        log.assignEpochStartOffset(0, 0);
        fill(log, 2, 5, 10, 1000L);
        log.assignEpochStartOffset(3, 10);
        fill(log, 1, 5, 10, 1000L);
        assertEquals(Optional.of(new EpochEndOffset(0, 10)), log.endOffsetForEpoch(0));
        assertEquals(Optional.of(new EpochEndOffset(0, 10)), log.endOffsetForEpoch(2), "an unknown epoch ends where the next known one starts");
        assertEquals(Optional.of(new EpochEndOffset(3, 15)), log.endOffsetForEpoch(3));
        assertEquals(Optional.of(new EpochEndOffset(3, 15)), log.endOffsetForEpoch(7));
        log.assignEpochStartOffset(2, 12);
        assertEquals(Optional.of(new EpochEndOffset(3, 15)), log.endOffsetForEpoch(3), "older epochs are not assigned");
    }

    @Test
    void logAppendTimeStampsTheBatchAndKeepsItValid() {
        PartitionLog log = open(Map.of(), Map.of("message.timestamp.type", "LogAppendTime"));
        AppendResult result = log.append(batch(0, 3, 10, 5L), true, 0);
        assertEquals(context.now.get(), result.logAppendTime());
        RecordBatch stored = RecordBatch.parseAll(readBytes(log.read(0, 100, Long.MAX_VALUE))).get(0);
        stored.ensureValid();
        assertEquals(context.now.get(), stored.maxTimestamp());
        assertTrue(decode(log.read(0, 100, Long.MAX_VALUE)).stream().allMatch(r -> r.timestamp() == context.now.get()));
    }

    @Test
    void flushOnAppendAndFlushMessagesMoveTheRecoveryPoint() {
        SegmentedLog eager = (SegmentedLog) open(Map.of(), Map.of("flush.on.append", "true"));
        fill(eager, 1, 3, 10, 1000L);
        assertEquals(3, eager.recoveryPoint());
        engine.close();
        engine = null;

        Map<String, String> broker = new HashMap<>();
        broker.put("log.flush.interval.messages", "10");
        SegmentedLog counted = (SegmentedLog) open(broker, Map.of());
        long start = counted.recoveryPoint();
        fill(counted, 2, 3, 10, 1000L);
        assertEquals(start, counted.recoveryPoint(), "6 messages: not yet");
        fill(counted, 2, 3, 10, 1000L);
        assertEquals(counted.logEndOffset(), counted.recoveryPoint(), "12 messages: flushed");
    }

    @Test
    void badTopicSettingsNameTheTopicKey() {
        engine = new SegmentedLogEngine(context, Map.of());
        engine.recover();
        RunnelException e = assertThrows(RunnelException.class, () -> engine.open(TP, Map.of("segment.bytes", "ten")));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertTrue(e.getMessage().contains("'ten' for segment.bytes"), e.getMessage());
    }
}
