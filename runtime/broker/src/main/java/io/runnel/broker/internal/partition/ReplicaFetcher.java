package io.runnel.broker.internal.partition;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.api.storage.EpochEndOffset;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.OffsetForLeaderEpoch;
import io.runnel.protocol.message.PerTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * One thread and one connection that replicate, from one source broker, every partition this
 * broker follows there. Each round first truncates the partitions that just started following
 * (OffsetForLeaderEpoch: the leader's end offset for this replica's latest epoch, KIP-101), then
 * sends one Fetch for all of them with {@code replicaId} = this broker and each partition's leader
 * epoch, appends what comes back and takes the leader's high watermark.
 *
 * <p>Partitions are added and removed from the partition-state thread; the fetch loop works on a
 * snapshot and drops the answer for a partition whose state changed meanwhile (the partition
 * itself also refuses a change for an epoch it no longer follows in). Thread safe.
 */
final class ReplicaFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final int MAX_WAIT_MS = 500;
    static final int PARTITION_MAX_BYTES = 1 << 20;
    static final int MAX_BYTES = 16 << 20;
    static final long BACKOFF_MS = 200;

    /** One partition's place in this fetcher; replaced, never changed, when its epoch changes. */
    private static final class FetchState {
        final Partition partition;
        final int leaderEpoch;
        volatile boolean truncated;
        volatile long retryAfterMs;

        FetchState(Partition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }
    }

    private final int brokerId;
    private final int sourceBroker;
    private final IntFunction<Optional<String>> addressOf;
    private final java.util.function.Consumer<TopicPartition> onHighWatermark;
    private final Map<TopicPartition, FetchState> partitions = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile BrokerChannel channel;
    /** Failures in a row; only the first is a warning, so a broker that is down does not flood the log. */
    private int failures;

    ReplicaFetcher(int brokerId, int sourceBroker, IntFunction<Optional<String>> addressOf,
                   java.util.function.Consumer<TopicPartition> onHighWatermark) {
        this.brokerId = brokerId;
        this.sourceBroker = sourceBroker;
        this.addressOf = addressOf;
        this.onHighWatermark = onHighWatermark;
        this.thread = new Thread(this::run, "replica-fetcher-" + brokerId + "-from-" + sourceBroker);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    synchronized void add(TopicPartition tp, Partition partition, int leaderEpoch) {
        FetchState current = partitions.get(tp);
        if (current != null && current.partition == partition && current.leaderEpoch == leaderEpoch) {
            return;
        }
        partitions.put(tp, new FetchState(partition, leaderEpoch));
        notifyAll();
    }

    synchronized void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    synchronized boolean isEmpty() {
        return partitions.isEmpty();
    }

    private synchronized FetchState current(TopicPartition tp) {
        return partitions.get(tp);
    }

    private void run() {
        while (running) {
            Map<TopicPartition, FetchState> snapshot;
            synchronized (this) {
                while (running && partitions.isEmpty()) {
                    waitQuietly(0);
                }
                snapshot = new LinkedHashMap<>(partitions);
            }
            if (!running) {
                break;
            }
            try {
                BrokerChannel c = connect();
                if (c == null) {
                    backoff();
                    continue;
                }
                truncate(c, snapshot);
                if (!fetch(c, snapshot)) {
                    backoff();
                }
                failures = 0;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    if (++failures == 1) {
                        log.warn("Replica fetcher of broker {} from broker {}: {}; reconnecting", brokerId, sourceBroker,
                                e.toString());
                    } else {
                        log.debug("Replica fetcher of broker {} from broker {}: {} ({} failures in a row)", brokerId,
                                sourceBroker, e.toString(), failures);
                    }
                    closeChannel();
                    backoff();
                }
            }
        }
        closeChannel();
    }

    private BrokerChannel connect() throws IOException {
        BrokerChannel c = channel;
        if (c != null) {
            return c;
        }
        Optional<String> address = addressOf.apply(sourceBroker);
        if (address.isEmpty()) {
            log.debug("Broker {} is not registered; waiting to fetch from it", sourceBroker);
            return null;
        }
        c = new BrokerChannel(address.get(), "replica-fetcher-" + brokerId, 10_000, MAX_WAIT_MS + 30_000);
        channel = c;
        if (!running) {
            closeChannel();
            return null;
        }
        return c;
    }

    /** Truncates the partitions that have not been yet in their current epoch. */
    private void truncate(BrokerChannel c, Map<TopicPartition, FetchState> snapshot) throws IOException {
        Map<String, List<OffsetForLeaderEpoch.PartitionRequest>> byTopic = new LinkedHashMap<>();
        Map<TopicPartition, EpochEndOffset> asked = new HashMap<>();
        for (Map.Entry<TopicPartition, FetchState> entry : snapshot.entrySet()) {
            FetchState state = entry.getValue();
            if (state.truncated) {
                continue;
            }
            Optional<EpochEndOffset> latest = state.partition.log().endOffsetForEpoch(Integer.MAX_VALUE);
            if (latest.isEmpty()) {
                // No epoch recorded: an empty log (nothing to truncate) or one from before epochs
                // were kept, which can only keep what it knows to be committed.
                if (state.partition.truncateAsFollower(state.partition.highWatermark(), state.leaderEpoch)) {
                    state.truncated = true;
                }
                continue;
            }
            asked.put(entry.getKey(), latest.get());
            byTopic.computeIfAbsent(entry.getKey().topic(), t -> new ArrayList<>()).add(new OffsetForLeaderEpoch.PartitionRequest(
                    entry.getKey().partition(), state.leaderEpoch, latest.get().epoch()));
        }
        if (asked.isEmpty()) {
            return;
        }
        List<PerTopic<OffsetForLeaderEpoch.PartitionRequest>> topics = new ArrayList<>();
        byTopic.forEach((topic, list) -> topics.add(new PerTopic<>(topic, list)));
        OffsetForLeaderEpoch.Response response = c.call(new OffsetForLeaderEpoch.Request(topics));
        for (PerTopic<OffsetForLeaderEpoch.PartitionResult> topic : response.topics()) {
            for (OffsetForLeaderEpoch.PartitionResult result : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), result.partition());
                FetchState state = current(tp);
                EpochEndOffset mine = asked.get(tp);
                if (state == null || mine == null || state != snapshot.get(tp)) {
                    continue;
                }
                if (result.errorCode() != ErrorCode.NONE.code()) {
                    log.debug("{}: OffsetForLeaderEpoch from broker {} failed with error {}", tp, sourceBroker,
                            ErrorCode.forCode(result.errorCode()));
                    state.retryAfterMs = System.currentTimeMillis() + BACKOFF_MS;
                    continue;
                }
                Partition partition = state.partition;
                long target;
                if (result.leaderEpoch() == OffsetForLeaderEpoch.UNDEFINED_EPOCH) {
                    // The leader knows no epoch at or below this replica's: keep only what is committed.
                    target = partition.highWatermark();
                } else if (result.leaderEpoch() == mine.epoch()) {
                    target = Math.min(result.endOffset(), partition.log().logEndOffset());
                } else {
                    // The leader's history diverges within an older epoch: keep what both have of it.
                    long myEnd = partition.log().endOffsetForEpoch(result.leaderEpoch())
                            .map(EpochEndOffset::endOffset).orElse(partition.highWatermark());
                    target = Math.min(result.endOffset(), myEnd);
                }
                if (partition.truncateAsFollower(target, state.leaderEpoch)) {
                    state.truncated = true;
                }
            }
        }
    }

    /** One Fetch for every truncated partition; false if there was nothing to do or it only failed. */
    private boolean fetch(BrokerChannel c, Map<TopicPartition, FetchState> snapshot) throws IOException {
        long now = System.currentTimeMillis();
        Map<String, List<Fetch.PartitionRequest>> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, FetchState> entry : snapshot.entrySet()) {
            FetchState state = entry.getValue();
            if (!state.truncated || state.retryAfterMs > now) {
                continue;
            }
            byTopic.computeIfAbsent(entry.getKey().topic(), t -> new ArrayList<>()).add(new Fetch.PartitionRequest(
                    entry.getKey().partition(), state.leaderEpoch, state.partition.log().logEndOffset(), PARTITION_MAX_BYTES));
        }
        if (byTopic.isEmpty()) {
            return false;
        }
        List<PerTopic<Fetch.PartitionRequest>> topics = new ArrayList<>();
        byTopic.forEach((topic, list) -> topics.add(new PerTopic<>(topic, list)));
        Fetch.Response response = c.call(new Fetch.Request(brokerId, MAX_WAIT_MS, 1, MAX_BYTES, topics));
        boolean progress = false;
        for (PerTopic<Fetch.PartitionData> topic : response.topics()) {
            for (Fetch.PartitionData data : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), data.partition());
                FetchState state = current(tp);
                if (state == null || state != snapshot.get(tp)) {
                    continue; // removed, or a new epoch began while the fetch was out
                }
                ErrorCode error = ErrorCode.forCode(data.errorCode());
                if (error == ErrorCode.NONE) {
                    progress = true;
                    if (data.records().sizeInBytes() > 0) {
                        state.partition.appendAsFollower(data.records(), state.leaderEpoch);
                    }
                    long before = state.partition.highWatermark();
                    state.partition.updateHighWatermarkAsFollower(data.highWatermark(), state.leaderEpoch);
                    if (state.partition.highWatermark() != before) {
                        onHighWatermark.accept(tp);
                    }
                } else if (error == ErrorCode.OFFSET_OUT_OF_RANGE
                        && data.logStartOffset() > state.partition.log().logEndOffset()) {
                    // The leader no longer keeps what this replica needs next: start again at its log start.
                    if (state.partition.restartAsFollowerAt(data.logStartOffset(), state.leaderEpoch)) {
                        progress = true;
                    }
                } else if (error == ErrorCode.OFFSET_OUT_OF_RANGE) {
                    // This replica is ahead of the leader: find the common history again.
                    log.info("{}: fetch offset {} is out of range on leader {}; truncating again", tp,
                            state.partition.log().logEndOffset(), sourceBroker);
                    state.truncated = false;
                    state.retryAfterMs = System.currentTimeMillis() + BACKOFF_MS;
                } else {
                    // Fenced, unknown epoch, not leader: wait for the metadata to tell who leads now.
                    log.debug("{}: fetch from broker {} failed with {}", tp, sourceBroker, error);
                    state.retryAfterMs = System.currentTimeMillis() + BACKOFF_MS;
                }
            }
        }
        return progress;
    }

    private synchronized void backoff() {
        if (running) {
            waitQuietly(BACKOFF_MS);
        }
    }

    private void waitQuietly(long ms) {
        try {
            wait(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void closeChannel() {
        BrokerChannel c = channel;
        channel = null;
        if (c != null) {
            c.close();
        }
    }

    /** Stops the thread: closing the connection unblocks a fetch in flight. Bounded in time. */
    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        closeChannel();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
