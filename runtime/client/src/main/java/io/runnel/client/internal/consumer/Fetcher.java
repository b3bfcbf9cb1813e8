package io.runnel.client.internal.consumer;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.client.Node;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.internal.codec.Codecs;
import io.runnel.client.internal.network.Cluster;
import io.runnel.client.internal.network.MetadataManager;
import io.runnel.client.internal.network.NetworkClient;
import io.runnel.client.internal.network.OffsetLookup;
import io.runnel.client.serialization.Deserializer;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.PerTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The consumer's fetch machinery. Keeps one Fetch in flight per broker, for the assigned partitions
 * it leads that have a position and nothing buffered; answers queue up (the event loop only
 * enqueues) and {@link #collect} turns them into records on the application thread, up to
 * {@code max.poll.records}. Fetches for partitions whose buffered records are used up are sent
 * before {@code poll} returns, so the next batch of records is on its way while the application
 * works (prefetch).
 *
 * <p>Each fetched batch is CRC-checked ({@code check.crcs}), decompressed with the codec its
 * attributes name, and its records below the fetch position are skipped. A cut-off batch at the end
 * of a partition's data (the broker's per-partition limit) is ignored; it is fetched again whole.
 *
 * <p>Not thread safe: used by the consumer's one application thread.
 */
public final class Fetcher<K, V> {
    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);

    /** Fetch and parsing settings. */
    public record Settings(int maxPollRecords, int minBytes, int maxWaitMs, int maxBytes, int partitionMaxBytes,
                           String autoOffsetReset, boolean checkCrcs, int requestTimeoutMs, long retryBackoffMs) {
    }

    private static final class PartitionState {
        Long position;
        Long pendingReset; // ListOffsets timestamp to reset to, or null
    }

    private record CompletedFetch(InetSocketAddress node, Map<TopicPartition, Long> fetchOffsets,
                                  Fetch.Response response, Throwable error) {
    }

    private final Settings settings;
    private final NetworkClient network;
    private final MetadataManager metadata;
    private final OffsetLookup offsets;
    private final Codecs codecs;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final Map<TopicPartition, PartitionState> assignment = new LinkedHashMap<>();
    private final Set<InetSocketAddress> fetchesInFlight = new HashSet<>();
    private final Set<TopicPartition> busy = new HashSet<>(); // fetch in flight or records buffered
    private final LinkedBlockingDeque<CompletedFetch> completed = new LinkedBlockingDeque<>();
    private final ArrayDeque<PartitionRecords> buffered = new ArrayDeque<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private final Set<TopicPartition> held = new HashSet<>(); // position comes from elsewhere (committed offsets)
    private volatile boolean metadataRefreshInFlight;

    public Fetcher(Settings settings, NetworkClient network, MetadataManager metadata, OffsetLookup offsets, Codecs codecs,
                   Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this.settings = settings;
        this.network = network;
        this.metadata = metadata;
        this.offsets = offsets;
        this.codecs = codecs;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
    }

    public void assign(Set<TopicPartition> partitions) {
        assignment.keySet().retainAll(partitions);
        for (TopicPartition tp : partitions) {
            assignment.computeIfAbsent(tp, k -> new PartitionState());
        }
        buffered.removeIf(p -> !assignment.containsKey(p.tp));
        busy.retainAll(assignment.keySet());
        paused.retainAll(assignment.keySet());
        held.retainAll(assignment.keySet());
        if (metadata.addTopics(partitions.stream().map(TopicPartition::topic).toList())) {
            metadata.refresh();
        }
    }

    public Set<TopicPartition> assignment() {
        return assignment.keySet();
    }

    /**
     * Keeps {@link #resetPositions} from giving these partitions a position until {@link #release}:
     * their positions are being looked up elsewhere (the group's committed offsets).
     */
    public void hold(java.util.Collection<TopicPartition> partitions) {
        held.addAll(partitions);
        held.retainAll(assignment.keySet());
    }

    public void release(java.util.Collection<TopicPartition> partitions) {
        held.removeAll(partitions);
    }

    /** Whether the partition is assigned and has a position. */
    public boolean hasPosition(TopicPartition tp) {
        PartitionState state = assignment.get(tp);
        return state != null && state.position != null;
    }

    /** Stops fetching and returning records of these partitions; their positions stay. */
    public void pause(java.util.Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            state(tp);
            paused.add(tp);
            dropBuffered(tp);
        }
    }

    public void resume(java.util.Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            state(tp);
            paused.remove(tp);
        }
    }

    public Set<TopicPartition> paused() {
        return Set.copyOf(paused);
    }

    /** The known positions of the assigned partitions (those without one are left out). */
    public Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        assignment.forEach((tp, state) -> {
            if (state.position != null) {
                out.put(tp, state.position);
            }
        });
        return out;
    }

    private PartitionState state(TopicPartition tp) {
        PartitionState state = assignment.get(tp);
        if (state == null) {
            throw new IllegalStateException("partition " + tp + " is not assigned to this consumer");
        }
        return state;
    }

    public void seek(TopicPartition tp, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("seek offset must be >= 0, was " + offset);
        }
        PartitionState state = state(tp);
        state.position = offset;
        state.pendingReset = null;
        held.remove(tp);
        dropBuffered(tp);
    }

    public void requestReset(TopicPartition tp, long timestamp) {
        PartitionState state = state(tp);
        state.position = null;
        state.pendingReset = timestamp;
        dropBuffered(tp);
    }

    private void dropBuffered(TopicPartition tp) {
        if (buffered.removeIf(p -> p.tp.equals(tp))) {
            busy.remove(tp); // no fetch is in flight while records are buffered
        }
        // a fetch in flight for tp is discarded on arrival: its offset no longer matches
    }

    /** The position, resolving an unset one (blocking until {@code deadlineNanos}). */
    public long position(TopicPartition tp, long deadlineNanos) {
        PartitionState state = state(tp);
        if (state.position == null) {
            resetPositions(deadlineNanos);
        }
        return state.position;
    }

    /** Resolves every unset position with ListOffsets, per pending reset or {@code auto.offset.reset}. */
    public void resetPositions(long deadlineNanos) {
        Map<TopicPartition, Long> timestamps = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionState> e : assignment.entrySet()) {
            PartitionState state = e.getValue();
            if (state.position != null || held.contains(e.getKey())) {
                continue;
            }
            if (state.pendingReset == null) {
                state.pendingReset = defaultReset(e.getKey(), null);
            }
            timestamps.put(e.getKey(), state.pendingReset);
        }
        if (timestamps.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsets.PartitionResult> results = await(offsets.lookup(timestamps, deadlineNanos),
                deadlineNanos, "resetting the positions of " + timestamps.keySet());
        results.forEach((tp, r) -> {
            PartitionState state = assignment.get(tp);
            if (state != null && state.position == null) {
                state.position = r.offset();
                state.pendingReset = null;
                log.debug("Position of {} reset to {}", tp, r.offset());
            }
        });
    }

    private long defaultReset(TopicPartition tp, Long outOfRangeOffset) {
        return switch (settings.autoOffsetReset()) {
            case "earliest" -> ListOffsets.EARLIEST;
            case "latest" -> ListOffsets.LATEST;
            default -> throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, outOfRangeOffset == null
                    ? "partition " + tp + " has no position and auto.offset.reset=none; seek() first"
                    : "offset " + outOfRangeOffset + " of partition " + tp + " is out of range and auto.offset.reset=none");
        };
    }

    /** Blocks on a lookup, turning its failures into {@link RunnelException}s. */
    public static <T> T await(java.util.concurrent.CompletableFuture<T> future, long deadlineNanos, String what) {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, what + " did not finish in time");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RunnelException re) {
                throw new RunnelException(re.errorCode(), re.getMessage(), re);
            }
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, what + " was interrupted", e);
        }
    }

    /** Whether fetched records wait to be returned. */
    public boolean hasBuffered() {
        return !buffered.isEmpty() || !completed.isEmpty();
    }

    /**
     * Waits up to {@code timeoutNanos} for a fetch answer to arrive.
     */
    public void awaitCompleted(long timeoutNanos) throws InterruptedException {
        CompletedFetch next = completed.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        if (next != null) {
            completed.addFirst(next);
        }
    }

    /**
     * Returns up to {@code max.poll.records} buffered records, parsing answers that arrived.
     *
     * @throws RunnelException for a partition error that is not retriable, a corrupt batch, or a
     *     batch whose codec is not installed
     */
    public Map<TopicPartition, List<ConsumerRecord<K, V>>> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int room = settings.maxPollRecords();
        while (room > 0) {
            PartitionRecords head = buffered.peekFirst();
            if (head == null) {
                CompletedFetch next = completed.poll();
                if (next == null) {
                    break;
                }
                handle(next);
                continue;
            }
            PartitionState state = assignment.get(head.tp);
            if (state == null || state.position == null || state.position != head.nextOffset
                    || paused.contains(head.tp)) {
                buffered.pollFirst(); // seeked, paused or unassigned since the fetch
                busy.remove(head.tp);
                continue;
            }
            List<ConsumerRecord<K, V>> records = out.computeIfAbsent(head.tp, k -> new ArrayList<>());
            int before = records.size();
            head.drain(records, room);
            room -= records.size() - before;
            state.position = head.nextOffset;
            if (records.isEmpty()) {
                out.remove(head.tp);
            }
            if (head.exhausted()) {
                buffered.pollFirst();
                busy.remove(head.tp);
            }
        }
        return out;
    }

    private void handle(CompletedFetch fetch) {
        fetchesInFlight.remove(fetch.node);
        if (fetch.error != null) {
            busy.removeAll(fetch.fetchOffsets.keySet());
            log.debug("Fetch from {} failed: {}", fetch.node, fetch.error.toString());
            refreshMetadata();
            return;
        }
        ErrorCode top = ErrorCode.forCode(fetch.response.errorCode());
        if (top != ErrorCode.NONE) {
            busy.removeAll(fetch.fetchOffsets.keySet());
            if (top.retriable()) {
                refreshMetadata();
                return;
            }
            throw top.exception("fetch from " + fetch.node + " failed: " + top.description());
        }
        Set<TopicPartition> answered = new HashSet<>();
        for (PerTopic<Fetch.PartitionData> topic : fetch.response.topics()) {
            for (Fetch.PartitionData data : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), data.partition());
                answered.add(tp);
                Long fetchOffset = fetch.fetchOffsets.get(tp);
                PartitionState state = assignment.get(tp);
                if (fetchOffset == null || state == null || state.position == null || !fetchOffset.equals(state.position)) {
                    busy.remove(tp);
                    continue;
                }
                handlePartition(tp, state, fetchOffset, data);
            }
        }
        for (TopicPartition tp : fetch.fetchOffsets.keySet()) {
            if (!answered.contains(tp)) {
                busy.remove(tp);
            }
        }
    }

    private void handlePartition(TopicPartition tp, PartitionState state, long fetchOffset, Fetch.PartitionData data) {
        ErrorCode code = ErrorCode.forCode(data.errorCode());
        switch (code) {
            case NONE -> {
                ByteBuffer bytes;
                try {
                    bytes = data.records().readAll();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                List<RecordBatch> batches = wholeBatches(bytes);
                if (batches.isEmpty()) {
                    busy.remove(tp);
                    if (bytes.remaining() > 0 && bytes.remaining() >= settings.partitionMaxBytes()) {
                        throw new RunnelException(ErrorCode.MESSAGE_TOO_LARGE, "the batch at offset " + fetchOffset
                                + " of " + tp + " is larger than max.partition.fetch.bytes=" + settings.partitionMaxBytes());
                    }
                    return;
                }
                buffered.addLast(new PartitionRecords(tp, fetchOffset, batches));
            }
            case OFFSET_OUT_OF_RANGE -> {
                busy.remove(tp);
                long reset = defaultReset(tp, fetchOffset);
                log.info("Fetch offset {} of {} is out of range; resetting per auto.offset.reset={}", fetchOffset, tp,
                        settings.autoOffsetReset());
                state.position = null;
                state.pendingReset = reset;
            }
            default -> {
                busy.remove(tp);
                if (code.retriable()) {
                    log.debug("Fetch of {} failed with {}; refreshing metadata", tp, code);
                    refreshMetadata();
                } else {
                    throw code.exception("fetching " + tp + " at offset " + fetchOffset + ": " + code.description());
                }
            }
        }
    }

    /** The whole batches in {@code bytes}; a cut-off last batch is left out. */
    static List<RecordBatch> wholeBatches(ByteBuffer bytes) {
        List<RecordBatch> batches = new ArrayList<>();
        int position = bytes.position();
        while (position < bytes.limit()) {
            int size = RecordBatch.sizeAt(bytes, position);
            if (size < 0 || size > bytes.limit() - position) {
                break; // cut off by the broker's size limit
            }
            if (size < RecordBatch.HEADER_SIZE) {
                throw new RunnelException(ErrorCode.CORRUPT_RECORD, "record batch at byte " + position
                        + " of a fetch answer claims " + size + " bytes, less than its header");
            }
            batches.add(RecordBatch.wrap(bytes.duplicate().position(position).limit(position + size)));
            position += size;
        }
        return batches;
    }

    private void refreshMetadata() {
        if (metadataRefreshInFlight) {
            return;
        }
        metadataRefreshInFlight = true;
        metadata.refresh().whenComplete((c, e) -> metadataRefreshInFlight = false);
    }

    /** Sends a fetch to every leader with fetchable partitions and no fetch in flight. */
    public void sendFetches() {
        Cluster cluster = metadata.cluster();
        Map<InetSocketAddress, Map<TopicPartition, Long>> byNode = new LinkedHashMap<>();
        boolean missingLeader = false;
        for (Map.Entry<TopicPartition, PartitionState> e : assignment.entrySet()) {
            TopicPartition tp = e.getKey();
            Long position = e.getValue().position;
            if (position == null || busy.contains(tp) || paused.contains(tp)) {
                continue;
            }
            Node leader = cluster.leader(tp);
            if (leader == null) {
                missingLeader = true;
                continue;
            }
            InetSocketAddress address = MetadataManager.address(leader);
            if (fetchesInFlight.contains(address)) {
                continue;
            }
            byNode.computeIfAbsent(address, a -> new LinkedHashMap<>()).put(tp, position);
        }
        if (missingLeader) {
            refreshMetadata();
        }
        for (Map.Entry<InetSocketAddress, Map<TopicPartition, Long>> node : byNode.entrySet()) {
            Map<String, List<Fetch.PartitionRequest>> topics = new LinkedHashMap<>();
            node.getValue().forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                    .add(new Fetch.PartitionRequest(tp.partition(), -1, offset, settings.partitionMaxBytes())));
            List<PerTopic<Fetch.PartitionRequest>> perTopic = new ArrayList<>();
            topics.forEach((t, ps) -> perTopic.add(new PerTopic<>(t, ps)));
            Fetch.Request request = new Fetch.Request(-1, settings.maxWaitMs(), settings.minBytes(), settings.maxBytes(),
                    perTopic);
            InetSocketAddress address = node.getKey();
            Map<TopicPartition, Long> fetchOffsets = Map.copyOf(node.getValue());
            fetchesInFlight.add(address);
            busy.addAll(fetchOffsets.keySet());
            network.send(address, request, settings.requestTimeoutMs() + settings.maxWaitMs())
                    .whenComplete((response, error) -> completed.add(new CompletedFetch(address, fetchOffsets,
                            (Fetch.Response) response, error)));
        }
    }

    /** The records of one partition from one fetch answer, decoded batch by batch as they are used. */
    private final class PartitionRecords {
        final TopicPartition tp;
        long nextOffset;
        private final Iterator<RecordBatch> batches;
        private RecordBatch current;
        private Iterator<Record> records;

        PartitionRecords(TopicPartition tp, long fetchOffset, List<RecordBatch> batches) {
            this.tp = tp;
            this.nextOffset = fetchOffset;
            this.batches = batches.iterator();
        }

        boolean exhausted() {
            return (records == null || !records.hasNext()) && !batches.hasNext();
        }

        void drain(List<ConsumerRecord<K, V>> out, int max) {
            int taken = 0;
            while (taken < max) {
                if (records == null || !records.hasNext()) {
                    if (current != null) {
                        nextOffset = Math.max(nextOffset, current.nextOffset());
                        current = null;
                    }
                    if (!batches.hasNext()) {
                        return;
                    }
                    RecordBatch batch = batches.next();
                    if (settings.checkCrcs()) {
                        try {
                            batch.ensureValid();
                        } catch (RunnelException e) {
                            throw new RunnelException(e.errorCode(), "partition " + tp + ": " + e.getMessage(), e);
                        }
                    }
                    current = batch;
                    if (batch.isControl() || batch.lastOffset() < nextOffset) {
                        records = null;
                        continue;
                    }
                    CompressionCodec codec = codecs.forId(batch.compressionId(), "the batch at offset "
                            + batch.baseOffset() + " of partition " + tp);
                    records = batch.records(codec).iterator();
                    continue;
                }
                Record record = records.next();
                if (record.offset() < nextOffset) {
                    continue;
                }
                out.add(toConsumerRecord(record));
                nextOffset = record.offset() + 1;
                taken++;
            }
            if ((records == null || !records.hasNext()) && current != null) {
                nextOffset = Math.max(nextOffset, current.nextOffset());
                current = null;
            }
        }

        private ConsumerRecord<K, V> toConsumerRecord(Record record) {
            byte[] key = bytes(record.key());
            byte[] value = bytes(record.value());
            return new ConsumerRecord<>(tp.topic(), tp.partition(), record.offset(), record.timestamp(),
                    current.timestampType(), keyDeserializer.deserialize(tp.topic(), key),
                    valueDeserializer.deserialize(tp.topic(), value), record.headers(),
                    key == null ? -1 : key.length, value == null ? -1 : value.length);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
