package io.runnel.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waits in tests for a condition, with a deadline, instead of sleeping for a guessed time. */
public final class Await {
    private Await() {
    }

    /**
     * Evaluates {@code attempt} until {@code done} accepts its result, and returns that result.
     *
     * @throws AssertionError naming {@code what} and the last result once {@code timeout} passed
     */
    public static <T> T until(String what, Duration timeout, Supplier<T> attempt, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        do {
            last = attempt.get();
            if (done.test(last)) {
                return last;
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        } while (System.nanoTime() < deadline);
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last seen: " + last);
    }
}
