package io.runnel.client.internal.producer;

import io.runnel.api.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Found by review: ordering of retried batches across the sequence wrap, and reading a batch while it is sealed. */
@Timeout(30)
class ProducerRacesTest {
    private final TopicPartition tp = new TopicPartition("t", 0);

    /** B1 = sequences 2147483638..2147483647, B2 starts at 0 after the wrap: B1 must stay in front. */
    @Test
    void reenqueueKeepsSequenceOrderAcrossTheWrap() {
        RecordAccumulator acc = new RecordAccumulator(16384, 0, 1 << 20, null, new BufferPool(1 << 20), () -> 0L);
        ProducerBatch b1 = new ProducerBatch(tp, null, 100, 0, new CompressionRatio());
        ProducerBatch b2 = new ProducerBatch(tp, null, 100, 0, new CompressionRatio());
        b1.baseSequence = Integer.MAX_VALUE - 9;
        b1.numbered();
        b2.baseSequence = 0;
        b2.numbered();
        // onResponse handles the batches of a failed request in send order: b1 first, then b2
        acc.reenqueue(b1);
        acc.reenqueue(b2);
        var deque = acc.deques().iterator().next().getValue();
        assertEquals(List.of(b1, b2), List.copyOf(deque), "b2 (after the wrap) was put in front of b1");
    }

    /** The sender reads sizeInBytes() of a queued batch while the appending thread seals it outside the deque lock. */
    @Test
    void sizeInBytesIsRightWhileAnotherThreadSeals() throws Exception {
        AtomicReference<ProducerBatch> current = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger zero = new AtomicInteger();
        AtomicInteger npe = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                ProducerBatch b = current.get();
                if (b == null) {
                    continue;
                }
                try {
                    if (b.sizeInBytes() == 0) {
                        zero.incrementAndGet();
                    }
                } catch (NullPointerException e) {
                    npe.incrementAndGet();
                }
            }
        });
        reader.start();
        long end = System.nanoTime() + 3_000_000_000L;
        int rounds = 0;
        while (System.nanoTime() < end && zero.get() + npe.get() == 0) {
            ProducerBatch b = new ProducerBatch(tp, null, 100, 0, new CompressionRatio());
            b.append(1L, null, new byte[10], List.of(), null, new java.util.concurrent.CompletableFuture<>());
            current.set(b);
            for (int i = 0; i < 50; i++) {
                Thread.onSpinWait();
            }
            b.seal();
            rounds++;
        }
        stop.set(true);
        reader.join();
        assertEquals(0, zero.get() + npe.get(), "after " + rounds + " seals: sizeInBytes()==0 seen " + zero.get()
                + " times, NullPointerException " + npe.get() + " times");
    }
}
