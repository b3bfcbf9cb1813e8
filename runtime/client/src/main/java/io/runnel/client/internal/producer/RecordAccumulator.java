package io.runnel.client.internal.producer;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Header;
import io.runnel.api.record.RecordBatch;
import io.runnel.client.producer.Callback;
import io.runnel.client.producer.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Collects records into per-partition {@link ProducerBatch}es until the sender drains them: a
 * batch is ready once full ({@code batch.size}), when another batch queues behind it, after
 * {@code linger.ms}, during {@link #beginFlush() flush} or close, or while a sending thread waits
 * for memory. Every record's bytes are taken from the {@link BufferPool} before it is appended and
 * given back when its batch completes.
 *
 * <p>Thread safe: each partition's deque is its own lock; the sender thread is the only one that
 * removes batches.
 */
public final class RecordAccumulator {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RecordAccumulator.class);

    /** What {@link #append} did. */
    public record AppendResult(CompletableFuture<RecordMetadata> future, boolean batchIsFull, boolean newBatchCreated,
                               boolean abortedForNewBatch) {
    }

    private final int batchSize;
    private final long lingerMs;
    private final int maxRequestSize;
    private final CompressionCodec codec;
    private final BufferPool pool;
    private final LongSupplier clock;
    private final Map<TopicPartition, Deque<ProducerBatch>> batches = new ConcurrentHashMap<>();
    /** Per topic: how well its batches compress, so compressed batches fill batch.size. */
    private final java.util.concurrent.ConcurrentHashMap<String, CompressionRatio> compressionRatios =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
    private final AtomicInteger flushesInProgress = new AtomicInteger();
    private volatile boolean closing;
    private final AtomicInteger appendsInProgress = new AtomicInteger();

    public RecordAccumulator(int batchSize, long lingerMs, int maxRequestSize, CompressionCodec codec, BufferPool pool,
                             LongSupplier clock) {
        this.batchSize = batchSize;
        this.lingerMs = lingerMs;
        this.maxRequestSize = maxRequestSize;
        this.codec = codec;
        this.pool = pool;
        this.clock = clock;
    }

    /** An upper bound of a record's encoded size inside a batch. */
    public static int estimateSize(byte[] key, byte[] value, List<Header> headers) {
        int size = 5 + 1 + 10 + 5 + 5 + (key == null ? 0 : key.length) + 5 + (value == null ? 0 : value.length) + 5;
        for (Header h : headers) {
            size += 5 + h.key().getBytes(StandardCharsets.UTF_8).length + 5 + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    /**
     * Appends a record, blocking up to {@code maxBlockMs} for memory.
     *
     * @param abortOnNewBatch give up (and say so) instead of starting a new batch, so a sticky
     *     partitioner can move on first
     * @throws RunnelException {@link ErrorCode#MESSAGE_TOO_LARGE} if the record alone exceeds
     *     {@code max.request.size} or {@code buffer.memory}; {@link ErrorCode#REQUEST_TIMED_OUT}
     *     when no memory was freed in time
     */
    public AppendResult append(TopicPartition tp, long timestamp, byte[] key, byte[] value, List<Header> headers,
                               Callback callback, long maxBlockMs, boolean abortOnNewBatch) {
        int size = estimateSize(key, value, headers);
        int asBatch = RecordBatch.HEADER_SIZE + size; // the estimate includes the length varint
        if (asBatch > maxRequestSize) {
            throw new RunnelException(ErrorCode.MESSAGE_TOO_LARGE, "the record for " + tp + " is about " + asBatch
                    + " bytes when serialized, larger than max.request.size=" + maxRequestSize);
        }
        appendsInProgress.incrementAndGet();
        try {
            return appendCounted(tp, timestamp, key, value, headers, callback, maxBlockMs, abortOnNewBatch, size);
        } finally {
            appendsInProgress.decrementAndGet();
        }
    }

    private AppendResult appendCounted(TopicPartition tp, long timestamp, byte[] key, byte[] value, List<Header> headers,
                                       Callback callback, long maxBlockMs, boolean abortOnNewBatch, int size) {
        if (closing) {
            throw new RunnelException(ErrorCode.NETWORK_EXCEPTION, "the producer is closed; cannot send to " + tp);
        }
        Deque<ProducerBatch> deque = batches.computeIfAbsent(tp, k -> new ArrayDeque<>());
        synchronized (deque) {
            ProducerBatch last = deque.peekLast();
            if (abortOnNewBatch && (last == null || !last.hasRoomFor(size))) {
                return new AppendResult(null, false, false, true);
            }
        }
        pool.allocate(size, maxBlockMs);
        boolean appended = false;
        ProducerBatch closed = null;
        try {
            synchronized (deque) {
                if (closing) {
                    // Closed while this send waited for memory: the sender may already have aborted
                    // what was queued, so nothing may be added now.
                    throw new RunnelException(ErrorCode.NETWORK_EXCEPTION, "the producer is closed; cannot send to " + tp);
                }
                ProducerBatch last = deque.peekLast();
                boolean created = false;
                if (last == null || !last.hasRoomFor(size)) {
                    if (abortOnNewBatch) {
                        return new AppendResult(null, false, false, true);
                    }
                    // Compress the full batch here only when the sender is behind (batches wait
                    // behind it); otherwise the sender compresses it, so the two threads share the
                    // work instead of one doing all of it.
                    closed = deque.size() >= 2 ? last : null;
                    last = new ProducerBatch(tp, codec, batchSize, clock.getAsLong(),
                            compressionRatios.computeIfAbsent(tp.topic(), t -> new CompressionRatio()));
                    deque.addLast(last);
                    incomplete.add(last);
                    created = true;
                }
                CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
                last.append(timestamp, key, value, headers, callback, future);
                last.reservedBytes += size;
                appended = true;
                return new AppendResult(future, deque.size() > 1 || last.isFull(), created, false);
            }
        } finally {
            if (!appended) {
                pool.release(size);
            }
            if (closed != null) {
                try {
                    closed.seal(); // outside the lock
                } catch (RuntimeException e) {
                    // The record is queued already; the sender's build of the batch fails it properly.
                    log.warn("Compressing a batch for {} failed; the sender will fail it: {}", tp, e.toString());
                }
            }
        }
    }

    /** Partitions that have batches waiting. */
    Iterable<Map.Entry<TopicPartition, Deque<ProducerBatch>>> deques() {
        return batches.entrySet();
    }

    /**
     * Whether the first batch of a deque may be sent now (ignoring back-off and in-flight limits);
     * otherwise, the time it becomes so. Call with the deque locked.
     *
     * @return 0 if ready now, else the time in ms at which it will be
     */
    long readyAt(ProducerBatch first, int queued, long nowMs) {
        if (queued > 1 || first.isFull() || closing || flushesInProgress.get() > 0 || pool.hasWaiters()) {
            return 0;
        }
        long at = first.createdMs + lingerMs;
        return at <= nowMs ? 0 : at;
    }

    /** Puts a batch that failed back in front, in sequence order, so that retries keep their order. */
    void reenqueue(ProducerBatch batch) {
        Deque<ProducerBatch> deque = batches.computeIfAbsent(batch.tp, k -> new ArrayDeque<>());
        synchronized (deque) {
            if (!batch.hasSequence()) {
                deque.addFirst(batch);
                return;
            }
            List<ProducerBatch> ahead = new ArrayList<>();
            while (!deque.isEmpty() && deque.peekFirst().hasSequence()
                    && deque.peekFirst().numberedOrder < batch.numberedOrder) {
                ahead.add(deque.pollFirst());
            }
            deque.addFirst(batch);
            for (int i = ahead.size() - 1; i >= 0; i--) {
                deque.addFirst(ahead.get(i));
            }
        }
    }

    /**
     * Whether sequence {@code a} comes before {@code b}, sequences wrapping from
     * {@link Integer#MAX_VALUE} to 0 (as the broker compares them).
     */
    static boolean sequenceBefore(int a, int b) {
        long space = (long) Integer.MAX_VALUE + 1;
        long ahead = Math.floorMod((long) b - a, space);
        return ahead > 0 && ahead < space / 2;
    }

    /** Appends under way, so the sender can wait for them before it aborts what is left at close. */
    int appendsInProgress() {
        return appendsInProgress.get();
    }

    /** Releases a completed batch's memory. */
    void deallocate(ProducerBatch batch) {
        if (incomplete.remove(batch)) {
            pool.release(batch.reservedBytes);
        }
    }

    /** Fails every batch still queued (not in flight): after close timed out, or on a fatal error. */
    void abortQueued(RuntimeException error) {
        for (Deque<ProducerBatch> deque : batches.values()) {
            List<ProducerBatch> aborted = new ArrayList<>();
            synchronized (deque) {
                for (Iterator<ProducerBatch> it = deque.iterator(); it.hasNext(); ) {
                    aborted.add(it.next());
                    it.remove();
                }
            }
            for (ProducerBatch batch : aborted) {
                batch.fail(error);
                deallocate(batch);
            }
        }
    }

    public void beginFlush() {
        flushesInProgress.incrementAndGet();
    }

    public void endFlush() {
        flushesInProgress.decrementAndGet();
    }

    public void beginClose() {
        closing = true;
    }

    /** The batches not yet completed, for flush to wait on. */
    public List<ProducerBatch> incompleteBatches() {
        return List.copyOf(incomplete);
    }

    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    /** Futures of the records of incomplete batches, as one future (flush). */
    public CompletableFuture<Void> allIncomplete() {
        return CompletableFuture.allOf(incomplete.stream().map(b -> b.completion).toArray(CompletableFuture[]::new));
    }
}
