package io.runnel.cli.internal;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The statistics of {@code producer-perf-test}, with the output of Kafka's
 * {@code ProducerPerformance.Stats}: a line per reporting window and a total with latency
 * percentiles. Latencies are kept compactly, like Kafka's: every {@code sampling}-th record's
 * latency (at most about 500,000 of them) goes into one preallocated {@code int[]}.
 *
 * <p>Not thread safe: {@link #record} is called by the producer's one I/O thread (callbacks), and
 * {@link #printTotal} after the producer is closed.
 */
final class PerfStats {
    private final PrintWriter out;
    private final long startNanos;
    private final long reportingIntervalNanos;
    private final int sampling;
    private final int[] latencies;
    private int index;
    private long iteration;
    private long count;
    private long bytes;
    private int maxLatency;
    private long totalLatency;
    private long windowStartNanos;
    private long windowCount;
    private long windowBytes;
    private int windowMaxLatency;
    private long windowTotalLatency;

    PerfStats(long numRecords, long reportingIntervalMs, PrintWriter out, long startNanos) {
        this.out = out;
        this.startNanos = startNanos;
        this.windowStartNanos = startNanos;
        this.reportingIntervalNanos = TimeUnit.MILLISECONDS.toNanos(reportingIntervalMs);
        this.sampling = (int) (numRecords / Math.max(1, Math.min(numRecords, 500_000)));
        this.latencies = new int[(int) (numRecords / sampling) + 1];
    }

    /** One acknowledged record: its latency from send() to callback, its bytes, and the time now. */
    void record(int latencyMs, int recordBytes, long nowNanos) {
        count++;
        bytes += recordBytes;
        totalLatency += latencyMs;
        maxLatency = Math.max(maxLatency, latencyMs);
        windowCount++;
        windowBytes += recordBytes;
        windowTotalLatency += latencyMs;
        windowMaxLatency = Math.max(windowMaxLatency, latencyMs);
        if (iteration % sampling == 0 && index < latencies.length) {
            latencies[index++] = latencyMs;
        }
        iteration++;
        if (nowNanos - windowStartNanos >= reportingIntervalNanos) {
            printWindow(nowNanos);
            windowStartNanos = nowNanos;
            windowCount = 0;
            windowBytes = 0;
            windowMaxLatency = 0;
            windowTotalLatency = 0;
        }
    }

    long count() {
        return count;
    }

    private void printWindow(long nowNanos) {
        double elapsedMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nowNanos - windowStartNanos));
        out.printf(Locale.ROOT, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.%n",
                windowCount, 1000.0 * windowCount / elapsedMs, 1000.0 * windowBytes / elapsedMs / (1024.0 * 1024.0),
                windowTotalLatency / (double) windowCount, (double) windowMaxLatency);
        out.flush();
    }

    /** The total line, with the 50th, 95th, 99th and 99.9th percentile latencies. */
    void printTotal(long nowNanos) {
        double elapsedMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nowNanos - startNanos));
        int[] percentiles = percentiles(latencies, index, 0.5, 0.95, 0.99, 0.999);
        out.printf(Locale.ROOT, "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
                        + "%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.%n",
                count, 1000.0 * count / elapsedMs, 1000.0 * bytes / elapsedMs / (1024.0 * 1024.0),
                count == 0 ? 0.0 : totalLatency / (double) count, (double) maxLatency,
                percentiles[0], percentiles[1], percentiles[2], percentiles[3]);
        out.flush();
    }

    static int[] percentiles(int[] latencies, int count, double... percentiles) {
        int size = Math.min(count, latencies.length);
        Arrays.sort(latencies, 0, size);
        int[] values = new int[percentiles.length];
        for (int i = 0; i < percentiles.length; i++) {
            values[i] = size == 0 ? 0 : latencies[(int) (percentiles[i] * size)];
        }
        return values;
    }
}
