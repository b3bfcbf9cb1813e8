package io.runnel.benchmarks;

import io.runnel.api.TopicPartition;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.StorageContext;
import io.runnel.api.storage.StorageEngine;
import io.runnel.plugin.storage.segmentedlog.SegmentedLogProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

/** A segmented-log engine in a temporary folder, for benchmarks. */
final class BenchStorage implements AutoCloseable {
    static final TopicPartition PARTITION = new TopicPartition("bench", 0);

    final Path dir;
    final StorageEngine engine;
    final PartitionLog log;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "bench-storage");
        thread.setDaemon(true);
        return thread;
    });

    BenchStorage(Map<String, String> topicConfig) throws IOException {
        dir = Files.createTempDirectory("runnel-bench");
        Path logDir = dir.resolve("logs");
        StorageContext context = new StorageContext() {
            @Override
            public OptionalInt brokerId() {
                return OptionalInt.of(0);
            }

            @Override
            public List<Path> logDirs() {
                return List.of(logDir);
            }

            @Override
            public ScheduledExecutorService scheduler() {
                return scheduler;
            }

            @Override
            public void logDirFailed(Path failed, Throwable cause) {
                throw new IllegalStateException("log dir " + failed + " failed", cause);
            }
        };
        engine = new SegmentedLogProvider().create(context, Map.of("log.segment.bytes", String.valueOf(1 << 30)));
        engine.recover();
        log = engine.open(PARTITION, topicConfig);
    }

    /** An uncompressed batch of about {@code bytes}, made of 1 KB records of random bytes. */
    static ByteBuffer batchOf(int bytes) {
        Random random = new Random(bytes);
        RecordBatchBuilder builder = new RecordBatchBuilder(null);
        byte[] value = new byte[1000];
        while (builder.uncompressedSizeInBytes() + value.length + 16 <= bytes || builder.recordCount() == 0) {
            random.nextBytes(value);
            builder.append(1_700_000_000_000L, null, value);
        }
        return builder.build();
    }

    @Override
    public void close() {
        engine.close();
        scheduler.shutdownNow();
        deleteRecursively(dir);
    }

    static void deleteRecursively(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
