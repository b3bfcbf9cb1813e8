package io.runnel.client.internal.producer;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.RecordBatch;
import io.runnel.client.Node;
import io.runnel.client.internal.network.Cluster;
import io.runnel.client.internal.network.MetadataManager;
import io.runnel.client.internal.network.NetworkClient;
import io.runnel.protocol.message.InitProducerId;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The producer's I/O thread: drains ready batches from the {@link RecordAccumulator}, groups them
 * by leader into Produce requests, and handles the answers: completes batches (running the
 * callbacks, in order per partition), retries retriable failures after {@code retry.backoff.ms}
 * until {@code delivery.timeout.ms}, and refreshes metadata when a leader moved.
 *
 * <p>Idempotence: once the producer has an id (InitProducerId), each partition's batches get
 * consecutive base sequences when first sent. A batch keeps its bytes, and so its sequence, across
 * retries; a retried batch goes back in front of its partition's queue in sequence order, and
 * nothing else of that partition is sent while earlier batches are still unanswered, so order
 * holds. At most 5 batches per partition are in flight (the broker remembers the last 5 for
 * de-duplication). A broker answers a resend of an appended batch with its original offset.
 *
 * <p>Reset after a batch fails for good: a numbered batch that fails (refused with a
 * non-retriable error, out of retries, or expired by {@code delivery.timeout.ms}) leaves a gap in
 * its partition's sequence, so the broker would refuse every later batch of that partition. The
 * sender then stops numbering new batches and stops sending batches known not to be written, and
 * waits until (1) no request is in flight and (2) no partition's first queued batch is one whose
 * outcome is unknown ({@link ProducerBatch#maybeWritten}: an attempt got no clear answer, and no
 * answer since said it is not written). Such a batch is resent meanwhile under its old id and
 * sequence until the broker answers it: written (it completes) or
 * {@code OUT_OF_ORDER_SEQUENCE_NUMBER} (not written; then neither is anything numbered after it
 * under that id, since a broker accepts a producer's sequences only in order). Then the sender asks for a new producer id (InitProducerId), forgets every
 * partition's sequences, and gives the batches still queued the new id and sequences from 0 in
 * queue order, which is sequence order ({@link ProducerBatch#resetProducerState}). None of them
 * can be written under the old id, so none is written twice.
 *
 * <p>All state here is confined to the sender thread; network callbacks hand their results to it
 * through {@link #post}. Nothing here blocks the event loop.
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);
    /** Batches per partition the broker can de-duplicate. */
    static final int MAX_IN_FLIGHT_PER_PARTITION_IDEMPOTENT = 5;

    /** Settings the sender reads. */
    public record Settings(short acks, int requestTimeoutMs, int retries, long retryBackoffMs, long deliveryTimeoutMs,
                           int maxInFlightPerConnection, int maxRequestSize, boolean idempotent) {
    }

    private static final class PartitionState {
        int nextSequence;
        int lastAckedSequence = -1;
        final TreeSet<ProducerBatch> inFlight = new TreeSet<>((a, b) -> a == b ? 0
                : a.numberedOrder != b.numberedOrder ? Long.compare(a.numberedOrder, b.numberedOrder)
                : Integer.compare(System.identityHashCode(a), System.identityHashCode(b)));

        int expectedSequence() {
            return lastAckedSequence == Integer.MAX_VALUE ? 0 : lastAckedSequence + 1;
        }
    }

    private final RecordAccumulator accumulator;
    private final MetadataManager metadata;
    private final NetworkClient network;
    private final Settings settings;
    private final LongSupplier clock;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final Map<InetSocketAddress, Integer> inFlightRequests = new HashMap<>();
    private final java.util.Set<ProducerBatch> inFlightBatches = new java.util.LinkedHashSet<>();
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private boolean producerIdRequested;
    /** A numbered batch failed for good: take a new producer id once nothing old is unresolved. */
    private boolean resetPending;
    private long producerIdRetryAtMs;
    private boolean metadataRequested;
    private long metadataRetryAtMs;
    private volatile boolean closing;
    private volatile boolean forceClose;

    public Sender(RecordAccumulator accumulator, MetadataManager metadata, NetworkClient network, Settings settings,
                  LongSupplier clock) {
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.network = network;
        this.settings = settings;
        this.clock = clock;
    }

    /** Wakes the sender: a batch became ready, a new one needs its linger timer, or memory is short. */
    public void wakeup() {
        events.offer(() -> { });
    }

    private void post(Runnable event) {
        events.offer(event);
    }

    /** Sends what is queued, then stops once nothing is incomplete. */
    public void initiateClose() {
        closing = true;
        wakeup();
    }

    /** Stops at once; queued and in-flight records fail. */
    public void forceClose() {
        forceClose = true;
        closing = true;
        wakeup();
    }

    /** The producer id, or -1 before InitProducerId answered (tests). */
    public long producerId() {
        return producerId;
    }

    @Override
    public void run() {
        log.debug("Producer I/O thread started");
        while (!forceClose && !(closing && !accumulator.hasIncomplete())) {
            try {
                runOnce();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable e) {
                log.error("Unexpected error in the producer I/O thread", e);
            }
        }
        RunnelException closed = new RunnelException(ErrorCode.NETWORK_EXCEPTION,
                "the producer was closed before the record was acknowledged");
        for (ProducerBatch batch : List.copyOf(inFlightBatches)) {
            batch.fail(closed);
            accumulator.deallocate(batch);
        }
        inFlightBatches.clear();
        // Releasing memory above may wake a send that was waiting for it; abort until no append
        // is in progress, so no record is left in a batch nobody will send or fail.
        accumulator.abortQueued(closed);
        while (accumulator.appendsInProgress() > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            accumulator.abortQueued(closed);
        }
        accumulator.abortQueued(closed);
        log.debug("Producer I/O thread stopped");
    }

    void runOnce() {
        long now = clock.getAsLong();
        long nextWake = now + 1000;
        if (metadata.isStale(now)) {
            requestMetadata(now);
        }
        boolean canSend = true;
        if (settings.idempotent() && resetPending && producerId != RecordBatch.NO_PRODUCER_ID
                && inFlightBatches.isEmpty() && !hasUnresolvedBatch()) {
            log.info("Idempotent producer drops producer id {} after a batch failed for good; taking a new id and"
                    + " renumbering the batches not yet acknowledged", producerId);
            producerId = RecordBatch.NO_PRODUCER_ID;
            producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
            partitions.clear();
        }
        if (settings.idempotent() && producerId == RecordBatch.NO_PRODUCER_ID) {
            canSend = false;
            maybeInitProducerId(now);
            nextWake = Math.min(nextWake, Math.max(now + 1, producerIdRetryAtMs));
        }
        if (canSend) {
            nextWake = Math.min(nextWake, drainAndSend(now));
        } else {
            nextWake = Math.min(nextWake, expireOnly(now));
        }
        nextWake = Math.min(nextWake, expireInFlight(now));
        long waitMs = Math.max(0, nextWake - clock.getAsLong());
        try {
            Runnable event = waitMs == 0 ? events.poll() : events.poll(waitMs, TimeUnit.MILLISECONDS);
            while (event != null) {
                event.run();
                event = events.poll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forceClose = true;
        }
    }

    private long expireOnly(long now) {
        long nextWake = Long.MAX_VALUE;
        List<ProducerBatch> expired = new ArrayList<>();
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> entry : accumulator.deques()) {
            Deque<ProducerBatch> deque = entry.getValue();
            synchronized (deque) {
                ProducerBatch first = deque.peekFirst();
                while (first != null && now >= first.createdMs + settings.deliveryTimeoutMs()) {
                    expired.add(deque.pollFirst());
                    first = deque.peekFirst();
                }
                if (first != null) {
                    nextWake = Math.min(nextWake, first.createdMs + settings.deliveryTimeoutMs());
                }
            }
        }
        failExpired(expired, now);
        return nextWake;
    }

    /**
     * Fails sent batches that have waited for their answer past {@code delivery.timeout.ms} with
     * {@code REQUEST_TIMED_OUT}, so that the bound holds even when {@code request.timeout.ms} is
     * longer. The request stays in flight: its answer, when it comes, is ignored for these batches.
     * Returns when the next sent batch expires.
     */
    private long expireInFlight(long now) {
        long nextWake = Long.MAX_VALUE;
        List<ProducerBatch> expired = new ArrayList<>();
        for (ProducerBatch batch : inFlightBatches) {
            if (batch.isDone()) {
                continue;
            }
            long deadline = batch.createdMs + settings.deliveryTimeoutMs();
            if (now >= deadline) {
                expired.add(batch);
            } else {
                nextWake = Math.min(nextWake, deadline);
            }
        }
        failExpired(expired, now);
        return nextWake;
    }

    /** One pass over the partitions; returns when it next needs to run. */
    private long drainAndSend(long now) {
        long nextWake = Long.MAX_VALUE;
        Cluster cluster = metadata.cluster();
        Map<InetSocketAddress, List<ProducerBatch>> requests = new LinkedHashMap<>();
        Map<InetSocketAddress, Integer> requestBytes = new HashMap<>();
        List<ProducerBatch> expired = new ArrayList<>();
        boolean missingLeader = false;
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> entry : accumulator.deques()) {
            TopicPartition tp = entry.getKey();
            Deque<ProducerBatch> deque = entry.getValue();
            synchronized (deque) {
                ProducerBatch first = deque.peekFirst();
                while (first != null && now >= first.createdMs + settings.deliveryTimeoutMs()) {
                    expired.add(deque.pollFirst());
                    first = deque.peekFirst();
                }
                if (first == null) {
                    continue;
                }
                nextWake = Math.min(nextWake, first.createdMs + settings.deliveryTimeoutMs());
                if (first.attempts > 0 && first.retryAtMs > now) {
                    nextWake = Math.min(nextWake, first.retryAtMs);
                    continue;
                }
                long readyAt = accumulator.readyAt(first, deque.size(), now);
                if (readyAt > 0) {
                    nextWake = Math.min(nextWake, readyAt);
                    continue;
                }
                Node leader = cluster.leader(tp);
                if (leader == null) {
                    missingLeader = true;
                    continue;
                }
                if (settings.idempotent()) {
                    if (resetPending && !(first.hasSequence() && first.maybeWritten)) {
                        // Until the new producer id: only batches whose outcome is unknown go out,
                        // under their old id, to learn whether they were written.
                        continue;
                    }
                    PartitionState state = state(tp);
                    if (state.inFlight.size() >= MAX_IN_FLIGHT_PER_PARTITION_IDEMPOTENT) {
                        continue;
                    }
                    if (first.hasSequence() && !state.inFlight.isEmpty()) {
                        continue; // a retry waits until everything before it has been answered
                    }
                }
                InetSocketAddress address = MetadataManager.address(leader);
                if (!requests.containsKey(address)
                        && inFlightRequests.getOrDefault(address, 0) >= settings.maxInFlightPerConnection()) {
                    continue;
                }
                int size = first.sizeInBytes();
                int already = requestBytes.getOrDefault(address, 0);
                if (already > 0 && already + size > settings.maxRequestSize()) {
                    nextWake = now;
                    continue;
                }
                deque.pollFirst();
                requests.computeIfAbsent(address, a -> new ArrayList<>()).add(first);
                requestBytes.merge(address, size, Integer::sum);
                // One batch per partition and request: a batch behind it that is ready too goes in
                // the next pass, in another request while this one is in flight (up to
                // max.in.flight.requests.per.connection), not once this one is answered.
                ProducerBatch next = deque.peekFirst();
                if (next != null) {
                    long nextReadyAt = accumulator.readyAt(next, deque.size(), now);
                    nextWake = Math.min(nextWake, nextReadyAt > 0 ? nextReadyAt : now);
                }
            }
        }
        failExpired(expired, now);
        if (missingLeader) {
            requestMetadata(now);
            nextWake = Math.min(nextWake, Math.max(metadataRetryAtMs, now + settings.retryBackoffMs()));
        }
        for (Map.Entry<InetSocketAddress, List<ProducerBatch>> request : requests.entrySet()) {
            send(request.getKey(), request.getValue(), now);
        }
        return nextWake;
    }

    private void failExpired(List<ProducerBatch> expired, long now) {
        for (ProducerBatch batch : expired) {
            failForGood(batch, new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "expiring " + batch.recordCount()
                    + " record(s) for " + batch.tp + ": " + (now - batch.createdMs) + " ms passed since the batch was"
                    + " created, more than delivery.timeout.ms=" + settings.deliveryTimeoutMs() + " (attempts: "
                    + batch.attempts + ")"));
        }
    }

    /**
     * Fails a batch's records for good. A batch that had a sequence leaves a gap in its partition's
     * sequence: the producer takes a new id (see the class comment).
     */
    private void failForGood(ProducerBatch batch, RuntimeException error) {
        batch.fail(error);
        accumulator.deallocate(batch);
        if (settings.idempotent() && batch.hasSequence() && !resetPending) {
            log.info("{} failed for good ({}); producer id {} will be replaced once the batches in flight are answered",
                    batch, error.getMessage(), producerId);
            resetPending = true;
        }
    }

    /** Whether a partition's next batch may have been written by an attempt that got no clear answer. */
    private boolean hasUnresolvedBatch() {
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> entry : accumulator.deques()) {
            Deque<ProducerBatch> deque = entry.getValue();
            synchronized (deque) {
                ProducerBatch first = deque.peekFirst();
                if (first != null && first.hasSequence() && first.maybeWritten) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * After a new producer id: gives every queued batch that was numbered under the old id the new
     * id and the next sequence, in queue order (numbered batches are at the front, in sequence order).
     */
    private void renumberQueued() {
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> entry : accumulator.deques()) {
            Deque<ProducerBatch> deque = entry.getValue();
            PartitionState state = state(entry.getKey());
            int renumbered = 0;
            synchronized (deque) {
                for (ProducerBatch batch : deque) {
                    if (!batch.hasSequence()) {
                        continue;
                    }
                    batch.resetProducerState(producerId, producerEpoch, state.nextSequence);
                    batch.maybeWritten = false;
                    state.nextSequence = nextSequence(state.nextSequence, batch.recordCount());
                    renumbered++;
                }
            }
            if (renumbered > 0) {
                log.debug("{}: {} queued batch(es) renumbered under producer id {}", entry.getKey(), renumbered,
                        producerId);
            }
        }
    }

    /** The sequence after {@code count} records from {@code sequence}, wrapping from 2147483647 to 0. */
    private static int nextSequence(int sequence, int count) {
        long next = (long) sequence + count;
        return (int) (next > Integer.MAX_VALUE ? next - Integer.MAX_VALUE - 1 : next);
    }

    private PartitionState state(TopicPartition tp) {
        return partitions.computeIfAbsent(tp, k -> new PartitionState());
    }

    private void send(InetSocketAddress address, List<ProducerBatch> batches, long now) {
        Map<String, List<Produce.PartitionData>> byTopic = new LinkedHashMap<>();
        for (ProducerBatch batch : batches) {
            ByteBuffer bytes;
            try {
                if (settings.idempotent()) {
                    PartitionState state = state(batch.tp);
                    boolean fresh = !batch.hasSequence();
                    int sequence = fresh ? state.nextSequence : batch.baseSequence;
                    bytes = batch.build(producerId, producerEpoch, sequence);
                    batch.numbered();
                    if (fresh) {
                        state.nextSequence = nextSequence(sequence, batch.recordCount());
                    }
                    state.inFlight.add(batch);
                } else {
                    bytes = batch.build(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE);
                }
            } catch (RuntimeException e) {
                failForGood(batch, e instanceof RunnelException re ? re
                        : new RunnelException(ErrorCode.CORRUPT_RECORD, "could not build the batch for " + batch.tp, e));
                continue;
            }
            inFlightBatches.add(batch);
            byTopic.computeIfAbsent(batch.tp.topic(), t -> new ArrayList<>())
                    .add(new Produce.PartitionData(batch.tp.partition(), new MemoryRecords(bytes)));
        }
        if (byTopic.isEmpty()) {
            return;
        }
        List<PerTopic<Produce.PartitionData>> topics = new ArrayList<>();
        byTopic.forEach((topic, data) -> topics.add(new PerTopic<>(topic, data)));
        Produce.Request request = new Produce.Request(settings.acks(), settings.requestTimeoutMs(), topics);
        List<ProducerBatch> sent = batches.stream().filter(inFlightBatches::contains).toList();
        boolean expectResponse = settings.acks() != 0;
        inFlightRequests.merge(address, 1, Integer::sum);
        network.send(address, request, expectResponse, settings.requestTimeoutMs())
                .whenComplete((response, error) -> post(() -> onResponse(address, sent, (Produce.Response) response,
                        error)));
    }

    private void onResponse(InetSocketAddress address, List<ProducerBatch> batches, Produce.Response response,
                            Throwable error) {
        inFlightRequests.merge(address, -1, Integer::sum);
        long now = clock.getAsLong();
        Map<TopicPartition, Produce.PartitionResult> results = new HashMap<>();
        if (response != null) {
            for (PerTopic<Produce.PartitionResult> topic : response.topics()) {
                for (Produce.PartitionResult result : topic.partitions()) {
                    results.put(new TopicPartition(topic.name(), result.partition()), result);
                }
            }
        }
        RunnelException networkError = error == null ? null : toRunnelException(error);
        if (networkError != null) {
            log.debug("Produce request to {} failed: {}", address, networkError.getMessage());
            requestMetadata(now);
        }
        // Out of the in-flight sets first, all of them: one batch's failure below must not leave the
        // others counted as in flight (a reset waits for none to be).
        for (ProducerBatch batch : batches) {
            inFlightBatches.remove(batch);
            if (settings.idempotent()) {
                state(batch.tp).inFlight.remove(batch);
            }
        }
        for (ProducerBatch batch : batches) {
            if (batch.isDone()) {
                continue;
            }
            if (networkError != null) {
                onBatchError(batch, networkError, now);
                continue;
            }
            if (settings.acks() == 0) {
                complete(batch, -1L, -1L);
                continue;
            }
            Produce.PartitionResult result = results.get(batch.tp);
            if (result == null) {
                onBatchError(batch, new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "the produce response from "
                        + address + " has no result for " + batch.tp), now);
                continue;
            }
            ErrorCode code = ErrorCode.forCode(result.errorCode());
            if (code == ErrorCode.NONE || code == ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
                complete(batch, code == ErrorCode.NONE ? result.baseOffset() : -1L, result.logAppendTime());
            } else {
                String message = result.errorMessage() != null ? result.errorMessage() : code.description();
                onBatchError(batch, new RunnelException(code, batch.tp + ": " + message), now);
            }
        }
    }

    private void complete(ProducerBatch batch, long baseOffset, long logAppendTime) {
        if (settings.idempotent() && batch.hasSequence()) {
            PartitionState state = state(batch.tp);
            long last = (long) batch.baseSequence + batch.recordCount() - 1;
            int acked = (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
            // Only forward: after a leader move a later batch may be answered before an earlier one.
            if (state.lastAckedSequence < 0 || RecordAccumulator.sequenceBefore(state.lastAckedSequence, acked)) {
                state.lastAckedSequence = acked;
            }
        }
        batch.complete(baseOffset, logAppendTime);
        accumulator.deallocate(batch);
    }

    private void onBatchError(ProducerBatch batch, RunnelException error, long now) {
        if (outcomeUnknown(error.errorCode())) {
            batch.maybeWritten = true;
        } else if (error.errorCode() == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
            batch.maybeWritten = false; // the broker has not reached this sequence: not written
        }
        boolean retriable = error.retriable();
        if (error.errorCode() == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && settings.idempotent()
                && batch.baseSequence != state(batch.tp).expectedSequence()) {
            // An earlier batch of this partition failed and will be resent first; this one follows it.
            retriable = true;
        }
        boolean inTime = now < batch.createdMs + settings.deliveryTimeoutMs();
        if (retriable && batch.attempts < settings.retries() && inTime && !forceClose) {
            batch.attempts++;
            batch.retryAtMs = now + settings.retryBackoffMs();
            log.debug("Retrying {} after {}", batch, error.getMessage());
            accumulator.reenqueue(batch);
            if (needsMetadata(error.errorCode())) {
                requestMetadata(now);
            }
            return;
        }
        RunnelException failure = error;
        if (retriable) {
            failure = new RunnelException(error.errorCode(), error.getMessage() + " (gave up after " + (batch.attempts + 1)
                    + " attempt(s)" + (inTime ? "" : ", delivery.timeout.ms=" + settings.deliveryTimeoutMs()
                    + " passed") + ")", error);
        }
        failForGood(batch, failure);
    }

    /**
     * Whether an attempt that ended with this error may nonetheless have written the batch: no
     * answer at all, or an answer given after the leader appended it. Every other error is a refusal.
     */
    private static boolean outcomeUnknown(ErrorCode code) {
        return switch (code) {
            case NETWORK_EXCEPTION, REQUEST_TIMED_OUT, UNKNOWN_SERVER_ERROR, NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                 STORAGE_ERROR -> true;
            default -> false;
        };
    }

    private static boolean needsMetadata(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, NETWORK_EXCEPTION,
                 REQUEST_TIMED_OUT, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_ENOUGH_REPLICAS -> true;
            default -> false;
        };
    }

    private void requestMetadata(long now) {
        if (metadataRequested || now < metadataRetryAtMs) {
            return;
        }
        metadataRequested = true;
        metadata.refresh().whenComplete((cluster, error) -> post(() -> {
            metadataRequested = false;
            metadataRetryAtMs = clock.getAsLong() + settings.retryBackoffMs();
            if (error != null) {
                log.debug("Metadata refresh failed: {}", error.toString());
            }
        }));
    }

    private void maybeInitProducerId(long now) {
        if (producerIdRequested || now < producerIdRetryAtMs) {
            return;
        }
        Cluster cluster = metadata.cluster();
        if (cluster.nodes().isEmpty()) {
            requestMetadata(now);
            producerIdRetryAtMs = now + settings.retryBackoffMs();
            return;
        }
        List<Node> nodes = new ArrayList<>(cluster.nodes().values());
        Node node = nodes.get((int) (now % nodes.size()));
        producerIdRequested = true;
        network.send(MetadataManager.address(node), new InitProducerId.Request(null, Integer.MAX_VALUE),
                settings.requestTimeoutMs()).whenComplete((response, error) -> post(() -> {
                    producerIdRequested = false;
                    if (error != null) {
                        log.debug("InitProducerId to {} failed: {}", node, error.toString());
                        producerIdRetryAtMs = clock.getAsLong() + settings.retryBackoffMs();
                        return;
                    }
                    InitProducerId.Response r = (InitProducerId.Response) response;
                    ErrorCode code = ErrorCode.forCode(r.errorCode());
                    if (code != ErrorCode.NONE) {
                        log.warn("InitProducerId to {} failed with {}; retrying", node, code);
                        producerIdRetryAtMs = clock.getAsLong() + settings.retryBackoffMs();
                        return;
                    }
                    producerId = r.producerId();
                    producerEpoch = r.producerEpoch();
                    log.info("Idempotent producer has producer id {} and epoch {}", producerId, producerEpoch);
                    if (resetPending) {
                        renumberQueued();
                        resetPending = false;
                    }
                }));
    }

    static RunnelException toRunnelException(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof RunnelException re ? re
                : new RunnelException(ErrorCode.NETWORK_EXCEPTION, String.valueOf(cause.getMessage()), cause);
    }
}
