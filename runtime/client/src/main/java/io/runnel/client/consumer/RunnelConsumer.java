package io.runnel.client.consumer;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.PartitionInfo;
import io.runnel.client.internal.codec.Codecs;
import io.runnel.client.internal.config.ClientConfigDefs;
import io.runnel.client.internal.config.ConfigDef;
import io.runnel.client.internal.consumer.ConsumerCoordinator;
import io.runnel.client.internal.consumer.Fetcher;
import io.runnel.client.internal.network.MetadataManager;
import io.runnel.client.internal.network.NetworkClient;
import io.runnel.client.internal.network.OffsetLookup;
import io.runnel.client.serialization.Deserializer;
import io.runnel.protocol.message.ListOffsets;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Reads records from partitions the application {@link #assign}s.
 *
 * <p>{@link #poll} returns up to {@code max.poll.records} records in offset order per partition,
 * from where each partition's position is: set by {@link #seek}, {@link #seekToBeginning},
 * {@link #seekToEnd}, or, when unset or out of range, by {@code auto.offset.reset}. While the
 * application processes one poll's records the next fetch is already in flight. Batches are checked
 * ({@code check.crcs}) and decompressed with the codec they name; a codec whose plugin is missing
 * fails with {@link ErrorCode#UNSUPPORTED_COMPRESSION_TYPE}.
 *
 * <pre>{@code
 * try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", "localhost:9092",
 *         "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
 *     consumer.assign(List.of(new TopicPartition("events", 0)));
 *     for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) { ... }
 * }
 * }</pre>
 *
 * <p>With a {@code group.id} the consumer can instead {@link #subscribe} to topics (or a pattern)
 * as a member of a consumer group: the group's coordinator assigns it partitions, positions start
 * at the group's committed offsets (else per {@code auto.offset.reset}), and
 * {@link #commitSync}/{@link #commitAsync} (or {@code enable.auto.commit}) store positions. Group
 * work (rebalances, {@link ConsumerRebalanceListener} calls, auto-commits, commit callbacks) runs
 * inside {@code poll} on the caller's thread; a background thread sends heartbeats.
 *
 * <p>Not thread safe: use a consumer from one thread. Configuration keys: {@link ConsumerConfig}
 * and {@code docs/client.md}.
 *
 * @param <K> the key type
 * @param <V> the value type
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class RunnelConsumer<K, V> implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final NetworkClient network;
    private final MetadataManager metadata;
    private final OffsetLookup offsets;
    private final Codecs codecs;
    private final Fetcher<K, V> fetcher;
    private final long defaultApiTimeoutMs;
    private final NetworkClient groupNetwork; // null without group.id
    private final ConsumerCoordinator coordinator; // null without group.id
    private boolean manuallyAssigned;
    private volatile boolean closed;

    /**
     * @throws RunnelException {@link ErrorCode#INVALID_CONFIG} naming the key and value for an
     *     unknown key or a bad value
     */
    public RunnelConsumer(Map<String, String> config, Deserializer<K> keyDeserializer,
                          Deserializer<V> valueDeserializer) {
        requireNonNull(config, "config is null");
        requireNonNull(keyDeserializer, "keyDeserializer is null");
        requireNonNull(valueDeserializer, "valueDeserializer is null");
        ConfigDef.Values values = ClientConfigDefs.consumer().parse(config);
        String clientId = values.getString(ConsumerConfig.CLIENT_ID);
        if (clientId.isEmpty()) {
            clientId = "consumer-" + IDS.incrementAndGet();
        }
        int requestTimeoutMs = values.getInt(ConsumerConfig.REQUEST_TIMEOUT_MS);
        long retryBackoffMs = values.getLong(ConsumerConfig.RETRY_BACKOFF_MS);
        this.defaultApiTimeoutMs = values.getInt(ConsumerConfig.DEFAULT_API_TIMEOUT_MS);
        this.codecs = new Codecs(config);
        this.network = new NetworkClient(clientId, requestTimeoutMs, "runnel-" + clientId + "-network");
        this.metadata = new MetadataManager(network, MetadataManager.parseBootstrap(
                values.getList(ConsumerConfig.BOOTSTRAP_SERVERS)), requestTimeoutMs,
                values.getLong(ConsumerConfig.METADATA_MAX_AGE_MS), false);
        this.offsets = new OffsetLookup(network, metadata, requestTimeoutMs, retryBackoffMs);
        this.fetcher = new Fetcher<>(new Fetcher.Settings(values.getInt(ConsumerConfig.MAX_POLL_RECORDS),
                values.getInt(ConsumerConfig.FETCH_MIN_BYTES), values.getInt(ConsumerConfig.FETCH_MAX_WAIT_MS),
                values.getInt(ConsumerConfig.FETCH_MAX_BYTES), values.getInt(ConsumerConfig.MAX_PARTITION_FETCH_BYTES),
                values.getString(ConsumerConfig.AUTO_OFFSET_RESET).toLowerCase(java.util.Locale.ROOT),
                values.getBoolean(ConsumerConfig.CHECK_CRCS), requestTimeoutMs, retryBackoffMs),
                network, metadata, offsets, codecs, keyDeserializer, valueDeserializer);
        String groupId = values.getString(ConsumerConfig.GROUP_ID);
        if (groupId == null) {
            this.groupNetwork = null;
            this.coordinator = null;
        } else {
            int sessionTimeoutMs = values.getInt(ConsumerConfig.SESSION_TIMEOUT_MS);
            int heartbeatIntervalMs = values.getInt(ConsumerConfig.HEARTBEAT_INTERVAL_MS);
            if (heartbeatIntervalMs >= sessionTimeoutMs) {
                network.close();
                codecs.close();
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "heartbeat.interval.ms=" + heartbeatIntervalMs
                        + " must be below session.timeout.ms=" + sessionTimeoutMs);
            }
            this.groupNetwork = new NetworkClient(clientId, requestTimeoutMs, "runnel-" + clientId + "-group");
            this.coordinator = new ConsumerCoordinator(new ConsumerCoordinator.Settings(groupId, sessionTimeoutMs,
                    values.getInt(ConsumerConfig.MAX_POLL_INTERVAL_MS), heartbeatIntervalMs,
                    List.copyOf(values.getList(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY)),
                    values.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT), values.getInt(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS),
                    requestTimeoutMs, retryBackoffMs), network, groupNetwork, metadata,
                    MetadataManager.parseBootstrap(values.getList(ConsumerConfig.BOOTSTRAP_SERVERS)), fetcher);
        }
    }

    /**
     * Joins the consumer group {@code group.id} to read these topics; the coordinator assigns
     * partitions on the following {@link #poll}s. Replaces an earlier subscription (and rejoins).
     *
     * @throws IllegalStateException without {@code group.id}, or when partitions were {@link #assign}ed
     */
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        requireNonNull(topics, "topics is null");
        ensureOpen();
        for (String topic : topics) {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic names must not be null or blank: " + topics);
            }
        }
        if (topics.isEmpty()) {
            unsubscribe();
            return;
        }
        ensureCanSubscribe();
        coordinator.subscribe(List.copyOf(new LinkedHashSet<>(topics)), null, listener);
    }

    /** {@link #subscribe(Collection, ConsumerRebalanceListener)} without a listener. */
    public void subscribe(Collection<String> topics) {
        subscribe(topics, null);
    }

    /**
     * Joins the group to read every topic whose whole name matches {@code pattern}; the coordinator
     * resolves it, and a matching topic created later starts a rebalance.
     */
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        requireNonNull(pattern, "pattern is null");
        ensureOpen();
        ensureCanSubscribe();
        coordinator.subscribe(List.of(), pattern, listener);
    }

    public void subscribe(Pattern pattern) {
        subscribe(pattern, null);
    }

    private void ensureCanSubscribe() {
        if (coordinator == null) {
            throw new IllegalStateException("subscribe() needs a group.id in the consumer's configuration");
        }
        if (manuallyAssigned) {
            throw new IllegalStateException("subscribe() and assign() are mutually exclusive; unsubscribe() first");
        }
    }

    /**
     * Leaves the group (committing first with auto-commit, and telling the listener that every
     * partition is revoked), or drops manually assigned partitions.
     */
    public void unsubscribe() {
        ensureOpen();
        if (coordinator != null && coordinator.subscribed()) {
            coordinator.unsubscribe();
        }
        manuallyAssigned = false;
        fetcher.assign(Set.of());
    }

    /** The subscribed topics (for a pattern: the topics of the assigned partitions); empty when not subscribed. */
    public Set<String> subscription() {
        return coordinator == null ? Set.of() : coordinator.subscription();
    }

    /**
     * Commits the positions of every assigned partition (the offsets after the records the last
     * {@link #poll}s returned), waiting up to {@code default.api.timeout.ms}.
     *
     * @throws CommitFailedException when this consumer is no longer the group's member of the
     *     current generation
     */
    public void commitSync() {
        commitSync(requireGroup().currentPositions());
    }

    /** Commits these offsets (each the next offset to read), waiting up to {@code default.api.timeout.ms}. */
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        requireNonNull(offsets, "offsets is null");
        ensureOpen();
        requireGroup().commitSync(Map.copyOf(offsets), deadline(defaultApiTimeoutMs));
    }

    /** Commits the positions of every assigned partition without waiting; failures are logged. */
    public void commitAsync() {
        commitAsync(null);
    }

    /** Commits the positions without waiting; {@code callback} (may be null) runs on a later poll. */
    public void commitAsync(OffsetCommitCallback callback) {
        ensureOpen();
        commitAsync(requireGroup().currentPositions(), callback);
    }

    /** Commits these offsets without waiting; {@code callback} (may be null) runs on a later poll. */
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        requireNonNull(offsets, "offsets is null");
        ensureOpen();
        requireGroup().commitAsync(Map.copyOf(offsets), callback);
    }

    /** The group's committed offsets of these partitions; a partition without one maps to null. */
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        requireNonNull(partitions, "partitions is null");
        ensureOpen();
        return requireGroup().fetchCommitted(Set.copyOf(partitions), deadline(defaultApiTimeoutMs));
    }

    /** Stops fetching these assigned partitions (poll returns none of their records) until {@link #resume}. */
    public void pause(Collection<TopicPartition> partitions) {
        ensureOpen();
        fetcher.pause(requireNonNull(partitions, "partitions is null"));
    }

    public void resume(Collection<TopicPartition> partitions) {
        ensureOpen();
        fetcher.resume(requireNonNull(partitions, "partitions is null"));
    }

    public Set<TopicPartition> paused() {
        return fetcher.paused();
    }

    private ConsumerCoordinator requireGroup() {
        if (coordinator == null) {
            throw new IllegalStateException("committing and committed() need a group.id in the consumer's configuration");
        }
        return coordinator;
    }

    /** Reads exactly these partitions from now on, replacing the previous assignment. */
    public void assign(Collection<TopicPartition> partitions) {
        requireNonNull(partitions, "partitions is null");
        ensureOpen();
        if (coordinator != null && coordinator.subscribed()) {
            throw new IllegalStateException("assign() and subscribe() are mutually exclusive; unsubscribe() first");
        }
        manuallyAssigned = !partitions.isEmpty();
        fetcher.assign(new LinkedHashSet<>(partitions));
    }

    /** The assigned partitions. */
    public Set<TopicPartition> assignment() {
        return Set.copyOf(fetcher.assignment());
    }

    /** Makes {@code offset} the next offset {@link #poll} returns for {@code partition}. */
    public void seek(TopicPartition partition, long offset) {
        ensureOpen();
        fetcher.seek(requireNonNull(partition, "partition is null"), offset);
    }

    /** Moves to the log start offset of each partition (resolved lazily, on the next poll or position). */
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            fetcher.requestReset(tp, ListOffsets.EARLIEST);
        }
    }

    /** Moves to the end of each partition (resolved lazily, on the next poll or position). */
    public void seekToEnd(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            fetcher.requestReset(tp, ListOffsets.LATEST);
        }
    }

    /** The offset of the next record {@link #poll} returns for {@code partition}; may ask the broker. */
    public long position(TopicPartition partition) {
        ensureOpen();
        return fetcher.position(requireNonNull(partition, "partition is null"), deadline(defaultApiTimeoutMs));
    }

    /**
     * For each partition, the first offset whose timestamp is at or after the given time, or null
     * when every record is older.
     */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        ensureOpen();
        for (Map.Entry<TopicPartition, Long> e : timestamps.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("timestamp for " + e.getKey() + " must be >= 0, was " + e.getValue());
            }
        }
        Map<TopicPartition, ListOffsets.PartitionResult> results = lookup(timestamps);
        Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
        for (TopicPartition tp : timestamps.keySet()) {
            ListOffsets.PartitionResult r = results.get(tp);
            out.put(tp, r == null || r.offset() < 0 ? null : new OffsetAndTimestamp(r.offset(), r.timestamp()));
        }
        return out;
    }

    /** The log start offset of each partition. */
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return offsets(partitions, ListOffsets.EARLIEST);
    }

    /** The end offset (high watermark: the offset after the last committed record) of each partition. */
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return offsets(partitions, ListOffsets.LATEST);
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, long timestamp) {
        ensureOpen();
        Map<TopicPartition, Long> request = new HashMap<>();
        for (TopicPartition tp : partitions) {
            request.put(tp, timestamp);
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        lookup(request).forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    private Map<TopicPartition, ListOffsets.PartitionResult> lookup(Map<TopicPartition, Long> timestamps) {
        long deadline = deadline(defaultApiTimeoutMs);
        return Fetcher.await(offsets.lookup(timestamps, deadline), deadline, "listing offsets of " + timestamps.keySet());
    }

    /** The partitions of a topic, waiting up to {@code default.api.timeout.ms} for its metadata. */
    public List<PartitionInfo> partitionsFor(String topic) {
        ensureOpen();
        return metadata.awaitTopic(requireNonNull(topic, "topic is null"), defaultApiTimeoutMs).partitions(topic);
    }

    /**
     * Returns the records available now, or waits up to {@code timeout} for some.
     *
     * @throws RunnelException {@link ErrorCode#OFFSET_OUT_OF_RANGE} when a position is unset or out
     *     of range and {@code auto.offset.reset=none}; the broker's error for a failed partition;
     *     {@link ErrorCode#CORRUPT_RECORD} for a batch that fails its CRC;
     *     {@link ErrorCode#UNSUPPORTED_COMPRESSION_TYPE} for a batch whose codec is not installed
     */
    public ConsumerRecords<K, V> poll(Duration timeout) {
        requireNonNull(timeout, "timeout is null");
        ensureOpen();
        boolean subscribed = coordinator != null && coordinator.subscribed();
        if (!subscribed && fetcher.assignment().isEmpty()) {
            throw new IllegalStateException("no partitions are assigned; call assign() or subscribe() first");
        }
        long deadline = deadline(timeout.toMillis());
        while (true) {
            if (coordinator != null) {
                coordinator.poll(deadline);
                if (subscribed && coordinator.rebalancing() && fetcher.assignment().isEmpty()) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        return ConsumerRecords.empty();
                    }
                    coordinator.awaitJoin(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)));
                    continue;
                }
            }
            try {
                fetcher.resetPositions(deadline);
            } catch (RunnelException e) {
                if (e.errorCode() != ErrorCode.REQUEST_TIMED_OUT) {
                    throw e;
                }
                return ConsumerRecords.empty(); // positions not known within this poll's timeout
            }
            Map<TopicPartition, List<ConsumerRecord<K, V>>> records = fetcher.collect();
            fetcher.sendFetches(); // prefetch while the application works on these
            if (!records.isEmpty()) {
                return new ConsumerRecords<>(records);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return ConsumerRecords.empty();
            }
            try {
                // wake for an answer, or re-check leaders, positions and the group every 100 ms (50 ms while joining)
                long step = coordinator != null && coordinator.rebalancing() ? 50 : 100;
                fetcher.awaitCompleted(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(step)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "poll was interrupted", e);
            }
        }
    }

    private static long deadline(long timeoutMs) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(timeoutMs, TimeUnit.DAYS.toMillis(365)));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the consumer is closed");
        }
    }

    /**
     * Commits the positions (with {@code enable.auto.commit} and a {@code group.id}), leaves the
     * group (the listener is told the partitions are revoked), and closes the connections and
     * threads. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (coordinator != null) {
                coordinator.close();
            }
        } finally {
            closed = true;
            if (groupNetwork != null) {
                groupNetwork.close();
            }
            network.close();
            if (coordinator != null) {
                coordinator.awaitStopped();
            }
            codecs.close();
        }
    }
}
