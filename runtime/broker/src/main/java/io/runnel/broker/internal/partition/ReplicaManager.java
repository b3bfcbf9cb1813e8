package io.runnel.broker.internal.partition;

import io.runnel.api.TopicPartition;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.StorageEngine;
import io.runnel.broker.internal.metadata.MetadataListener;
import io.runnel.broker.internal.metadata.PartitionState;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The partitions this broker hosts, and their roles. Metadata changes (from the backend's
 * listener thread) are applied in order on one {@code partition-state} thread, since opening or
 * deleting a log touches the disk.
 *
 * <p>Thread safe.
 */
public final class ReplicaManager implements MetadataListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int brokerId;
    private final StorageEngine storage;
    private final PartitionSettings brokerDefaults;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService stateChanges = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "partition-state");
        thread.setDaemon(true);
        return thread;
    });

    public ReplicaManager(int brokerId, StorageEngine storage, PartitionSettings brokerDefaults) {
        this.brokerId = brokerId;
        this.storage = storage;
        this.brokerDefaults = brokerDefaults;
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
    public void partitionChanged(TopicPartition tp, List<Integer> replicas, Optional<PartitionState> state,
                                 Map<String, String> topicConfig) {
        stateChanges.execute(() -> {
            try {
                apply(tp, replicas, state, topicConfig);
            } catch (RuntimeException e) {
                log.error("Could not apply the new state of {}: {}", tp, e.getMessage(), e);
            }
        });
    }

    private void apply(TopicPartition tp, List<Integer> replicas, Optional<PartitionState> state,
                       Map<String, String> topicConfig) {
        if (!replicas.contains(brokerId)) {
            return;
        }
        PartitionSettings settings;
        try {
            settings = PartitionSettings.of(brokerDefaults, topicConfig);
        } catch (RuntimeException e) {
            log.error("Topic {} has invalid settings, using the broker's: {}", tp.topic(), e.getMessage());
            settings = brokerDefaults;
        }
        Partition partition = partitions.get(tp);
        if (partition == null) {
            PartitionLog partitionLog = storage.open(tp, topicConfig);
            partition = new Partition(tp, partitionLog, brokerId, settings);
            partitions.put(tp, partition);
        } else {
            partition.updateSettings(settings);
        }
        if (state.isEmpty()) {
            return;
        }
        PartitionState s = state.get();
        if (s.leader() == brokerId) {
            partition.becomeLeader(s.leaderEpoch(), s.isr());
            appended(tp);
        } else {
            partition.becomeFollower(s.leaderEpoch(), s.leader());
        }
    }

    @Override
    public void topicDeleted(String topic) {
        stateChanges.execute(() -> {
            List<TopicPartition> gone = new ArrayList<>();
            for (TopicPartition tp : partitions.keySet()) {
                if (tp.topic().equals(topic)) {
                    gone.add(tp);
                }
            }
            for (TopicPartition tp : gone) {
                partitions.remove(tp);
                try {
                    storage.delete(tp);
                    log.info("Deleted the log of {}", tp);
                } catch (RuntimeException e) {
                    log.error("Could not delete the log of {}: {}", tp, e.getMessage(), e);
                }
                appended(tp);
            }
        });
    }

    /** Completes once every metadata change queued so far has been applied. */
    public java.util.concurrent.CompletableFuture<Void> applied() {
        return java.util.concurrent.CompletableFuture.runAsync(() -> { }, stateChanges);
    }

    @Override
    public void close() {
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
