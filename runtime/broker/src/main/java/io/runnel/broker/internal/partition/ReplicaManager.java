package io.runnel.broker.internal.partition;

import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.MetadataStore;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.StorageEngine;
import io.runnel.broker.internal.metadata.MetadataListener;
import io.runnel.broker.internal.metadata.MetadataPaths;
import io.runnel.broker.internal.metadata.PartitionState;
import io.runnel.broker.internal.metadata.TopicAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The partitions this broker hosts, and their roles. Metadata changes (from the backend's
 * listener thread) are applied in order on one {@code partition-state} thread, since opening or
 * deleting a log touches the disk.
 *
 * <p>Replication: for every partition this broker follows, a {@link ReplicaFetcher} (one per
 * leader broker) copies the leader's log; for every partition it leads, a check every half
 * {@code replica.lag.time.max.ms} drops lagging followers from the ISR. ISR changes are written to
 * the partition state with a compare-and-set on its version, only while this broker still leads in
 * the epoch that proposed them; the leader, leader epoch and controller epoch are kept.
 *
 * <p>Thread safe.
 */
public final class ReplicaManager implements MetadataListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int brokerId;
    private final StorageEngine storage;
    private final PartitionSettings brokerDefaults;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Ids of topics deleted since start, so changes queued before a deletion are not applied after it. */
    private final java.util.Set<String> deletedTopicIds = ConcurrentHashMap.newKeySet();
    private final List<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService stateChanges = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "partition-state");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService isrThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "isr-changes");
        thread.setDaemon(true);
        return thread;
    });
    private final MetadataStore metadata;
    private final IntFunction<Optional<String>> brokerAddress;
    private final long replicaLagMaxMs;
    /** Replica fetchers by source (leader) broker; changed on the partition-state thread only. */
    private final Map<Integer, ReplicaFetcher> fetchers = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Integer> fetchingFrom = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** The broker is shutting down: no replica fetcher runs or starts any more. */
    private volatile boolean replicationStopped;

    /** A broker without replication (tests of a single broker): no ISR writes, no fetchers' peers. */
    public ReplicaManager(int brokerId, StorageEngine storage, PartitionSettings brokerDefaults) {
        this(brokerId, storage, brokerDefaults, null, id -> Optional.empty(), 30_000);
    }

    /**
     * @param metadata where ISR changes are written
     * @param brokerAddress the advertised {@code host:port} of a live broker
     * @param replicaLagMaxMs {@code replica.lag.time.max.ms}
     */
    public ReplicaManager(int brokerId, StorageEngine storage, PartitionSettings brokerDefaults, MetadataStore metadata,
                          IntFunction<Optional<String>> brokerAddress, long replicaLagMaxMs) {
        this.brokerId = brokerId;
        this.storage = storage;
        this.brokerDefaults = brokerDefaults;
        this.metadata = metadata;
        this.brokerAddress = brokerAddress;
        this.replicaLagMaxMs = replicaLagMaxMs;
        long period = Math.max(10, replicaLagMaxMs / 2);
        isrThread.scheduleWithFixedDelay(this::shrinkIsrs, period, period, TimeUnit.MILLISECONDS);
    }

    public int brokerId() {
        return brokerId;
    }

    public PartitionSettings brokerDefaults() {
        return brokerDefaults;
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    /** Called after every append, so long-polling fetches can complete. */
    public void onAppend(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    /** Tells the append listeners that {@code tp} has new data. */
    public void appended(TopicPartition tp) {
        for (Consumer<TopicPartition> listener : appendListeners) {
            listener.accept(tp);
        }
    }

    @Override
    public void partitionChanged(TopicAssignment topic, int partition, Optional<PartitionState> state) {
        TopicPartition tp = new TopicPartition(topic.topic(), partition);
        stateChanges.execute(() -> {
            try {
                apply(tp, topic, state);
            } catch (RuntimeException e) {
                log.error("Could not apply the new state of {}: {}", tp, e.getMessage(), e);
            }
        });
    }

    private void apply(TopicPartition tp, TopicAssignment topic, Optional<PartitionState> state) {
        List<Integer> replicas = topic.replicas().getOrDefault(tp.partition(), List.of());
        if (!replicas.contains(brokerId)) {
            return;
        }
        if (deletedTopicIds.contains(topic.topicId())) {
            return; // a change queued before the topic's deletion
        }
        PartitionSettings settings;
        try {
            settings = PartitionSettings.of(brokerDefaults, topic.configs());
        } catch (RuntimeException e) {
            log.error("Topic {} has invalid settings, using the broker's: {}", tp.topic(), e.getMessage());
            settings = brokerDefaults;
        }
        Partition partition = partitions.get(tp);
        if (partition != null && !partition.topicId().equals(topic.topicId())) {
            // The log of an earlier topic of the same name, not deleted yet: it must not take writes.
            partitions.remove(tp, partition);
            deleteLog(tp);
            partition = null;
        }
        if (partition == null) {
            PartitionLog partitionLog = storage.open(tp, topic.configs());
            partition = new Partition(tp, topic.topicId(), partitionLog, brokerId, settings, replicaLagMaxMs,
                    this::proposeIsr);
            partitions.put(tp, partition);
        } else {
            partition.updateSettings(settings);
        }
        if (state.isEmpty()) {
            return;
        }
        PartitionState s = state.get();
        if (s.leader() == brokerId) {
            stopFetching(tp);
            partition.becomeLeader(s.leaderEpoch(), s.isr(), replicas);
        } else {
            partition.becomeFollower(s.leaderEpoch(), s.leader());
            if (s.leader() == PartitionState.NO_LEADER) {
                stopFetching(tp);
            } else {
                startFetching(tp, partition, s.leader(), s.leaderEpoch());
            }
        }
        // Either way, waiting fetches look again: data may now be readable, or they must learn
        // that this broker no longer leads.
        appended(tp);
    }

    /**
     * Takes the topic's partitions out of service at once, on the caller's thread, so no request
     * reaches them after the deletion is known; their logs are deleted on the state thread.
     */
    @Override
    public void topicDeleted(String topic) {
        List<Partition> gone = new ArrayList<>();
        for (Map.Entry<TopicPartition, Partition> entry : partitions.entrySet()) {
            if (entry.getKey().topic().equals(topic) && partitions.remove(entry.getKey(), entry.getValue())) {
                gone.add(entry.getValue());
            }
        }
        for (Partition partition : gone) {
            deletedTopicIds.add(partition.topicId());
            partition.retire();
        }
        stateChanges.execute(() -> {
            for (Partition partition : gone) {
                stopFetching(partition.topicPartition());
                deleteLog(partition.topicPartition());
                appended(partition.topicPartition());
            }
        });
    }

    // ---- replica fetchers (partition-state thread) ------------------------------------------

    private void startFetching(TopicPartition tp, Partition partition, int leader, int epoch) {
        Integer previous = fetchingFrom.put(tp, leader);
        if (previous != null && previous != leader) {
            removeFromFetcher(tp, previous);
        }
        if (closed || replicationStopped) {
            return;
        }
        fetchers.computeIfAbsent(leader, source -> {
            ReplicaFetcher fetcher = new ReplicaFetcher(brokerId, source, brokerAddress, this::appended);
            fetcher.start();
            return fetcher;
        }).add(tp, partition, epoch);
    }

    private void stopFetching(TopicPartition tp) {
        Integer previous = fetchingFrom.remove(tp);
        if (previous != null) {
            removeFromFetcher(tp, previous);
        }
    }

    private void removeFromFetcher(TopicPartition tp, int source) {
        ReplicaFetcher fetcher = fetchers.get(source);
        if (fetcher == null) {
            return;
        }
        fetcher.remove(tp);
        if (fetcher.isEmpty()) {
            fetchers.remove(source);
            fetcher.close();
        }
    }

    // ---- ISR changes ------------------------------------------------------------------------

    private void shrinkIsrs() {
        long now = System.currentTimeMillis();
        for (Partition partition : partitions.values()) {
            try {
                partition.maybeShrinkIsr(now);
            } catch (RuntimeException e) {
                log.error("Could not check the ISR of {}: {}", partition.topicPartition(), e.getMessage(), e);
            }
        }
    }

    /** Writes an ISR change proposed by a leader; called with the partition's lock held, so it only schedules. */
    private void proposeIsr(Partition partition, int epoch, List<Integer> base, List<Integer> proposed) {
        if (metadata == null || closed) {
            isrThread.execute(() -> finishIsrChange(partition, epoch, proposed, null));
            return;
        }
        List<Integer> added = proposed.stream().filter(id -> !base.contains(id)).toList();
        List<Integer> removed = base.stream().filter(id -> !proposed.contains(id)).toList();
        isrThread.execute(() -> writeIsr(partition, epoch, proposed, added, removed));
    }

    /**
     * Reads the state, applies the change to the ISR found there (which someone else, e.g. a
     * controller, may have changed since), and writes it with a compare-and-set; on a conflict,
     * again, as long as the state names this broker as leader in {@code epoch}.
     */
    private void writeIsr(Partition partition, int epoch, List<Integer> proposed, List<Integer> added,
                          List<Integer> removed) {
        TopicPartition tp = partition.topicPartition();
        String path = MetadataPaths.partitionState(tp.topic(), tp.partition());
        metadata.get(path).thenCompose(current -> {
            if (current.isEmpty()) {
                throw new CompletionException(new IllegalStateException("the state of " + tp + " is gone"));
            }
            PartitionState state = PartitionState.decode(current.get().value(), path);
            if (state.leader() != brokerId || state.leaderEpoch() != epoch) {
                throw new CompletionException(new IllegalStateException("broker " + state.leader() + " leads " + tp
                        + " in epoch " + state.leaderEpoch() + " now"));
            }
            List<Integer> target = new ArrayList<>(state.isr());
            target.removeAll(removed);
            for (int id : added) {
                if (!target.contains(id)) {
                    target.add(id);
                }
            }
            if (target.equals(state.isr())) {
                return java.util.concurrent.CompletableFuture.completedFuture(new IsrWrite(state.isr(), state.isr()));
            }
            PartitionState updated = new PartitionState(state.leader(), state.leaderEpoch(), target, state.controllerEpoch());
            return metadata.compareAndSet(path, updated.encode(), current.get().version())
                    .thenApply(v -> new IsrWrite(state.isr(), List.copyOf(target)));
        }).whenCompleteAsync((change, e) -> {
            if (e == null) {
                List<Integer> before = change.before();
                List<Integer> after = change.after();
                if (!after.equals(before)) {
                    log.info("{}: {} the ISR from {} to {} in leader epoch {}", tp,
                            after.size() < before.size() ? "shrinking" : "expanding", before, after, epoch);
                }
                finishIsrChange(partition, epoch, proposed, after);
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof VersionConflictException && !closed && partition.isLeader() && partition.leaderEpoch() == epoch) {
                log.debug("{}: the state changed while writing the ISR; reading it again", tp);
                writeIsr(partition, epoch, proposed, added, removed);
                return;
            }
            log.info("{}: ISR change to {} in epoch {} not written: {}", tp, proposed, epoch, cause.getMessage());
            finishIsrChange(partition, epoch, proposed, null);
        }, isrThread);
    }

    /** The ISR found in the state and the one it holds now. */
    private record IsrWrite(List<Integer> before, List<Integer> after) {
    }

    private void finishIsrChange(Partition partition, int epoch, List<Integer> proposed, List<Integer> written) {
        partition.isrChangeDone(epoch, proposed, written);
        // Delayed produces and consumers look again: the high watermark or the ISR size changed.
        appended(partition.topicPartition());
    }

    private void deleteLog(TopicPartition tp) {
        try {
            storage.delete(tp);
            log.info("Deleted the log of {}", tp);
        } catch (RuntimeException e) {
            log.error("Could not delete the log of {}: {}", tp, e.getMessage(), e);
        }
    }

    /**
     * Stops replicating, first thing in a broker's shutdown: its fetchers stop and none starts
     * again, even when the partitions it leads are handed to other replicas and it becomes their
     * follower. A fetch from a broker on its way out would make those leaders add it back to
     * their ISR (the controlled shutdown has just removed it), and then wait for it. Waits (a
     * few seconds at most) until the fetchers are closed.
     */
    public void stopReplicating() {
        replicationStopped = true;
        try {
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                for (ReplicaFetcher fetcher : fetchers.values()) {
                    fetcher.close();
                }
                fetchers.clear();
            }, stateChanges).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            log.warn("Stopping the replica fetchers: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Completes once every metadata change queued so far has been applied. */
    public java.util.concurrent.CompletableFuture<Void> applied() {
        return java.util.concurrent.CompletableFuture.runAsync(() -> { }, stateChanges);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        isrThread.shutdownNow();
        stateChanges.execute(() -> {
            for (ReplicaFetcher fetcher : fetchers.values()) {
                fetcher.close();
            }
            fetchers.clear();
        });
        stateChanges.shutdown();
        try {
            if (!stateChanges.awaitTermination(10, TimeUnit.SECONDS)) {
                stateChanges.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stateChanges.shutdownNow();
        }
    }
}
