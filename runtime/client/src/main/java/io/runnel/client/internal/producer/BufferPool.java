package io.runnel.client.internal.producer;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Accounts {@code buffer.memory}: the bytes of records a producer holds until the broker
 * acknowledges them. {@link #allocate} blocks a sending thread while the memory is used up, for at
 * most {@code max.block.ms}; the I/O thread {@link #release}s a batch's bytes when the batch
 * completes.
 *
 * <p>Thread safe. Waiters are served first come, first served.
 */
public final class BufferPool {
    private final long totalBytes;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition freed = lock.newCondition();
    private long availableBytes;
    private int waiters;
    private volatile Runnable onWait = () -> { };

    public BufferPool(long totalBytes) {
        this.totalBytes = totalBytes;
        this.availableBytes = totalBytes;
    }

    /**
     * Takes {@code bytes}, waiting up to {@code maxBlockMs} for them.
     *
     * @throws RunnelException {@link ErrorCode#REQUEST_TIMED_OUT} when the wait ran out, naming the
     *     sizes; {@link ErrorCode#MESSAGE_TOO_LARGE} if more than {@code buffer.memory} is asked for
     */
    /** Called (outside the lock) when a thread is about to wait, so the sender sends what it has at once. */
    public void onWait(Runnable listener) {
        this.onWait = listener;
    }

    public void allocate(long bytes, long maxBlockMs) {
        if (bytes > totalBytes) {
            throw new RunnelException(ErrorCode.MESSAGE_TOO_LARGE, "a record of about " + bytes
                    + " bytes is larger than buffer.memory=" + totalBytes);
        }
        long remainingNs = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
        lock.lock();
        try {
            waiters++;
            try {
                while (availableBytes < bytes) {
                    onWait.run();
                    if (remainingNs <= 0) {
                        throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "failed to allocate " + bytes
                                + " bytes of buffer.memory=" + totalBytes + " within max.block.ms=" + maxBlockMs
                                + " (" + availableBytes + " bytes free; records are produced faster than the brokers"
                                + " acknowledge them)");
                    }
                    remainingNs = freed.awaitNanos(remainingNs);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for buffer memory", e);
            } finally {
                waiters--;
            }
            availableBytes -= bytes;
            if (availableBytes > 0 && waiters > 0) {
                freed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    public void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        lock.lock();
        try {
            availableBytes += bytes;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long availableBytes() {
        lock.lock();
        try {
            return availableBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Whether some thread is waiting for memory; the sender then sends what it has at once. */
    public boolean hasWaiters() {
        lock.lock();
        try {
            return waiters > 0;
        } finally {
            lock.unlock();
        }
    }

    public long totalBytes() {
        return totalBytes;
    }
}
