package io.runnel.api.record;

import io.runnel.api.Api;
import io.runnel.api.codec.CompressionCodec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds one v2 record batch (layout in {@link RecordBatch} and {@code docs/format.md}).
 *
 * <p>Records are encoded as they are appended; {@link #build()} compresses them as one stream with
 * the codec, if any, writes the header and the CRC. The base offset defaults to 0: the leader
 * assigns real offsets on append.
 *
 * <p>Not thread safe.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class RecordBatchBuilder {
    private final CompressionCodec codec;
    /**
     * The batch being built: {@link RecordBatch#HEADER_SIZE} bytes left for the header, then the
     * records; an uncompressed batch is finished in place, without a copy.
     */
    private ByteBuffer records;
    private int count;
    private long baseTimestamp;
    private long maxTimestamp = -1L;
    private long baseOffset;
    private int partitionLeaderEpoch = RecordBatch.NO_PARTITION_LEADER_EPOCH;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private TimestampType timestampType = TimestampType.CREATE_TIME;

    /**
     * @param codec compresses the records, or null for none (codec id 0)
     */
    public RecordBatchBuilder(CompressionCodec codec) {
        this(codec, 1024);
    }

    /**
     * @param codec compresses the records, or null for none (codec id 0)
     * @param initialCapacity bytes to reserve for the batch (it grows when needed); the expected
     *     batch size saves growing it record by record
     * @since 0.1
     */
    public RecordBatchBuilder(CompressionCodec codec, int initialCapacity) {
        this.codec = codec != null && codec.id() == 0 ? null : codec;
        this.records = ByteBuffer.allocate(Math.max(initialCapacity, RecordBatch.HEADER_SIZE + 64));
        this.records.position(RecordBatch.HEADER_SIZE);
    }

    /** Marks the batch as sent by an idempotent producer. */
    public RecordBatchBuilder idempotent(long producerId, short producerEpoch, int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder baseOffset(long baseOffset) {
        this.baseOffset = baseOffset;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    public RecordBatchBuilder timestampType(TimestampType type) {
        this.timestampType = type;
        return this;
    }

    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    /** Appends a record; its offset is the batch's base offset plus the number appended before it. */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (count == 0) {
            baseTimestamp = timestamp;
        }
        long timestampDelta = timestamp - baseTimestamp;
        int body = 1 + Varints.sizeOfVarlong(timestampDelta) + Varints.sizeOfVarint(count)
                + sizeOfBytes(key) + sizeOfBytes(value) + Varints.sizeOfVarint(headers.size());
        byte[][] headerKeys = new byte[headers.size()][];
        for (int i = 0; i < headers.size(); i++) {
            headerKeys[i] = headers.get(i).key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            body += sizeOfBytes(headerKeys[i]) + sizeOfBytes(headers.get(i).value());
        }
        ensureRoom(Varints.sizeOfVarint(body) + body);
        Varints.writeVarint(body, records);
        records.put((byte) 0);
        Varints.writeVarlong(timestampDelta, records);
        Varints.writeVarint(count, records);
        writeBytes(key);
        writeBytes(value);
        Varints.writeVarint(headers.size(), records);
        for (int i = 0; i < headers.size(); i++) {
            writeBytes(headerKeys[i]);
            writeBytes(headers.get(i).value());
        }
        count++;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        return this;
    }

    public int recordCount() {
        return count;
    }

    /** The size the batch would have uncompressed; an upper bound for most codecs. */
    public int uncompressedSizeInBytes() {
        return records.position();
    }

    /** Encodes the batch. The builder may not be used afterwards. */
    public ByteBuffer build() {
        if (count == 0) {
            throw new IllegalStateException("a batch needs at least one record");
        }
        ByteBuffer batch;
        int bodySize;
        if (codec == null) {
            bodySize = records.position() - RecordBatch.HEADER_SIZE;
            batch = records.flip().order(ByteOrder.BIG_ENDIAN);
        } else {
            ByteBuffer compressed = codec.compress(records.duplicate().flip().position(RecordBatch.HEADER_SIZE).slice());
            bodySize = compressed.remaining();
            batch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + bodySize).order(ByteOrder.BIG_ENDIAN);
            batch.position(RecordBatch.HEADER_SIZE);
            batch.put(compressed).flip();
        }
        short attributes = (short) ((codec == null ? 0 : codec.id() & RecordBatch.COMPRESSION_MASK)
                | (timestampType == TimestampType.LOG_APPEND_TIME ? RecordBatch.TIMESTAMP_TYPE_MASK : 0));
        batch.putLong(baseOffset)
                .putInt(RecordBatch.HEADER_SIZE + bodySize - RecordBatch.LOG_OVERHEAD)
                .putInt(partitionLeaderEpoch)
                .put(RecordBatch.MAGIC)
                .putInt(0)
                .putShort(attributes)
                .putInt(count - 1)
                .putLong(baseTimestamp)
                .putLong(maxTimestamp)
                .putLong(producerId)
                .putShort(producerEpoch)
                .putInt(baseSequence)
                .putInt(count);
        batch.position(0);
        RecordBatch.wrap(batch).updateCrc();
        records = null;
        return batch;
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? Varints.sizeOfVarint(-1) : Varints.sizeOfVarint(bytes.length) + bytes.length;
    }

    private void writeBytes(byte[] bytes) {
        if (bytes == null) {
            Varints.writeVarint(-1, records);
        } else {
            Varints.writeVarint(bytes.length, records);
            records.put(bytes);
        }
    }

    private void ensureRoom(int bytes) {
        if (records.remaining() < bytes) {
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8,
                    Math.max(records.capacity() * 2L, (long) records.position() + bytes));
            ByteBuffer bigger = ByteBuffer.allocate(capacity);
            bigger.put(records.flip());
            records = bigger;
        }
    }
}
