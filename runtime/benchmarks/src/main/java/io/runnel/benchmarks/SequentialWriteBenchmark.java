package io.runnel.benchmarks;

import io.runnel.api.storage.AppendResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Appending record batches to a segmented log, against the same machine's raw sequential
 * {@link FileChannel} writes of the same buffers, in one run. Throughput is batches per second;
 * multiply by {@code batchBytes} for bytes per second.
 *
 * <p>Each iteration starts from an empty log and an empty file, which are deleted afterwards, so
 * the disk never fills and every iteration writes into fresh page cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SequentialWriteBenchmark {

    @Param({"16384", "65536", "1048576"})
    int batchBytes;

    /** Force every batch to disk before the next (flush.on.append, or force() for the raw file). */
    @Param({"false", "true"})
    boolean fsync;

    private ByteBuffer batch;
    private BenchStorage storage;
    private Path rawDir;
    private FileChannel raw;

    @Setup(Level.Trial)
    public void buildBatch() {
        batch = BenchStorage.batchOf(batchBytes);
    }

    @Setup(Level.Iteration)
    public void freshFiles() throws IOException {
        storage = new BenchStorage(Map.of("flush.on.append", String.valueOf(fsync)));
        rawDir = Files.createTempDirectory("runnel-bench-raw");
        raw = FileChannel.open(rawDir.resolve("raw.log"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    @TearDown(Level.Iteration)
    public void removeFiles() throws IOException {
        storage.close();
        raw.close();
        BenchStorage.deleteRecursively(rawDir);
    }

    /** The segmented log: validate (size, magic, CRC-32C), assign offsets, write, index. */
    @Benchmark
    public AppendResult segmentedLogAppend() {
        return storage.log.append(batch.duplicate(), true, 0);
    }

    /** The baseline: the same bytes written sequentially with a plain FileChannel. */
    @Benchmark
    public int rawFileChannelWrite() throws IOException {
        ByteBuffer source = batch.duplicate();
        int written = 0;
        while (source.hasRemaining()) {
            written += raw.write(source);
        }
        if (fsync) {
            raw.force(true);
        }
        return written;
    }
}
