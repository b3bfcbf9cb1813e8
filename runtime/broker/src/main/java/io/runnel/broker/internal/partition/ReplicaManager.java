package io.runnel.broker.internal.partition;

import io.runnel.api.TopicPartition;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.StorageEngine;
import io.runnel.broker.internal.metadata.MetadataListener;
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
    /** Ids of topics deleted since start, so changes queued before a deletion are not applied after it. */
    private final java.util.Set<String> deletedTopicIds = ConcurrentHashMap.newKeySet();
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
            partition = new Partition(tp, topic.topicId(), partitionLog, brokerId, settings);
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
        } else {
            partition.becomeFollower(s.leaderEpoch(), s.leader());
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
                deleteLog(partition.topicPartition());
                appended(partition.topicPartition());
            }
        });
    }

    private void deleteLog(TopicPartition tp) {
        try {
            storage.delete(tp);
            log.info("Deleted the log of {}", tp);
        } catch (RuntimeException e) {
            log.error("Could not delete the log of {}: {}", tp, e.getMessage(), e);
        }
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
