package io.runnel.broker.internal.partition;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.storage.ProducerState;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Idempotence on one partition: per producer id, its epoch and its last {@value #KEPT_BATCHES}
 * batches' sequence ranges, so a retried batch is recognised and answered with its first offsets
 * instead of being written twice, and a gap in the sequence is refused.
 *
 * <p>A producer seen for the first time since this broker opened the log is looked up in the
 * log's own producer state, which survives restarts (its last batch only).
 *
 * <p>Not thread safe: used under the partition's append lock.
 */
final class ProducerSequences {
    /** As many batches as an idempotent producer may have in flight per partition. */
    static final int KEPT_BATCHES = 5;

    record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset, long timestamp) {
    }

    /** The outcome of checking one batch: append it, or it is a retry of {@code original}. */
    record Check(Optional<BatchMetadata> duplicateOf) {
        static final Check APPEND = new Check(Optional.empty());
    }

    private static final class Producer {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(KEPT_BATCHES);
    }

    private final Map<Long, Producer> producers = new HashMap<>();
    private final LongFunction<Optional<ProducerState>> stored;
    private final String partition;

    ProducerSequences(String partition, LongFunction<Optional<ProducerState>> stored) {
        this.partition = partition;
        this.stored = stored;
    }

    Check check(RecordBatch batch) {
        long id = batch.producerId();
        short epoch = batch.producerEpoch();
        int first = batch.baseSequence();
        Producer producer = producer(id);
        if (producer == null) {
            if (first != 0) {
                throw new RunnelException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + id + " starts "
                        + partition + " at sequence " + first + "; a new producer starts at 0");
            }
            return Check.APPEND;
        }
        if (epoch < producer.epoch) {
            throw new RunnelException(ErrorCode.INVALID_PRODUCER_EPOCH, "producer " + id + " sent epoch " + epoch
                    + " to " + partition + ", which has seen epoch " + producer.epoch);
        }
        if (epoch > producer.epoch) {
            if (first != 0) {
                throw new RunnelException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + id + " epoch " + epoch
                        + " starts " + partition + " at sequence " + first + "; a new epoch starts at 0");
            }
            return Check.APPEND;
        }
        for (BatchMetadata seen : producer.batches) {
            if (seen.firstSequence() == first && seen.lastSequence() == batch.lastSequence()) {
                return new Check(Optional.of(seen));
            }
        }
        int expected = next(producer.batches.peekLast().lastSequence());
        if (first != expected && isBefore(batch.lastSequence(), producer.batches.peekFirst().firstSequence())) {
            // Written before the batches kept here (say a retry across a restart, which keeps only
            // the last batch): it is in the log, but its offsets are no longer known.
            throw new RunnelException(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, "producer " + id + " resent sequence "
                    + first + ".." + batch.lastSequence() + " to " + partition + ", which was written before");
        }
        if (first != expected) {
            throw new RunnelException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + id + " sent sequence "
                    + first + " to " + partition + ", expected " + expected);
        }
        return Check.APPEND;
    }

    /** Records a batch that was appended at {@code firstOffset .. lastOffset}. */
    void appended(RecordBatch batch, long firstOffset, long lastOffset) {
        Producer producer = producers.computeIfAbsent(batch.producerId(), id -> new Producer());
        if (batch.producerEpoch() != producer.epoch) {
            producer.epoch = batch.producerEpoch();
            producer.batches.clear();
        }
        if (producer.batches.size() == KEPT_BATCHES) {
            producer.batches.removeFirst();
        }
        producer.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(), firstOffset, lastOffset,
                batch.maxTimestamp()));
    }

    /**
     * Forgets the batches at or after {@code logEndOffset} (a truncated log no longer has them); a
     * producer left with none is looked up in the log's own state again when next seen.
     */
    void truncateTo(long logEndOffset) {
        producers.values().forEach(p -> p.batches.removeIf(b -> b.lastOffset() >= logEndOffset));
        producers.values().removeIf(p -> p.batches.isEmpty());
    }

    private Producer producer(long id) {
        Producer producer = producers.get(id);
        if (producer != null) {
            return producer;
        }
        Optional<ProducerState> state = stored.apply(id);
        if (state.isEmpty()) {
            return null;
        }
        ProducerState s = state.get();
        producer = new Producer();
        producer.epoch = s.producerEpoch();
        long count = s.lastSequence() >= s.firstSequence() ? s.lastSequence() - s.firstSequence()
                : (long) Integer.MAX_VALUE - s.firstSequence() + s.lastSequence() + 1;
        producer.batches.add(new BatchMetadata(s.firstSequence(), s.lastSequence(), s.lastOffset() - count,
                s.lastOffset(), s.lastTimestamp()));
        producers.put(id, producer);
        return producer;
    }

    /**
     * Whether sequence {@code a} comes before {@code b}, sequences wrapping from
     * {@link Integer#MAX_VALUE} to 0: {@code b} is less than half the sequence space ahead.
     */
    static boolean isBefore(int a, int b) {
        long space = (long) Integer.MAX_VALUE + 1;
        long ahead = Math.floorMod((long) b - a, space);
        return ahead > 0 && ahead < space / 2;
    }

    /**
     * A copy of the state of {@code producerIds} (the others are looked up as usual), to check a
     * request's batches against before any of them is written.
     */
    ProducerSequences copy(java.util.Collection<Long> producerIds) {
        ProducerSequences copy = new ProducerSequences(partition, stored);
        for (long id : producerIds) {
            Producer p = producers.get(id);
            if (p != null) {
                Producer c = new Producer();
                c.epoch = p.epoch;
                c.batches.addAll(p.batches);
                copy.producers.put(id, c);
            }
        }
        return copy;
    }

    private static int next(int sequence) {
        return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
    }
}
