package io.runnel.client.internal.producer;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class RecordAccumulatorTest {
    private final TopicPartition tp = new TopicPartition("t", 0);
    private final AtomicLong now = new AtomicLong(1_000);

    private RecordAccumulator accumulator(int batchSize, long lingerMs, BufferPool pool) {
        return new RecordAccumulator(batchSize, lingerMs, 1 << 20, null, pool, now::get);
    }

    @Test
    void recordsFillABatchUpToBatchSizeThenStartANewOne() {
        RecordAccumulator acc = accumulator(200, 1000, new BufferPool(1 << 20));
        byte[] value = new byte[30];
        RecordAccumulator.AppendResult first = acc.append(tp, 1L, null, value, List.of(), null, 0, false);
        assertTrue(first.newBatchCreated());
        assertFalse(first.batchIsFull());
        int appended = 1;
        RecordAccumulator.AppendResult r;
        do {
            r = acc.append(tp, 1L, null, value, List.of(), null, 0, false);
            appended++;
        } while (!r.newBatchCreated());
        assertTrue(r.batchIsFull(), "a second batch queued behind the first makes the first ready");
        assertTrue(appended > 2 && appended < 10, "a few 30-byte records fit 200 bytes: " + appended);
        var deque = acc.deques().iterator().next().getValue();
        assertEquals(2, deque.size());
        assertTrue(deque.peekFirst().sizeInBytes() <= 200);
    }

    @Test
    void aBatchIsReadyAfterLingerOrWhenFlushing() {
        RecordAccumulator acc = accumulator(16384, 50, new BufferPool(1 << 20));
        acc.append(tp, 1L, null, new byte[10], List.of(), null, 0, false);
        ProducerBatch batch = acc.deques().iterator().next().getValue().peekFirst();
        assertEquals(1_050, acc.readyAt(batch, 1, now.get()), "not ready before linger.ms");
        now.addAndGet(50);
        assertEquals(0, acc.readyAt(batch, 1, now.get()), "ready once linger.ms passed");
        now.addAndGet(-50);
        acc.beginFlush();
        assertEquals(0, acc.readyAt(batch, 1, now.get()), "flush sends at once");
        acc.endFlush();
    }

    @Test
    void stickyAppendAbortsInsteadOfStartingANewBatch() {
        RecordAccumulator acc = accumulator(1000, 1000, new BufferPool(1 << 20));
        assertTrue(acc.append(tp, 1L, null, new byte[10], List.of(), null, 0, true).abortedForNewBatch());
        acc.append(tp, 1L, null, new byte[10], List.of(), null, 0, false);
        assertFalse(acc.append(tp, 1L, null, new byte[10], List.of(), null, 0, true).abortedForNewBatch());
    }

    @Test
    void retriesGoBackInFrontInSequenceOrder() {
        RecordAccumulator acc = accumulator(16384, 0, new BufferPool(1 << 20));
        ProducerBatch a = new ProducerBatch(tp, null, 100, 0, new CompressionRatio());
        ProducerBatch b = new ProducerBatch(tp, null, 100, 0, new CompressionRatio());
        ProducerBatch fresh = new ProducerBatch(tp, null, 100, 0, new CompressionRatio());
        a.baseSequence = 0;
        b.baseSequence = 5;
        acc.reenqueue(fresh);
        acc.reenqueue(b);
        acc.reenqueue(a);
        var deque = acc.deques().iterator().next().getValue();
        assertEquals(List.of(a, b, fresh), List.copyOf(deque));
    }

    @Test
    void sendBlocksForBufferMemoryThenTimesOut() throws Exception {
        BufferPool pool = new BufferPool(200);
        RecordAccumulator acc = accumulator(16384, 0, pool);
        acc.append(tp, 1L, null, new byte[120], List.of(), null, 0, false);
        long start = System.nanoTime();
        RunnelException e = assertThrows(RunnelException.class,
                () -> acc.append(tp, 1L, null, new byte[120], List.of(), null, 200, false));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, e.errorCode());
        assertTrue(e.getMessage().contains("max.block.ms=200"), e.getMessage());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200), "waited max.block.ms");

        // a blocked send proceeds once the batch completes and frees its memory
        CompletableFuture<RecordAccumulator.AppendResult> blocked = CompletableFuture.supplyAsync(
                () -> acc.append(tp, 1L, null, new byte[120], List.of(), null, 10_000, false));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!pool.hasWaiters() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(pool.hasWaiters(), "the second send waits for memory");
        assertFalse(blocked.isDone());
        ProducerBatch first = acc.deques().iterator().next().getValue().pollFirst();
        first.complete(0, -1);
        acc.deallocate(first);
        assertTrue(blocked.get(5, TimeUnit.SECONDS).future() != null);
    }

    @Test
    void aRecordLargerThanBufferMemoryFailsAtOnce() {
        RecordAccumulator acc = accumulator(16384, 0, new BufferPool(100));
        RunnelException e = assertThrows(RunnelException.class,
                () -> acc.append(tp, 1L, null, new byte[500], List.of(), null, 60_000, false));
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, e.errorCode());
    }
}
