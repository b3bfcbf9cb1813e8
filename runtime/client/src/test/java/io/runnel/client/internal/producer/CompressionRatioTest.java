package io.runnel.client.internal.producer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressionRatioTest {

    @Test
    void startsAtOneFallsSlowlyAndRisesAtOnce() {
        CompressionRatio ratio = new CompressionRatio();
        assertEquals(1.0f, ratio.estimate());
        ratio.observe(1000, 250);
        assertEquals(0.995f, ratio.estimate(), 1e-6, "falls by a small step");
        for (int i = 0; i < 1000; i++) {
            ratio.observe(1000, 250);
        }
        assertEquals(0.25f, ratio.estimate(), 1e-6, "settles on what batches achieve");
        ratio.observe(1000, 600);
        assertEquals(0.6f, ratio.estimate(), 1e-6, "a batch that compresses worse raises it at once");
    }

    @Test
    void compressedBatchesHoldMoreRawBytesThanBatchSize() {
        CompressionRatio ratio = new CompressionRatio();
        for (int i = 0; i < 1000; i++) {
            ratio.observe(1000, 200);
        }
        ProducerBatch batch = new ProducerBatch(new io.runnel.api.TopicPartition("t", 0), new FakeCodec(), 10_000, 0, ratio);
        int records = 0;
        while (batch.hasRoomFor(1000)) {
            batch.append(0, null, new byte[990], java.util.List.of(), null, new java.util.concurrent.CompletableFuture<>());
            records++;
        }
        assertTrue(records > 30, "about 10,000 / 0.2 / 1,000 records fit, not 10: " + records);
    }

    /** A codec that "compresses" by keeping every fifth byte; only the sizes matter here. */
    private static final class FakeCodec extends io.runnel.api.codec.BaseCompressionCodec {
        FakeCodec() {
            super(6, "fake");
        }

        @Override
        public java.nio.ByteBuffer compress(java.nio.ByteBuffer input) {
            return java.nio.ByteBuffer.allocate(input.remaining() / 5);
        }

        @Override
        public java.io.OutputStream compressing(java.io.OutputStream out) {
            return out;
        }

        @Override
        public java.io.InputStream decompressing(java.io.InputStream in) {
            return in;
        }
    }
}
