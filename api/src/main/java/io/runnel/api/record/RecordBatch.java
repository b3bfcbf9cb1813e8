package io.runnel.api.record;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import io.runnel.api.codec.CompressionCodec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static java.util.Objects.requireNonNull;

/**
 * A view of one record batch in the v2 format (magic 2), the unit that producers send, logs store
 * and consumers fetch. The view reads the buffer in place and copies nothing.
 *
 * <p>Byte layout (big-endian), identical to Apache Kafka's record batch v2:
 * <pre>
 *  offset  size  field
 *       0     8  baseOffset            offset of the first record
 *       8     4  batchLength           bytes that follow this field (batch size = 12 + batchLength)
 *      12     4  partitionLeaderEpoch  set by the leader on append
 *      16     1  magic                 2
 *      17     4  crc                   CRC-32C of bytes 21 .. end
 *      21     2  attributes            bits 0-2 compression codec id, bit 3 timestamp type
 *                                      (0 create time, 1 log-append time), bit 4 transactional,
 *                                      bit 5 control
 *      23     4  lastOffsetDelta       last record's offset - baseOffset
 *      27     8  baseTimestamp
 *      35     8  maxTimestamp
 *      43     8  producerId            -1 when not idempotent
 *      51     2  producerEpoch
 *      53     4  baseSequence          -1 when not idempotent
 *      57     4  recordCount
 *      61     .. records               (compressed as a whole when the codec id is not 0)
 * </pre>
 * Base offset and partition leader epoch lie outside the CRC, so a leader can assign them
 * without recomputing it. The full layout, records included, is in {@code docs/format.md}.
 *
 * <p>Not thread safe: a view over a buffer that someone else may be writing is only as consistent
 * as that buffer.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class RecordBatch {
    public static final byte MAGIC = 2;

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    /** Size of the batch header, the smallest valid batch. */
    public static final int HEADER_SIZE = 61;
    /** Bytes before {@code batchLength}'s coverage starts: base offset and the length itself. */
    public static final int LOG_OVERHEAD = 12;

    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_MASK = 0x10;
    public static final int CONTROL_MASK = 0x20;

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;

    private final ByteBuffer buffer;

    private RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /**
     * A view of the batch that starts at {@code buffer}'s position and ends at its limit. The
     * buffer's position and limit are not changed; the view keeps its own duplicate.
     */
    public static RecordBatch wrap(ByteBuffer buffer) {
        requireNonNull(buffer, "buffer is null");
        return new RecordBatch(buffer.slice().order(ByteOrder.BIG_ENDIAN));
    }

    /**
     * The size of the batch that starts at {@code position} of {@code buffer}, read from its length
     * field; -1 if the buffer does not hold the 12 bytes needed to tell.
     */
    public static int sizeAt(ByteBuffer buffer, int position) {
        if (buffer.limit() - position < LOG_OVERHEAD) {
            return -1;
        }
        return LOG_OVERHEAD + buffer.getInt(position + LENGTH_OFFSET);
    }

    /** The buffer behind this view: position 0 is the batch's first byte, limit its end. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    public int sizeInBytes() {
        return buffer.limit();
    }

    public long baseOffset() {
        return buffer.getLong(BASE_OFFSET_OFFSET);
    }

    /** Sets the base offset; outside the CRC, so the batch stays valid. */
    public void setBaseOffset(long baseOffset) {
        buffer.putLong(BASE_OFFSET_OFFSET, baseOffset);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset after this batch: where the next batch starts. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    public int batchLength() {
        return buffer.getInt(LENGTH_OFFSET);
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(PARTITION_LEADER_EPOCH_OFFSET);
    }

    /** Sets the partition leader epoch; outside the CRC, so the batch stays valid. */
    public void setPartitionLeaderEpoch(int epoch) {
        buffer.putInt(PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    public byte magic() {
        return buffer.get(MAGIC_OFFSET);
    }

    /** The CRC stored in the batch. */
    public long storedCrc() {
        return Integer.toUnsignedLong(buffer.getInt(CRC_OFFSET));
    }

    /** The CRC-32C of the bytes the stored CRC covers. */
    public long computeCrc() {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buffer.duplicate().position(ATTRIBUTES_OFFSET);
        crc.update(covered);
        return crc.getValue();
    }

    public short attributes() {
        return buffer.getShort(ATTRIBUTES_OFFSET);
    }

    /** The compression codec id, bits 0-2 of the attributes. */
    public int compressionId() {
        return attributes() & COMPRESSION_MASK;
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_MASK) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(LAST_OFFSET_DELTA_OFFSET);
    }

    public long baseTimestamp() {
        return buffer.getLong(BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buffer.getLong(MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(BASE_SEQUENCE_OFFSET);
    }

    /** The sequence of the last record, wrapping at {@link Integer#MAX_VALUE} like the producer. */
    public int lastSequence() {
        int base = baseSequence();
        if (base == NO_SEQUENCE) {
            return NO_SEQUENCE;
        }
        long last = (long) base + lastOffsetDelta();
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    public int recordCount() {
        return buffer.getInt(RECORD_COUNT_OFFSET);
    }

    /** Whether this batch carries a producer id, i.e. was sent by an idempotent producer. */
    public boolean hasProducerId() {
        return producerId() != NO_PRODUCER_ID;
    }

    /**
     * Checks what can be checked without decoding the records: size, magic, length field, record
     * count and CRC.
     *
     * @throws RunnelException with {@link ErrorCode#CORRUPT_RECORD}, naming the field and the value
     */
    public void ensureValid() {
        int size = buffer.limit();
        if (size < HEADER_SIZE) {
            throw corrupt("batch of " + size + " bytes is smaller than the " + HEADER_SIZE + "-byte header");
        }
        if (batchLength() != size - LOG_OVERHEAD) {
            throw corrupt("batch length field is " + batchLength() + " but the batch holds " + (size - LOG_OVERHEAD)
                    + " bytes after it");
        }
        if (magic() != MAGIC) {
            throw corrupt("magic byte is " + magic() + ", expected " + MAGIC);
        }
        if (recordCount() < 0 || lastOffsetDelta() < 0) {
            throw corrupt("record count " + recordCount() + " / last offset delta " + lastOffsetDelta()
                    + " must not be negative");
        }
        long computed = computeCrc();
        if (computed != storedCrc()) {
            throw corrupt("CRC mismatch: stored 0x" + Long.toHexString(storedCrc()) + ", computed 0x"
                    + Long.toHexString(computed));
        }
    }

    /** Whether {@link #ensureValid()} would pass. */
    public boolean isValid() {
        try {
            ensureValid();
            return true;
        } catch (RunnelException e) {
            return false;
        }
    }

    /**
     * Decodes the records.
     *
     * @param codec the codec for this batch's {@link #compressionId()}; ignored (may be null) for
     *     uncompressed batches
     * @throws RunnelException {@link ErrorCode#UNSUPPORTED_COMPRESSION_TYPE} naming the codec id if
     *     the batch is compressed and {@code codec} is null or another codec;
     *     {@link ErrorCode#CORRUPT_RECORD} if the records do not decode
     */
    public List<Record> records(CompressionCodec codec) {
        int id = compressionId();
        ByteBuffer body = buffer.duplicate().position(HEADER_SIZE).slice();
        if (id != 0) {
            if (codec == null || codec.id() != id) {
                throw new RunnelException(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, "batch at base offset " + baseOffset()
                        + " is compressed with codec id " + id + ", but " + (codec == null ? "no codec"
                        : "codec " + codec.name() + " (id " + codec.id() + ")") + " was given to decode it");
            }
            try {
                body = codec.decompress(body);
            } catch (RuntimeException e) {
                throw new RunnelException(ErrorCode.CORRUPT_RECORD, "batch at base offset " + baseOffset()
                        + " does not decompress with codec id " + id + ": " + e.getMessage(), e);
            }
        }
        int count = recordCount();
        List<Record> result = new ArrayList<>(count);
        long base = baseOffset();
        long baseTimestamp = baseTimestamp();
        boolean logAppendTime = timestampType() == TimestampType.LOG_APPEND_TIME;
        for (int i = 0; i < count; i++) {
            int length = Varints.readVarint(body);
            if (length < 0 || length > body.remaining()) {
                throw Varints.corrupt("record " + i + " of batch at base offset " + base + " claims " + length
                        + " bytes, " + body.remaining() + " remain");
            }
            ByteBuffer record = body.slice().limit(length);
            body.position(body.position() + length);
            record.get(); // attributes, unused
            long timestamp = baseTimestamp + Varints.readVarlong(record);
            long offset = base + Varints.readVarint(record);
            ByteBuffer key = readBytes(record);
            ByteBuffer value = readBytes(record);
            int headerCount = Varints.readVarint(record);
            if (headerCount < 0 || headerCount > record.remaining()) {
                throw Varints.corrupt("header count " + headerCount + " in record at offset " + offset);
            }
            List<Header> headers = new ArrayList<>(headerCount);
            for (int h = 0; h < headerCount; h++) {
                ByteBuffer headerKey = readBytes(record);
                if (headerKey == null) {
                    throw Varints.corrupt("null header key in record at offset " + offset);
                }
                ByteBuffer headerValue = readBytes(record);
                byte[] valueBytes = null;
                if (headerValue != null) {
                    valueBytes = new byte[headerValue.remaining()];
                    headerValue.get(valueBytes);
                }
                headers.add(new Header(StandardCharsets.UTF_8.decode(headerKey).toString(), valueBytes));
            }
            result.add(new Record(offset, logAppendTime ? maxTimestamp() : timestamp, key, value, headers));
        }
        return result;
    }

    private static ByteBuffer readBytes(ByteBuffer in) {
        int length = Varints.readVarint(in);
        if (length < 0) {
            return null;
        }
        if (length > in.remaining()) {
            throw Varints.corrupt("field of " + length + " bytes but only " + in.remaining() + " remain");
        }
        ByteBuffer bytes = in.slice().limit(length).asReadOnlyBuffer();
        in.position(in.position() + length);
        return bytes;
    }

    /**
     * Splits a buffer holding whole batches, back to back, into views.
     *
     * @throws RunnelException with {@link ErrorCode#CORRUPT_RECORD} if the last batch is cut short
     *     or a length field is impossible
     */
    public static List<RecordBatch> parseAll(ByteBuffer buffer) {
        List<RecordBatch> batches = new ArrayList<>();
        int position = buffer.position();
        while (position < buffer.limit()) {
            int size = sizeAt(buffer, position);
            if (size < HEADER_SIZE || size > buffer.limit() - position) {
                throw new RunnelException(ErrorCode.CORRUPT_RECORD, "record batch at byte " + (position - buffer.position())
                        + " has size " + size + " but " + (buffer.limit() - position) + " bytes remain");
            }
            batches.add(wrap(buffer.duplicate().position(position).limit(position + size)));
            position += size;
        }
        return batches;
    }

    /** Recomputes and stores the CRC, after the covered bytes were written. */
    public void updateCrc() {
        buffer.putInt(CRC_OFFSET, (int) computeCrc());
    }

    private RunnelException corrupt(String detail) {
        return new RunnelException(ErrorCode.CORRUPT_RECORD,
                "corrupt record batch" + (buffer.limit() >= 8 ? " at base offset " + baseOffset() : "") + ": " + detail);
    }

    @Override
    public String toString() {
        if (buffer.limit() < HEADER_SIZE) {
            return "RecordBatch(truncated, " + buffer.limit() + " bytes)";
        }
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", size=" + sizeInBytes()
                + ", codec=" + compressionId() + ", records=" + recordCount() + ", producerId=" + producerId()
                + ", baseSequence=" + baseSequence() + ")";
    }
}
