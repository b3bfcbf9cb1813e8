package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.storage.PartitionLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.runnel.plugin.storage.segmentedlog.Batches.batch;
import static io.runnel.plugin.storage.segmentedlog.Batches.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Races and sequences that once lost data or crashed the JVM. */
@Timeout(120)
class HazardTest {
    private static final TopicPartition TP = new TopicPartition("hazard", 0);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private SegmentedLogEngine engine(Map<String, String> config) {
        TestContext context = new TestContext(dir);
        SegmentedLogEngine engine = new SegmentedLogEngine(context, config);
        open.add(context);
        open.add(engine);
        engine.recover();
        return engine;
    }

    private void awaitNoDeletedFiles() throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try (Stream<Path> files = Files.walk(dir)) {
                if (files.noneMatch(f -> f.toString().endsWith(LogSegment.DELETED_SUFFIX))) {
                    return;
                }
            } catch (java.io.UncheckedIOException deletedWhileWalking) {
                // the deletion we wait for removed a file under the walk: look again
            }
            assertTrue(System.nanoTime() < deadline, "deleted segment files never went away");
            Thread.onSpinWait();
        }
    }

    /** The delayed delete of a truncated segment must not delete the new segment that took its name. */
    @Test
    void delayedDeletionNeverTouchesASegmentThatReusedTheName() throws Exception {
        Map<String, String> config = Map.of("log.segment.delete.delay.ms", "50", "log.segment.bytes", "600");
        SegmentedLogEngine engine = engine(config);
        PartitionLog log = engine.open(TP, Map.of());
        for (int i = 0; i < 10; i++) {
            log.append(batch((int) log.logEndOffset(), 1, 50, 1L), true, 0);
        }
        log.truncateTo(0);                      // segment 0 and the rest go; a new segment 0 starts
        for (int i = 0; i < 5; i++) {
            log.append(batch((int) log.logEndOffset(), 1, 50, 1L), true, 0);
        }
        awaitNoDeletedFiles();
        engine.close();
        PartitionLog reopened = engine(config).log(TP).orElseThrow();
        assertEquals(5, reopened.logEndOffset(), "every acknowledged record after the truncation survived");
        long offset = 0;
        int records = 0;
        while (offset < reopened.logEndOffset()) {
            var chunk = decode(reopened.read(offset, 1 << 20, Long.MAX_VALUE));
            records += chunk.size();
            offset = chunk.get(chunk.size() - 1).offset() + 1;
        }
        assertEquals(5, records);
    }

    /** Deleting a partition while it is being written must not crash the JVM or take the dir offline. */
    @Test
    void deletingAPartitionUnderAWriterIsSafe() throws Exception {
        SegmentedLogEngine engine = engine(Map.of("log.segment.bytes", "2000", "log.index.interval.bytes", "10"));
        PartitionLog bystander = engine.open(new TopicPartition("bystander", 0), Map.of());
        for (int round = 0; round < 20; round++) {
            PartitionLog victim = engine.open(TP, Map.of());
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 2_000; i++) {
                        victim.append(batch((int) victim.logEndOffset(), 1, 20, 1L), true, 0);
                        victim.read(Math.max(0, victim.logEndOffset() - 1), 100, Long.MAX_VALUE);
                    }
                } catch (RunnelException expected) {
                    if (expected.errorCode() != ErrorCode.STORAGE_ERROR && expected.errorCode() != ErrorCode.OFFSET_OUT_OF_RANGE) {
                        writerFailure.set(expected);
                    }
                } catch (Throwable t) {
                    writerFailure.set(t);
                }
            });
            writer.start();
            while (victim.logEndOffset() < 20 && writer.isAlive()) {
                Thread.onSpinWait();
            }
            engine.delete(TP);
            writer.join(30_000);
            assertTrue(writerFailure.get() == null, "the writer saw only storage errors: " + writerFailure.get());
        }
        bystander.append(batch(0, 1, 10, 1L), true, 0);
        assertEquals(1, bystander.logEndOffset(), "the log dir stayed online");
    }

    @Test
    void producerStateDoesNotComeBackFromBeforeATruncation() throws Exception {
        Map<String, String> config = Map.of("log.segment.bytes", "300");
        SegmentedLogEngine engine = engine(config);
        PartitionLog log = engine.open(TP, Map.of());
        for (int seq = 0; seq < 15; seq++) { // rolls write snapshots along the way
            log.append(new RecordBatchBuilder(null).idempotent(9L, (short) 0, seq).append(1L, null, new byte[60]).build(),
                    true, 0);
        }
        log.truncateTo(2);
        for (int i = 0; i < 20; i++) { // grow back past the old snapshot offsets, without producer 9
            log.append(batch((int) log.logEndOffset(), 1, 60, 1L), true, 0);
        }
        assertEquals(1, log.producerState(9L).orElseThrow().lastSequence());
        log.truncateTo(10);
        assertEquals(1, log.producerState(9L).orElseThrow().lastSequence(), "not the sequence 14 of before");
        engine.close();
        assertEquals(1, engine(config).log(TP).orElseThrow().producerState(9L).orElseThrow().lastSequence());
    }

    @Test
    void followerBatchesMustContinueTheLogExactly() {
        PartitionLog log = engine(Map.of()).open(TP, Map.of());
        ByteBuffer gap = new RecordBatchBuilder(null).baseOffset(100).append(1L, null, new byte[3]).build();
        RunnelException e = assertThrows(RunnelException.class, () -> log.append(gap, false, -1));
        assertTrue(e.getMessage().contains("does not follow the log"), e.getMessage());
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void aBatchWhoseOffsetDeltaDisagreesWithItsCountIsRefused() {
        PartitionLog log = engine(Map.of()).open(TP, Map.of());
        ByteBuffer lying = batch(0, 2, 5, 1L);
        io.runnel.api.record.RecordBatch view = io.runnel.api.record.RecordBatch.wrap(lying);
        lying.putInt(io.runnel.api.record.RecordBatch.LAST_OFFSET_DELTA_OFFSET, 1_000_000);
        view.updateCrc();
        RunnelException e = assertThrows(RunnelException.class, () -> log.append(lying, true, 0));
        assertEquals(ErrorCode.CORRUPT_RECORD, e.errorCode());
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void segmentsWithoutTimestampsAgeByTheirFiles() {
        SegmentedLogEngine engine = engine(Map.of("log.segment.bytes", "300", "log.retention.ms", "3600000"));
        PartitionLog log = engine.open(TP, Map.of());
        for (int i = 0; i < 10; i++) {
            log.append(new RecordBatchBuilder(null).append(-1L, null, new byte[80]).build(), true, 0);
        }
        assertEquals(0, log.enforceRetention(System.currentTimeMillis()), "fresh files are not expired");
        assertEquals(0, log.logStartOffset());
    }

    @Test
    void aMalformedEpochCheckpointIsRebuiltNotFatal() throws Exception {
        SegmentedLogEngine first = engine(Map.of());
        PartitionLog log = first.open(TP, Map.of());
        log.append(new RecordBatchBuilder(null).partitionLeaderEpoch(3).append(1L, null, new byte[3]).build(), false, -1);
        first.close();
        Files.writeString(dir.resolve(TP.toString()).resolve(LeaderEpochCache.FILE_NAME), "0\n1\nx 0\n");
        PartitionLog reopened = engine(Map.of()).log(TP).orElseThrow();
        assertEquals(java.util.Optional.of(new io.runnel.api.storage.EpochEndOffset(3, 1)), reopened.endOffsetForEpoch(3));
    }
}
