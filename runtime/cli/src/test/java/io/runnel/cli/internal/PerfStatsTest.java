package io.runnel.cli.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The producer perf test's statistics and throttle, without a broker. */
@Timeout(30)
class PerfStatsTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void printsKafkasWindowAndTotalLines() {
        StringWriter text = new StringWriter();
        PerfStats stats = new PerfStats(4, 5_000, new PrintWriter(text), 0);
        stats.record(10, 1024 * 1024, 1_000 * MS);
        stats.record(30, 1024 * 1024, 2_000 * MS);
        assertEquals("", text.toString(), "no line before the window is over");
        stats.record(20, 1024 * 1024, 5_000 * MS); // closes the window: 3 records in 5 s
        assertEquals("3 records sent, 0.6 records/sec (0.60 MB/sec), 20.0 ms avg latency, 30.0 ms max latency.\n",
                text.toString());
        stats.record(40, 1024 * 1024, 6_000 * MS);
        stats.printTotal(8_000 * MS);
        assertEquals("4 records sent, 0.500000 records/sec (0.50 MB/sec), 25.00 ms avg latency, 40.00 ms max latency, "
                + "30 ms 50th, 40 ms 95th, 40 ms 99th, 40 ms 99.9th.", text.toString().lines().toList().get(1));
    }

    @Test
    void percentilesComeFromTheSortedSample() {
        int[] latencies = new int[1000];
        for (int i = 0; i < latencies.length; i++) {
            latencies[i] = latencies.length - i; // 1000 .. 1
        }
        assertArrayEquals(new int[] {501, 951, 991, 1000}, PerfStats.percentiles(latencies, 1000, 0.5, 0.95, 0.99, 0.999));
        assertArrayEquals(new int[] {0, 0}, PerfStats.percentiles(new int[1], 0, 0.5, 0.99));
    }

    @Test
    void theThrottleHoldsTheRate() {
        long start = System.nanoTime();
        ThroughputThrottler throttler = new ThroughputThrottler(1_000, start);
        for (int i = 0; i < 300; i++) {
            if (throttler.shouldThrottle(i, System.nanoTime())) {
                throttler.throttle();
            }
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMs >= 250 && elapsedMs < 2_000, "300 at 1000/s took " + elapsedMs + " ms");
        assertFalse(new ThroughputThrottler(-1, start).shouldThrottle(1_000_000, start + 1));
    }
}
