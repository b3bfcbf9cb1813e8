package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.storage.PartitionLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.runnel.plugin.storage.segmentedlog.Batches.batch;
import static io.runnel.plugin.storage.segmentedlog.Batches.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(180)
class EngineTest {
    @TempDir
    Path root;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private SegmentedLogEngine engine(TestContext context, Map<String, String> config) {
        SegmentedLogEngine engine = new SegmentedLogEngine(context, config);
        open.add(context);
        open.add(engine);
        engine.recover();
        return engine;
    }

    @Test
    void spreadsPartitionsOverLogDirsAndFindsThemAgain() {
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        SegmentedLogEngine engine = engine(new TestContext(a, b), Map.of());
        for (int p = 0; p < 10; p++) {
            engine.open(new TopicPartition("spread", p), Map.of()).append(batch(0, 1, 10, 1L), true, 0);
        }
        assertEquals(5, countPartitionDirs(a));
        assertEquals(5, countPartitionDirs(b));
        engine.close();

        SegmentedLogEngine again = engine(new TestContext(a, b), Map.of());
        for (int p = 0; p < 10; p++) {
            assertEquals(1, again.log(new TopicPartition("spread", p)).orElseThrow().logEndOffset());
        }
    }

    private static long countPartitionDirs(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void deletingAPartitionRemovesItsFiles() throws Exception {
        Path dir = root.resolve("data");
        SegmentedLogEngine engine = engine(new TestContext(dir), Map.of());
        TopicPartition tp = new TopicPartition("gone", 0);
        PartitionLog log = engine.open(tp, Map.of());
        log.append(batch(0, 3, 10, 1L), true, 0);
        engine.delete(tp);
        assertTrue(engine.log(tp).isEmpty());
        assertEquals(ErrorCode.STORAGE_ERROR, assertThrows(RunnelException.class, () -> log.read(0, 10, 10)).errorCode());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (countPartitionDirs(dir) > 0) {
            assertTrue(System.nanoTime() < deadline, "partition folder still there");
            Thread.onSpinWait();
        }
        // A new partition of the same name starts empty.
        assertEquals(0, engine.open(tp, Map.of()).logEndOffset());
    }

    /** A second broker pointed at a dir in use must not start: two writers would corrupt the logs. */
    @Test
    void aLogDirServesOneEngineAtATime() throws Exception {
        Path dir = root.resolve("data");
        SegmentedLogEngine owner = engine(new TestContext(dir), Map.of());
        owner.open(new TopicPartition("mine", 0), Map.of()).append(batch(0, 4, 10, 1L), true, 0);
        owner.writeCheckpoints();
        String checkpoint = Files.readString(dir.resolve(SegmentedLogEngine.RECOVERY_CHECKPOINT));
        TestContext second = new TestContext(dir);
        open.add(second);
        SegmentedLogEngine rival = new SegmentedLogEngine(second, Map.of());
        RunnelException e = assertThrows(RunnelException.class, rival::recover);
        assertEquals(ErrorCode.STORAGE_ERROR, e.errorCode());
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("in use by another broker"),
                e.getMessage());
        rival.close();
        assertEquals(checkpoint, Files.readString(dir.resolve(SegmentedLogEngine.RECOVERY_CHECKPOINT)),
                "the rival wrote nothing into a dir it does not own");
        assertFalse(Files.exists(dir.resolve(SegmentedLogEngine.CLEAN_SHUTDOWN_FILE)));
    }

    @Test
    void anIoErrorTakesItsLogDirOfflineAndLeavesTheOthersServing() throws Exception {
        Path bad = root.resolve("bad");
        Path good = root.resolve("good");
        TestContext context = new TestContext(bad, good);
        SegmentedLogEngine engine = engine(context, Map.of("log.segment.bytes", "1000"));
        TopicPartition victim = new TopicPartition("t", 0);
        TopicPartition survivor = new TopicPartition("t", 1);
        PartitionLog victimLog = engine.open(victim, Map.of());
        PartitionLog survivorLog = engine.open(survivor, Map.of());
        assertEquals(bad.toAbsolutePath().normalize(), ((SegmentedLog) victimLog).dir().getParent());
        while (victimLog.sizeInBytes() < 700) {
            victimLog.append(batch((int) victimLog.logEndOffset(), 2, 50, 1L), true, 0);
        }
        long written = victimLog.logEndOffset();
        // One of the next appends must roll; make every segment file it could create impossible to create.
        List<Path> obstacles = new ArrayList<>();
        for (long offset = written; offset <= written + 40; offset++) {
            Path obstacle = ((SegmentedLog) victimLog).dir().resolve(String.format("%020d.log", offset));
            Files.createDirectories(obstacle.resolve("in-the-way"));
            obstacles.add(obstacle);
        }

        RunnelException e = assertThrows(RunnelException.class, () -> {
            for (int i = 0; i < 10; i++) {
                victimLog.append(batch((int) victimLog.logEndOffset(), 2, 50, 1L), true, 0);
            }
        });
        assertEquals(ErrorCode.STORAGE_ERROR, e.errorCode());
        assertTrue(e.getMessage().contains(bad.toAbsolutePath().normalize().toString()), e.getMessage());
        assertTrue(context.failedDirs.containsKey(bad.toAbsolutePath().normalize()));
        RunnelException later = assertThrows(RunnelException.class, () -> victimLog.read(0, 100, Long.MAX_VALUE));
        assertEquals(ErrorCode.STORAGE_ERROR, later.errorCode());
        assertTrue(later.getMessage().contains("offline"), later.getMessage());

        survivorLog.append(batch(0, 2, 10, 1L), true, 0);
        assertEquals(2, decode(survivorLog.read(0, 1000, Long.MAX_VALUE)).size());
        TopicPartition fresh = new TopicPartition("t", 2);
        assertEquals(good.toAbsolutePath().normalize(), ((SegmentedLog) engine.open(fresh, Map.of())).dir().getParent(),
                "new partitions go to the online dir");

        // After the fault is repaired, a restart recovers what was acknowledged.
        engine.close();
        for (Path obstacle : obstacles) {
            Files.delete(obstacle.resolve("in-the-way"));
            Files.delete(obstacle);
        }
        SegmentedLogEngine restarted = engine(new TestContext(bad, good), Map.of("log.segment.bytes", "1000"));
        PartitionLog recovered = restarted.log(victim).orElseThrow();
        assertTrue(recovered.logEndOffset() >= written, "recovered " + recovered.logEndOffset() + " of " + written);
        assertEquals(recovered.logEndOffset(), decode(recovered.read(0, 1 << 20, Long.MAX_VALUE)).size());
    }

    /** 2,000 partitions open and recover without a file handle or a mapping per segment file. */
    @Test
    void twoThousandPartitionsStartWithoutExhaustingHandlesOrMappings() throws Exception {
        Path dir = root.resolve("many");
        Map<String, String> config = Map.of("log.segment.bytes", "1000");
        SegmentedLogEngine first = engine(new TestContext(dir), config);
        for (int p = 0; p < 2000; p++) {
            PartitionLog log = first.open(new TopicPartition("wide", p), Map.of());
            for (int b = 0; b < 3; b++) {
                log.append(batch((int) log.logEndOffset(), 10, 60, 1L), true, 0);
            }
        }
        first.close();

        long fdsBefore = count("/proc/self/fd");
        long mapsBefore = count("/proc/self/maps");
        long start = System.nanoTime();
        SegmentedLogEngine reopened = engine(new TestContext(dir), config);
        long cleanMs = (System.nanoTime() - start) / 1_000_000;
        long fds = count("/proc/self/fd") - fdsBefore;
        long maps = count("/proc/self/maps") - mapsBefore;
        System.out.printf("2000 partitions: clean start %d ms, +%d file handles, +%d mappings%n", cleanMs, fds, maps);
        int segments = 0;
        for (int p = 0; p < 2000; p++) {
            SegmentedLog log = (SegmentedLog) reopened.log(new TopicPartition("wide", p)).orElseThrow();
            assertEquals(30, log.logEndOffset());
            segments += log.segmentCount();
        }
        assertTrue(segments >= 4000, "several segments per partition: " + segments);
        assertTrue(fds <= 2000 + 100, "one handle per active segment at most, not per segment file: " + fds);
        assertTrue(maps <= 2 * 2000 + 200, "index mappings of active segments only: " + maps);

        // After a crash (no clean-shutdown marker) every partition is validated, and still opens.
        Path crashed = root.resolve("crashed");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path source : files.sorted().toList()) {
                Path target = crashed.resolve(dir.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.getFileName().toString().equals(SegmentedLogEngine.LOCK_FILE)) {
                    Files.copy(source, target);
                }
            }
        }
        start = System.nanoTime();
        SegmentedLogEngine recovered = engine(new TestContext(crashed), config);
        System.out.printf("2000 partitions: recovery after a crash %d ms%n", (System.nanoTime() - start) / 1_000_000);
        for (int p = 0; p < 2000; p += 7) {
            assertEquals(30, recovered.log(new TopicPartition("wide", p)).orElseThrow().logEndOffset());
        }
        assertFalse(Files.exists(crashed.resolve(SegmentedLogEngine.CLEAN_SHUTDOWN_FILE)));
    }

    private static long count(String procDir) throws IOException {
        Path path = Path.of(procDir);
        if (Files.isDirectory(path)) {
            try (Stream<Path> entries = Files.list(path)) {
                return entries.count();
            }
        }
        try (Stream<String> lines = Files.lines(path)) {
            return lines.count();
        }
    }

    @Test
    void unknownBrokerSettingValuesAreRefusedWithTheKey() {
        Map<String, String> config = new HashMap<>();
        config.put("log.retention.hours", "a week");
        RunnelException e = assertThrows(RunnelException.class,
                () -> new SegmentedLogEngine(new TestContext(root.resolve("x")), config));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertTrue(e.getMessage().contains("log.retention.hours"), e.getMessage());
    }
}
