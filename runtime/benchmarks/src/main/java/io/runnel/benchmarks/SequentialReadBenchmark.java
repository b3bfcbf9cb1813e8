package io.runnel.benchmarks;

import io.runnel.api.record.FileRecords;
import io.runnel.api.record.Records;
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
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sequential reads from the page cache: a consumer-style scan of a segmented log in
 * {@code fetchBytes} chunks (offset lookup, whole batches, the file region read into memory),
 * against plain {@link FileChannel} reads of the same file in the same chunk size. Both copy the
 * bytes once into the same direct buffer. Throughput is chunks per second; multiply by
 * {@code fetchBytes} for bytes per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SequentialReadBenchmark {
    private static final long LOG_BYTES = 256L << 20;

    @Param({"1048576"})
    int fetchBytes;

    private BenchStorage storage;
    private FileChannel raw;
    private Path rawFile;
    private ByteBuffer sink;
    private WritableByteChannel sinkChannel;
    private long nextOffset;
    private long rawPosition;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        storage = new BenchStorage(Map.of());
        ByteBuffer batch = BenchStorage.batchOf(64 * 1024);
        rawFile = Files.createTempFile("runnel-bench-read", ".log");
        try (FileChannel out = FileChannel.open(rawFile, StandardOpenOption.WRITE)) {
            while (storage.log.sizeInBytes() < LOG_BYTES) {
                ByteBuffer copy = batch.duplicate();
                storage.log.append(copy, true, 0);
                ByteBuffer same = batch.duplicate();
                while (same.hasRemaining()) {
                    out.write(same);
                }
            }
        }
        raw = FileChannel.open(rawFile, StandardOpenOption.READ);
        sink = ByteBuffer.allocateDirect(fetchBytes + 128 * 1024);
        sinkChannel = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = Math.min(src.remaining(), sink.remaining());
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + n);
                sink.put(part);
                src.position(src.position() + n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        raw.close();
        Files.deleteIfExists(rawFile);
        storage.close();
    }

    @Benchmark
    public long segmentedLogRead() throws IOException {
        if (nextOffset >= storage.log.logEndOffset()) {
            nextOffset = 0;
        }
        Records records = storage.log.read(nextOffset, fetchBytes, Long.MAX_VALUE);
        sink.clear();
        long written = 0;
        if (records instanceof FileRecords file) {
            // What the network layer gets: a file region. Copy it the way the raw read does.
            sink.limit(file.size());
            while (sink.hasRemaining()) {
                written += file.channel().read(sink, file.position() + written);
            }
        } else {
            while (written < records.sizeInBytes()) {
                written += records.writeTo(sinkChannel, written, records.sizeInBytes() - written);
            }
        }
        // Batches in this log hold the same number of records; the next fetch starts after the last one.
        nextOffset += recordsIn(records);
        return written;
    }

    private long recordsIn(Records records) throws IOException {
        ByteBuffer copy = sink.duplicate().flip();
        long count = 0;
        int position = 0;
        while (position + 61 <= copy.limit()) {
            count += copy.getInt(position + 57);
            position += 12 + copy.getInt(position + 8);
        }
        return count;
    }

    @Benchmark
    public int rawFileChannelRead() throws IOException {
        if (rawPosition >= raw.size()) {
            rawPosition = 0;
        }
        sink.clear().limit(fetchBytes);
        int read = raw.read(sink, rawPosition);
        rawPosition += read;
        return read;
    }
}
