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
    /** The batch once sealed: header space, then the (compressed) records. */
    private ByteBuffer sealed;
    private int uncompressedSize;
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
        if (records == null) {
            throw new IllegalStateException("the batch is sealed; no more records can be appended");
        }
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
        return records != null ? records.position() : uncompressedSize;
    }

    /**
     * Closes the batch to more records and compresses them now. Optional: {@link #build()} does it
     * when it has not been done. A producer calls it from the thread that filled the batch, so
     * that compression runs there rather than on the thread that sends; the header fields (offset,
     * producer, sequence) may still be set until {@link #build()}.
     *
     * @return the size the built batch will have
     * @since 0.1
     */
    public int seal() {
        if (sealed == null) {
            if (count == 0) {
                throw new IllegalStateException("a batch needs at least one record");
            }
            uncompressedSize = records.position();
            ByteBuffer batch;
            if (codec == null) {
                batch = records.flip();
            } else {
                ByteBuffer compressed = codec.compress(records.duplicate().flip().position(RecordBatch.HEADER_SIZE).slice());
                batch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + compressed.remaining());
                batch.position(RecordBatch.HEADER_SIZE);
                batch.put(compressed).flip();
            }
            sealed = batch.order(ByteOrder.BIG_ENDIAN);
            records = null;
        }
        return sealed.limit();
    }

    /** Whether {@link #seal()} has run. */
    public boolean isSealed() {
        return sealed != null;
    }

    /** Encodes the batch: seals it if needed, then writes the header and the CRC. The builder may not be used afterwards. */
    public ByteBuffer build() {
        seal();
        ByteBuffer batch = sealed;
        int size = batch.limit();
        short attributes = (short) ((codec == null ? 0 : codec.id() & RecordBatch.COMPRESSION_MASK)
                | (timestampType == TimestampType.LOG_APPEND_TIME ? RecordBatch.TIMESTAMP_TYPE_MASK : 0));
        batch.putLong(RecordBatch.BASE_OFFSET_OFFSET, baseOffset)
                .putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD)
                .putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch)
                .put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC)
                .putInt(RecordBatch.CRC_OFFSET, 0)
                .putShort(RecordBatch.ATTRIBUTES_OFFSET, attributes)
                .putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, count - 1)
                .putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, baseTimestamp)
                .putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp)
                .putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId)
                .putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch)
                .putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence)
                .putInt(RecordBatch.RECORD_COUNT_OFFSET, count);
        batch.position(0);
        RecordBatch.wrap(batch).updateCrc();
        sealed = null;
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
