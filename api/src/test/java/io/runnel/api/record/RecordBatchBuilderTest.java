package io.runnel.api.record;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.codec.CompressionCodec;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordBatchBuilderTest {
    /** A real compressing codec, so the compressed path is exercised without a plugin. */
    private static final CompressionCodec DEFLATE = new BaseCompressionCodec(6, "deflate-test") {
        @Override
        public OutputStream compressing(OutputStream out) {
            return new DeflaterOutputStream(out);
        }

        @Override
        public InputStream decompressing(InputStream in) {
            return new InflaterInputStream(in);
        }
    };

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void roundTripsKeysValuesHeadersAndTimestamps() {
        for (CompressionCodec codec : new CompressionCodec[] {null, DEFLATE}) {
            ByteBuffer buffer = new RecordBatchBuilder(codec).idempotent(77L, (short) 2, 10).baseOffset(500)
                    .append(1_000L, bytes("k1"), bytes("v1"), List.of(new Header("h", bytes("x")), new Header("n", null)))
                    .append(999L, null, bytes("v2"))
                    .append(1_005L, bytes("k3"), null)
                    .build();
            RecordBatch batch = RecordBatch.wrap(buffer);
            batch.ensureValid();
            assertEquals(codec == null ? 0 : 6, batch.compressionId());
            assertEquals(500, batch.baseOffset());
            assertEquals(502, batch.lastOffset());
            assertEquals(3, batch.recordCount());
            assertEquals(1_000L, batch.baseTimestamp());
            assertEquals(1_005L, batch.maxTimestamp());
            assertEquals(77L, batch.producerId());
            assertEquals(12, batch.lastSequence());

            List<Record> records = batch.records(codec);
            assertEquals(3, records.size());
            Record first = records.get(0);
            assertEquals(500, first.offset());
            assertEquals(1_000L, first.timestamp());
            assertArrayEquals(bytes("k1"), bytes(first.key()));
            assertArrayEquals(bytes("v1"), bytes(first.value()));
            assertEquals(List.of(new Header("h", bytes("x")), new Header("n", null)), first.headers());
            assertNull(records.get(1).key());
            assertEquals(999L, records.get(1).timestamp(), "timestamps may go backwards within a batch");
            assertNull(records.get(2).value());
            assertEquals(502, records.get(2).offset());
        }
    }

    @Test
    void compressedBatchNeedsItsCodec() {
        ByteBuffer buffer = new RecordBatchBuilder(DEFLATE).append(1L, null, bytes("v")).build();
        RunnelException e = assertThrows(RunnelException.class, () -> RecordBatch.wrap(buffer).records(null));
        assertEquals(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, e.errorCode());
        assertTrue(e.getMessage().contains("codec id 6"), e.getMessage());
    }

    @Test
    void logAppendTimeGivesEveryRecordTheBatchTime() {
        ByteBuffer buffer = new RecordBatchBuilder(null).timestampType(TimestampType.LOG_APPEND_TIME)
                .append(5L, null, bytes("a")).append(9L, null, bytes("b")).build();
        RecordBatch batch = RecordBatch.wrap(buffer);
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        assertTrue(batch.records(null).stream().allMatch(r -> r.timestamp() == 9L));
    }

    @Test
    void parsesBackToBackBatchesAndRefusesACutOne() {
        ByteBuffer a = new RecordBatchBuilder(null).append(1L, null, bytes("a")).build();
        ByteBuffer b = new RecordBatchBuilder(null).baseOffset(1).append(2L, null, bytes("b")).append(3L, null, null).build();
        ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining()).put(a.duplicate()).put(b.duplicate()).flip();
        List<RecordBatch> batches = RecordBatch.parseAll(both);
        assertEquals(2, batches.size());
        assertEquals(2, batches.get(1).lastOffset());

        ByteBuffer cut = both.duplicate().limit(both.limit() - 3);
        assertEquals(ErrorCode.CORRUPT_RECORD, assertThrows(RunnelException.class, () -> RecordBatch.parseAll(cut)).errorCode());
    }

    @Test
    void corruptRecordBodyIsReportedNotMisread() {
        ByteBuffer buffer = new RecordBatchBuilder(null).append(1L, bytes("key"), bytes("value")).build();
        buffer.put(RecordBatch.HEADER_SIZE, (byte) 0x7f); // record length far beyond the batch
        RecordBatch batch = RecordBatch.wrap(buffer);
        assertEquals(ErrorCode.CORRUPT_RECORD, assertThrows(RunnelException.class, () -> batch.records(null)).errorCode());
    }
}
