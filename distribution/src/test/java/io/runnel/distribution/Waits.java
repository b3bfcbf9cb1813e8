package io.runnel.distribution;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waiting on a condition with a deadline, polling it; the end-to-end tests' only way to wait. */
final class Waits {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private Waits() {
    }

    /**
     * Polls {@code condition} until it is true; an exception counts as false. Fails after
     * {@code timeout} naming {@code what} and the last exception.
     *
     * @return how long it took
     */
    static Duration until(String what, Duration timeout, Callable<Boolean> condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + (last == null ? "" : "; last error: " + last), last);
            }
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted waiting for " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
