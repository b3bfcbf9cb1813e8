package io.runnel.cli.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps a sender at a target rate, like Kafka's {@code ThroughputThrottler}: once the rate so far
 * is above the target, each further call adds 1/target seconds to a sleep deficit, slept off in
 * pieces of at least 2 ms (shorter sleeps are too imprecise). Not thread safe: one sending thread.
 */
final class ThroughputThrottler {
    private static final long MIN_SLEEP_NS = TimeUnit.MILLISECONDS.toNanos(2);

    private final long startNanos;
    private final double targetPerSecond;
    private final long sleepPerItemNs;
    private long sleepDeficitNs;

    /**
     * @param targetPerSecond items per second; negative for no limit
     * @param startNanos {@link System#nanoTime()} when sending started
     */
    ThroughputThrottler(double targetPerSecond, long startNanos) {
        if (targetPerSecond == 0) {
            throw new IllegalArgumentException("targetPerSecond must be positive, or negative for no limit, not 0");
        }
        this.targetPerSecond = targetPerSecond;
        this.startNanos = startNanos;
        this.sleepPerItemNs = targetPerSecond > 0 ? (long) (TimeUnit.SECONDS.toNanos(1) / targetPerSecond) : 0;
    }

    /** Whether {@code amountSoFar} items by {@code nowNanos} is faster than the target. */
    boolean shouldThrottle(long amountSoFar, long nowNanos) {
        if (targetPerSecond < 0) {
            return false;
        }
        long elapsedNs = nowNanos - startNanos;
        return elapsedNs > 0 && amountSoFar * 1e9 / elapsedNs > targetPerSecond;
    }

    /** Sleeps, on average, one item's share of a second; in pieces of at least 2 ms. */
    void throttle() {
        sleepDeficitNs += sleepPerItemNs;
        if (sleepDeficitNs < MIN_SLEEP_NS) {
            return;
        }
        long sleepStart = System.nanoTime();
        long remaining = sleepDeficitNs;
        while (remaining > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.interrupted()) {
                // cut short: owe only what was not slept
                Thread.currentThread().interrupt();
                sleepDeficitNs -= Math.min(sleepDeficitNs, System.nanoTime() - sleepStart);
                return;
            }
            remaining = sleepDeficitNs - (System.nanoTime() - sleepStart);
        }
        sleepDeficitNs = 0;
    }
}
