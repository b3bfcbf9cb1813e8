package io.runnel.api.record;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordBatchTest {

    /** A batch header followed by {@code payload} opaque record bytes, with a correct CRC. */
    static ByteBuffer batch(long baseOffset, int lastOffsetDelta, int codec, byte[] payload) {
        ByteBuffer buffer = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + payload.length);
        buffer.putLong(baseOffset)
                .putInt(RecordBatch.HEADER_SIZE + payload.length - RecordBatch.LOG_OVERHEAD)
                .putInt(-1)
                .put(RecordBatch.MAGIC)
                .putInt(0)
                .putShort((short) codec)
                .putInt(lastOffsetDelta)
                .putLong(1_000L)
                .putLong(2_000L)
                .putLong(42L)
                .putShort((short) 3)
                .putInt(Integer.MAX_VALUE - 1)
                .putInt(lastOffsetDelta + 1)
                .put(payload)
                .flip();
        RecordBatch.wrap(buffer).updateCrc();
        return buffer;
    }

    @Test
    void readsTheV2HeaderFields() {
        RecordBatch batch = RecordBatch.wrap(batch(100, 4, 3, new byte[] {1, 2, 3}));
        batch.ensureValid();
        assertEquals(100, batch.baseOffset());
        assertEquals(104, batch.lastOffset());
        assertEquals(105, batch.nextOffset());
        assertEquals(64, batch.sizeInBytes());
        assertEquals(3, batch.compressionId());
        assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
        assertEquals(1_000L, batch.baseTimestamp());
        assertEquals(2_000L, batch.maxTimestamp());
        assertEquals(42L, batch.producerId());
        assertEquals(3, batch.producerEpoch());
        assertEquals(5, batch.recordCount());
        assertEquals(2, batch.lastSequence(), "sequences MAX-1, MAX, 0, 1, 2: wraps past Integer.MAX_VALUE");
        assertEquals(64, RecordBatch.sizeAt(batch.buffer(), 0));
    }

    @Test
    void offsetAndLeaderEpochLieOutsideTheCrc() {
        RecordBatch batch = RecordBatch.wrap(batch(0, 0, 0, new byte[10]));
        batch.setBaseOffset(7_000);
        batch.setPartitionLeaderEpoch(9);
        assertTrue(batch.isValid());
        assertEquals(7_000, batch.baseOffset());
        assertEquals(9, batch.partitionLeaderEpoch());
    }

    @Test
    void everyFlippedByteUnderTheCrcIsDetected() {
        ByteBuffer original = batch(0, 2, 0, new byte[] {5, 6, 7, 8});
        for (int i = RecordBatch.ATTRIBUTES_OFFSET; i < original.limit(); i++) {
            ByteBuffer copy = ByteBuffer.allocate(original.limit()).put(original.duplicate()).flip();
            copy.put(i, (byte) (copy.get(i) ^ 0x40));
            RunnelException e = assertThrows(RunnelException.class, () -> RecordBatch.wrap(copy).ensureValid(),
                    "flip at byte " + i);
            assertEquals(ErrorCode.CORRUPT_RECORD, e.errorCode());
        }
    }

    @Test
    void rejectsWrongLengthMagicAndShortBatches() {
        ByteBuffer wrongLength = batch(0, 0, 0, new byte[4]);
        wrongLength.putInt(RecordBatch.LENGTH_OFFSET, 999);
        assertTrue(assertThrows(RunnelException.class, () -> RecordBatch.wrap(wrongLength).ensureValid())
                .getMessage().contains("batch length field is 999"));

        ByteBuffer wrongMagic = batch(0, 0, 0, new byte[4]);
        wrongMagic.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertTrue(assertThrows(RunnelException.class, () -> RecordBatch.wrap(wrongMagic).ensureValid())
                .getMessage().contains("magic byte is 1"));

        ByteBuffer tooShort = ByteBuffer.allocate(20);
        assertFalse(RecordBatch.wrap(tooShort).isValid());
        assertEquals(-1, RecordBatch.sizeAt(ByteBuffer.allocate(11), 0));
    }
}
