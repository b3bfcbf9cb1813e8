package io.runnel.client.internal.producer;

import io.runnel.api.TopicPartition;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Header;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.client.producer.Callback;
import io.runnel.client.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The records of one partition that travel together as one v2 record batch. Records are appended
 * by sending threads (under the partition's deque lock) until the sender drains the batch; then the
 * sender builds it once, with its producer id, epoch and base sequence, and resends exactly those
 * bytes on every retry, so the broker recognises a duplicate. The one exception: when the producer
 * takes a new producer id after a batch failed for good, a batch known not to be written yet is
 * given the new id and a new sequence ({@link #resetProducerState}).
 *
 * <p>Appends are guarded by the accumulator's deque lock; everything after draining happens on
 * the sender thread.
 */
public final class ProducerBatch {
    private static final Logger log = LoggerFactory.getLogger(ProducerBatch.class);

    private record Thunk(CompletableFuture<RecordMetadata> future, Callback callback, long timestamp, int keySize,
                         int valueSize) {
    }

    final TopicPartition tp;
    final long createdMs;
    private final RecordBatchBuilder builder;
    private final int batchSize;
    private final List<Thunk> thunks = new ArrayList<>();
    long reservedBytes;
    private ByteBuffer built;
    int baseSequence = RecordBatch.NO_SEQUENCE;
    /**
     * When the batch was first numbered, from a counter that never wraps: the order of a
     * partition's numbered batches, which their sequences (wrapping at 2^31) cannot give by
     * comparison.
     */
    long numberedOrder = -1;
    private static final java.util.concurrent.atomic.AtomicLong NUMBERING = new java.util.concurrent.atomic.AtomicLong();
    int attempts;
    long retryAtMs;
    /**
     * Whether an attempt ended without telling whether the broker wrote the batch (no answer, or
     * an answer such as REQUEST_TIMED_OUT that comes after the write), and no answer since said it
     * is not written. Sender thread only.
     */
    boolean maybeWritten;
    private boolean done;
    /** Completes normally once the batch succeeded or failed (flush and close wait on it). */
    final CompletableFuture<Void> completion = new CompletableFuture<>();

    private final CompressionRatio ratio;
    /** Set once the records are compressed (and no more can be added). */
    private volatile boolean sealed;
    private final boolean compressed;

    ProducerBatch(TopicPartition tp, CompressionCodec codec, int batchSize, long createdMs, CompressionRatio ratio) {
        this.tp = tp;
        this.compressed = codec != null && codec.id() != 0;
        this.ratio = ratio;
        // Uncompressed, a batch ends near batch.size: reserving that up front saves growing it
        // record by record. Compressed, it holds more raw bytes than that; it grows as needed.
        this.builder = new RecordBatchBuilder(codec, batchSize + RecordBatch.HEADER_SIZE);
        this.batchSize = batchSize;
        this.createdMs = createdMs;
    }

    /** The size the batch is expected to have once built: its raw size, or the estimate of its compressed size. */
    private int expectedSize(int rawBytes) {
        if (!compressed) {
            return rawBytes;
        }
        return RecordBatch.HEADER_SIZE + ratio.estimateCompressed(rawBytes - RecordBatch.HEADER_SIZE);
    }

    /** Whether a record of {@code estimatedBytes} still fits; an empty batch takes any record. */
    boolean hasRoomFor(int estimatedBytes) {
        return built == null && !sealed && (builder.recordCount() == 0
                || expectedSize(builder.uncompressedSizeInBytes() + estimatedBytes) <= batchSize);
    }

    synchronized boolean isFull() {
        return built != null || sealed || expectedSize(builder.uncompressedSizeInBytes()) >= batchSize;
    }

    void append(long timestamp, byte[] key, byte[] value, List<Header> headers, Callback callback,
                CompletableFuture<RecordMetadata> future) {
        builder.append(timestamp, key, value, headers);
        thunks.add(new Thunk(future, callback, timestamp, key == null ? -1 : key.length, value == null ? -1 : value.length));
    }

    public int recordCount() {
        return thunks.size();
    }

    boolean hasSequence() {
        return baseSequence != RecordBatch.NO_SEQUENCE;
    }

    /**
     * Closes the batch to more records and compresses it, on the calling thread: the producer calls
     * this from the thread whose record filled the batch, so that compression happens there and not
     * on the one thread that sends. Idempotent.
     */
    synchronized void seal() {
        if (built != null || sealed) {
            return;
        }
        int raw = builder.uncompressedSizeInBytes();
        int size = builder.seal();
        sealed = true;
        if (compressed) {
            ratio.observe(raw - RecordBatch.HEADER_SIZE, size - RecordBatch.HEADER_SIZE);
        }
    }

    /** Builds the batch on first send; later calls return the same bytes. */
    synchronized ByteBuffer build(long producerId, short epoch, int sequence) {
        if (built == null) {
            seal();
            if (producerId != RecordBatch.NO_PRODUCER_ID) {
                builder.idempotent(producerId, epoch, sequence);
                baseSequence = sequence;
            }
            built = builder.build();
        }
        return built.duplicate();
    }

    /**
     * Gives a built batch a new producer id, epoch and base sequence (after the producer took a
     * new id): rewrites those header fields and the CRC, which covers them. Only while the batch
     * is not in flight.
     */
    synchronized void resetProducerState(long producerId, short epoch, int sequence) {
        if (built == null) {
            throw new IllegalStateException("batch for " + tp + " was never built, so it has no producer state");
        }
        built.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId)
                .putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, epoch)
                .putInt(RecordBatch.BASE_SEQUENCE_OFFSET, sequence);
        RecordBatch.wrap(built).updateCrc();
        baseSequence = sequence;
    }

    /** Read by the sender while an appending thread may be sealing the batch: under the batch's lock. */
    synchronized int sizeInBytes() {
        return built != null ? built.remaining() : builder.uncompressedSizeInBytes();
    }

    /** Records that the batch got its first sequence number now. */
    void numbered() {
        if (numberedOrder < 0) {
            numberedOrder = NUMBERING.incrementAndGet();
        }
    }

    boolean isDone() {
        return done;
    }

    /** Completes every record, callbacks first, in append order. */
    void complete(long baseOffset, long logAppendTime) {
        if (done) {
            return;
        }
        done = true;
        for (int i = 0; i < thunks.size(); i++) {
            Thunk t = thunks.get(i);
            RecordMetadata metadata = new RecordMetadata(tp, baseOffset < 0 ? -1 : baseOffset + i,
                    logAppendTime >= 0 ? logAppendTime : t.timestamp, t.keySize, t.valueSize);
            runCallback(t, metadata, null);
            t.future.complete(metadata);
        }
        completion.complete(null);
    }

    void fail(RuntimeException error) {
        if (done) {
            return;
        }
        done = true;
        for (Thunk t : thunks) {
            runCallback(t, null, error);
            t.future.completeExceptionally(error);
        }
        completion.complete(null);
    }

    private void runCallback(Thunk t, RecordMetadata metadata, Exception error) {
        if (t.callback == null) {
            return;
        }
        try {
            t.callback.onCompletion(metadata, error);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable e) {
            // Errors too (a failing assertion in a test's callback): the I/O thread must live on.
            log.error("A producer callback for {} threw; the producer carries on", tp, e);
        }
    }

    @Override
    public String toString() {
        return "ProducerBatch(" + tp + ", " + thunks.size() + " records, sequence " + baseSequence + ", attempt "
                + attempts + ")";
    }
}
