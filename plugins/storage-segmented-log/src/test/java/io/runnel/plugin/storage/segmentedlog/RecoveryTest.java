package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.TopicPartition;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.storage.EpochEndOffset;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.ProducerState;
import io.runnel.api.storage.TimestampOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static io.runnel.plugin.storage.segmentedlog.Batches.decode;
import static io.runnel.plugin.storage.segmentedlog.Batches.valueNumber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash recovery. A "crash" copies the log directory while the engine is running: the copy holds
 * exactly what the files held at that moment, with no clean-shutdown marker; then the test damages
 * the copy the way a crash or a bad disk would, opens a new engine on it, and checks that exactly
 * the valid prefix is readable and the log accepts appends again.
 */
@Timeout(120)
class RecoveryTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);
    private static final Map<String, String> SMALL_SEGMENTS = Map.of("log.segment.bytes", "6000",
            "log.index.interval.bytes", "300");

    @TempDir
    Path root;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private SegmentedLogEngine engine(Path dir) {
        TestContext context = new TestContext(dir);
        SegmentedLogEngine engine = new SegmentedLogEngine(context, SMALL_SEGMENTS);
        open.add(context);
        open.add(engine);
        engine.recover();
        return engine;
    }

    /** 100 batches of 2..6 records, values numbered by offset, timestamps rising; producer 7 idempotent. */
    private static List<Long> fill(PartitionLog log, int batches, long firstTimestamp) {
        Random random = new Random(42);
        List<Long> batchEnds = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            int first = (int) log.logEndOffset();
            int count = 2 + random.nextInt(5);
            RecordBatchBuilder builder = new RecordBatchBuilder(null).idempotent(7L, (short) 1, first);
            for (int i = 0; i < count; i++) {
                builder.append(firstTimestamp + first + i, null, Batches.value(first + i, 20 + random.nextInt(80)));
            }
            log.append(builder.build(), true, b < batches / 2 ? 1 : 2);
            batchEnds.add(log.logEndOffset());
        }
        return batchEnds;
    }

    private static Path crashCopy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.sorted().toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.getFileName().toString().equals(SegmentedLogEngine.LOCK_FILE)) {
                    Files.copy(source, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return to;
    }

    private static List<Path> segmentFiles(Path partitionDir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted(Comparator.naturalOrder()).toList();
        }
    }

    private static List<Record> readAll(PartitionLog log) {
        List<Record> records = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            List<Record> chunk = decode(log.read(offset, 4096, Long.MAX_VALUE));
            assertFalse(chunk.isEmpty(), "stuck at " + offset);
            records.addAll(chunk);
            offset = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return records;
    }

    /** Every record from 0 to the log end is there, in order, with the value written for it; appends work. */
    private static void assertValidPrefixAndWritable(PartitionLog log, long expectedEnd) {
        assertEquals(expectedEnd, log.logEndOffset());
        List<Record> records = readAll(log);
        assertEquals(expectedEnd, records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i, records.get(i).offset());
            assertEquals(i, valueNumber(records.get(i)));
        }
        for (long offset = 0; offset < expectedEnd; offset += 7) {
            long target = offset;
            assertTrue(decode(log.read(offset, 1, Long.MAX_VALUE)).stream().anyMatch(r -> r.offset() == target),
                    "index lookup of offset " + offset);
        }
        int next = (int) log.logEndOffset();
        log.append(Batches.batch(next, 3, 10, 5L), true, 9);
        List<Record> appended = decode(log.read(next, 1000, Long.MAX_VALUE));
        assertEquals(next, appended.get(0).offset());
        assertEquals(next + 3, log.logEndOffset());
    }

    @Test
    void cleanRestartTrustsTheFilesAndValidatesNothing() throws Exception {
        Path dir = root.resolve("data");
        SegmentedLogEngine first = engine(dir);
        long end = fill(first.open(TP, Map.of()), 100, 1000L).get(99);
        first.close();
        assertTrue(Files.exists(dir.resolve(SegmentedLogEngine.CLEAN_SHUTDOWN_FILE)));

        SegmentedLogEngine second = engine(dir);
        SegmentedLog log = (SegmentedLog) second.log(TP).orElseThrow();
        assertFalse(Files.exists(dir.resolve(SegmentedLogEngine.CLEAN_SHUTDOWN_FILE)), "marker removed once loaded");
        assertEquals(0, log.segmentsValidatedAtLoad());
        assertEquals(0, log.indexRebuilds());
        assertTrue(log.segmentCount() > 5);
        assertEquals(Optional.of(new ProducerState(7L, (short) 1, log.producerState(7L).orElseThrow().firstSequence(),
                (int) end - 1, end - 1, 1000L + end - 1)), log.producerState(7L));
        assertValidPrefixAndWritable(log, end);
        assertEquals(0, log.indexRebuilds(), "no index was found unsound while reading");
    }

    @Test
    void tornWriteAtARandomPointInsideABatchIsCutOff() throws Exception {
        Random random = new Random(5);
        for (int round = 0; round < 5; round++) {
            Path dir = root.resolve("live" + round);
            SegmentedLogEngine live = engine(dir);
            List<Long> ends = fill(live.open(TP, Map.of()), 100, 1000L);
            Path crashed = crashCopy(dir, root.resolve("crashed" + round));
            Path active = segmentFiles(crashed.resolve(TP.toString()), ".log").get(
                    segmentFiles(crashed.resolve(TP.toString()), ".log").size() - 1);
            long size = Files.size(active);
            long cutAt = size - 1 - random.nextInt((int) Math.min(size - 1, 400));
            try (FileChannel channel = FileChannel.open(active, StandardOpenOption.WRITE)) {
                channel.truncate(cutAt);
            }
            SegmentedLog recovered = (SegmentedLog) engine(crashed).log(TP).orElseThrow();
            assertTrue(recovered.segmentsValidatedAtLoad() > 0);
            long expected = recovered.logEndOffset();
            assertTrue(ends.contains(expected), "recovered end " + expected + " is a batch boundary");
            assertTrue(expected < ends.get(99), "the torn batch is gone");
            assertValidPrefixAndWritable(recovered, expected);
        }
    }

    @Test
    void flippedBytesCutTheLogAtTheDamagedBatchAndDropLaterSegments() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        List<Long> ends = fill(live.open(TP, Map.of()), 100, 1000L);
        Path crashed = crashCopy(dir, root.resolve("crashed"));
        List<Path> logs = segmentFiles(crashed.resolve(TP.toString()), ".log");
        Path victim = logs.get(logs.size() / 2);
        long victimBase = Long.parseLong(victim.getFileName().toString().substring(0, 20));
        // Damage the second batch of that segment, inside its records.
        ByteBuffer header = ByteBuffer.allocate(12);
        try (FileChannel channel = FileChannel.open(victim, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.read(header, 0);
            int firstSize = 12 + header.getInt(8);
            long at = firstSize + 70;
            ByteBuffer b = ByteBuffer.allocate(1);
            channel.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            channel.write(b, at);
        }
        SegmentedLog recovered = (SegmentedLog) engine(crashed).log(TP).orElseThrow();
        long expected = ends.stream().filter(e -> e > victimBase).findFirst().orElseThrow();
        assertEquals(expected, recovered.logEndOffset(), "ends after the first (undamaged) batch of the segment");
        assertEquals(logs.indexOf(victim) + 1, recovered.segmentCount(), "later segments were deleted");
        assertValidPrefixAndWritable(recovered, expected);
    }

    @Test
    void deletedOrGarbageIndexesAreRebuiltAfterACrash() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        long end = fill(live.open(TP, Map.of()), 100, 1000L).get(99);
        Path crashed = crashCopy(dir, root.resolve("crashed"));
        Path partition = crashed.resolve(TP.toString());
        List<Path> indexes = segmentFiles(partition, ".index");
        Files.delete(indexes.get(0));
        Files.delete(segmentFiles(partition, ".timeindex").get(1));
        garbage(indexes.get(2), 5000);
        garbage(segmentFiles(partition, ".timeindex").get(3), 2400);
        garbage(indexes.get(indexes.size() - 1), 800);

        SegmentedLog recovered = (SegmentedLog) engine(crashed).log(TP).orElseThrow();
        assertValidPrefixAndWritable(recovered, end);
        assertTimestampLookups(recovered, end);
    }

    /** Record n has timestamp 1000 + n: the answer is the batch holding the record with that timestamp. */
    private static void assertTimestampLookups(PartitionLog log, long end) {
        for (long t = 1000L; t < 1000L + end; t += 13) {
            TimestampOffset found = log.offsetForTimestamp(t).orElseThrow();
            long wantedOffset = t - 1000L;
            assertTrue(found.timestamp() >= t && found.offset() <= wantedOffset, "lookup of " + t + " gave " + found);
            List<Record> batch = decode(log.read(found.offset(), 1, Long.MAX_VALUE));
            assertTrue(batch.stream().anyMatch(r -> r.offset() == wantedOffset), "lookup of " + t + " gave the batch "
                    + "holding offset " + wantedOffset);
        }
    }

    @Test
    void deletedOrGarbageIndexesAreRebuiltAfterACleanShutdownToo() throws Exception {
        Path dir = root.resolve("data");
        SegmentedLogEngine first = engine(dir);
        long end = fill(first.open(TP, Map.of()), 100, 1000L).get(99);
        first.close();
        Path partition = dir.resolve(TP.toString());
        Files.delete(segmentFiles(partition, ".index").get(1));
        garbage(segmentFiles(partition, ".index").get(3), 3000);
        garbage(segmentFiles(partition, ".timeindex").get(2), 3000);
        garbage(segmentFiles(partition, ".index").get(segmentFiles(partition, ".index").size() - 1), 3000);

        SegmentedLog reopened = (SegmentedLog) engine(dir).log(TP).orElseThrow();
        assertValidPrefixAndWritable(reopened, end);
        assertTrue(reopened.indexRebuilds() >= 3, "rebuilt " + reopened.indexRebuilds());
        assertTimestampLookups(reopened, end);
    }

    private static void garbage(Path file, int bytes) throws IOException {
        byte[] junk = new byte[bytes];
        new Random(bytes).nextBytes(junk);
        Files.write(file, junk);
    }

    @Test
    void missingCheckpointMeansEverySegmentIsValidatedFromTheStart() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        PartitionLog log = live.open(TP, Map.of());
        List<Long> ends = fill(log, 100, 1000L);
        log.flush();
        live.writeCheckpoints();
        Path crashed = crashCopy(dir, root.resolve("crashed"));
        Files.delete(crashed.resolve(SegmentedLogEngine.RECOVERY_CHECKPOINT));
        Path firstSegment = segmentFiles(crashed.resolve(TP.toString()), ".log").get(0);
        try (FileChannel channel = FileChannel.open(firstSegment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(12);
            channel.read(header, 0);
            long thirdBatch = 0;
            for (int i = 0; i < 2; i++) {
                header.clear();
                channel.read(header, thirdBatch);
                thirdBatch += 12 + header.getInt(8);
            }
            channel.write(ByteBuffer.wrap(new byte[] {0x13, 0x37}), thirdBatch + 65);
        }
        SegmentedLog recovered = (SegmentedLog) engine(crashed).log(TP).orElseThrow();
        assertEquals(1, recovered.segmentCount());
        assertEquals(ends.get(1), recovered.logEndOffset(), "two batches survive, in the first segment");
        assertValidPrefixAndWritable(recovered, ends.get(1));
    }

    @Test
    void aCheckpointSparesTheSegmentsBeforeIt() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        PartitionLog log = live.open(TP, Map.of());
        fill(log, 100, 1000L);
        log.flush();
        live.writeCheckpoints();
        long end = log.logEndOffset();
        fill(log, 10, 1000L + end);
        SegmentedLog recovered = (SegmentedLog) engine(crashCopy(dir, root.resolve("crashed"))).log(TP).orElseThrow();
        assertTrue(recovered.segmentsValidatedAtLoad() <= 3 && recovered.segmentsValidatedAtLoad() >= 1,
                "validated " + recovered.segmentsValidatedAtLoad() + " of " + recovered.segmentCount());
        assertValidPrefixAndWritable(recovered, log.logEndOffset());
    }

    @Test
    void producerStateAndLeaderEpochsComeBackWithoutTheirFiles() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        PartitionLog log = live.open(TP, Map.of());
        log.assignEpochStartOffset(1, 0);
        List<Long> ends = fill(log, 100, 1000L);
        Path crashed = crashCopy(dir, root.resolve("crashed"));
        Files.deleteIfExists(crashed.resolve(TP.toString()).resolve(ProducerStateManager.SNAPSHOT));
        Files.writeString(crashed.resolve(TP.toString()).resolve(LeaderEpochCache.FILE_NAME), "garbage\n");
        SegmentedLog recovered = (SegmentedLog) engine(crashed).log(TP).orElseThrow();
        long end = ends.get(99);
        assertEquals(end - 1, recovered.producerState(7L).orElseThrow().lastOffset());
        assertEquals((int) end - 1, recovered.producerState(7L).orElseThrow().lastSequence());
        assertEquals(Optional.of(new EpochEndOffset(1, ends.get(49))), recovered.endOffsetForEpoch(1),
                "epoch 2 began with the 51st batch, learnt from the batches' leader epochs");
        assertEquals(Optional.of(new EpochEndOffset(2, end)), recovered.endOffsetForEpoch(2));
    }

    @Test
    void theHighWatermarkSurvivesACrashOnceCheckpointedAndACleanRestart() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        PartitionLog log = live.open(TP, Map.of());
        fill(log, 20, 1000L);
        long committed = log.logEndOffset() - 5;
        log.recordHighWatermark(committed);
        live.writeHighWatermarks();
        log.recordHighWatermark(log.logEndOffset()); // not checkpointed before the crash
        PartitionLog crashed = engine(crashCopy(dir, root.resolve("crashed"))).log(TP).orElseThrow();
        assertEquals(committed, crashed.recordedHighWatermark(), "the last checkpointed value");

        long end = log.logEndOffset();
        live.close();
        assertEquals(end, engine(dir).log(TP).orElseThrow().recordedHighWatermark(), "a clean close writes it");
    }

    @Test
    void aRecordedHighWatermarkIsCappedAtTheRecoveredLogEnd() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        PartitionLog log = live.open(TP, Map.of());
        fill(log, 10, 1000L);
        log.recordHighWatermark(log.logEndOffset() + 1000);
        long end = log.logEndOffset();
        live.close();
        assertEquals(end, engine(dir).log(TP).orElseThrow().recordedHighWatermark());
        assertEquals(0, engine(root.resolve("fresh")).open(TP, Map.of()).recordedHighWatermark(), "none recorded yet");
    }

    @Test
    void aLogRestartedAtAnOffsetKeepsNothingOldAndContinuesFromThere() throws Exception {
        Path dir = root.resolve("live");
        SegmentedLogEngine live = engine(dir);
        PartitionLog log = live.open(TP, Map.of());
        fill(log, 30, 1000L);
        log.truncateFullyAndStartAt(5000);
        assertEquals(5000, log.logStartOffset());
        assertEquals(5000, log.logEndOffset());
        assertEquals(Optional.empty(), log.endOffsetForEpoch(Integer.MAX_VALUE), "the old leader epochs are gone");
        assertEquals(Optional.empty(), log.producerState(7L), "the old producer state is gone");
        assertEquals(io.runnel.api.ErrorCode.OFFSET_OUT_OF_RANGE, org.junit.jupiter.api.Assertions.assertThrows(
                io.runnel.api.RunnelException.class, () -> log.read(10, 1000, Long.MAX_VALUE)).errorCode());

        ByteBuffer follower = Batches.batch(5000, 4, 10, 7L);
        follower.putLong(0, 5000L); // a follower keeps the leader's offsets
        follower.putInt(12, 6); // partition leader epoch
        log.append(follower, false, 6);
        assertEquals(5004, log.logEndOffset());
        assertEquals(Optional.of(new EpochEndOffset(6, 5004)), log.endOffsetForEpoch(6));
        List<Record> records = decode(log.read(5000, 1000, Long.MAX_VALUE));
        assertEquals(List.of(5000L, 5001L, 5002L, 5003L), records.stream().map(Record::offset).toList());

        PartitionLog crashed = engine(crashCopy(dir, root.resolve("crashed"))).log(TP).orElseThrow();
        assertEquals(5000, crashed.logStartOffset(), "after a crash");
        assertEquals(5004, crashed.logEndOffset());
        live.close();
        PartitionLog reopened = engine(dir).log(TP).orElseThrow();
        assertEquals(5000, reopened.logStartOffset(), "after a clean restart");
        assertEquals(5004, reopened.logEndOffset());
        assertEquals(4, decode(reopened.read(5000, 1000, Long.MAX_VALUE)).size());
    }
}
