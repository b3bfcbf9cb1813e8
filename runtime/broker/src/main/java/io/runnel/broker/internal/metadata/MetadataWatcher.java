package io.runnel.broker.internal.metadata;

import io.runnel.api.Subscription;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.coordination.Versioned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps the {@link MetadataCache} in step with the coordination backend: watches the live
 * brokers, the topic list, each topic's assignment and each partition's state, and tells the
 * {@link MetadataListener} what changed.
 *
 * <p>All callbacks arrive on the backend's single listener thread, in order, so the state here
 * needs no locking beyond the close flag.
 */
public final class MetadataWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataWatcher.class);

    private final CoordinationBackend backend;
    private final MetadataCache cache;
    private final MetadataListener listener;
    private final List<Subscription> global = new ArrayList<>();
    private final Map<String, TopicWatch> topics = new HashMap<>();
    private volatile boolean closed;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private boolean brokersHeard;
    private boolean topicsHeard;

    /** The watches of one topic: its assignment node and one per partition state. */
    private final class TopicWatch {
        final String topic;
        final Subscription assignmentWatch;
        final Map<Integer, Subscription> stateWatches = new HashMap<>();
        final Set<Integer> statesHeard = new HashSet<>();
        TopicAssignment assignment;

        boolean loaded() {
            return assignment != null && statesHeard.size() >= assignment.partitionCount();
        }

        TopicWatch(String topic) {
            this.topic = topic;
            this.assignmentWatch = backend.metadata().watch(MetadataPaths.topic(topic), this::onAssignment);
        }

        private void onAssignment(Optional<Versioned<byte[]>> value) {
            if (closed || value.isEmpty()) {
                return;
            }
            TopicAssignment parsed;
            try {
                parsed = TopicAssignment.decode(topic, value.get().value());
            } catch (RuntimeException e) {
                log.error("Ignoring topic {}: {}", topic, e.getMessage());
                return;
            }
            assignment = parsed;
            cache.putAssignment(parsed);
            for (int p = 0; p < parsed.partitionCount(); p++) {
                int partition = p;
                if (!stateWatches.containsKey(p)) {
                    stateWatches.put(p, backend.metadata().watch(MetadataPaths.partitionState(topic, p),
                            state -> onState(partition, state)));
                } else {
                    notifyPartition(partition, cache.partitionState(new TopicPartition(topic, partition)));
                }
            }
            checkReady();
        }

        private void onState(int partition, Optional<Versioned<byte[]>> value) {
            if (closed || !topics.containsKey(topic)) {
                return;
            }
            statesHeard.add(partition);
            Optional<PartitionState> state = Optional.empty();
            if (value.isPresent()) {
                String path = MetadataPaths.partitionState(topic, partition);
                try {
                    state = Optional.of(PartitionState.decode(value.get().value(), path));
                } catch (RuntimeException e) {
                    log.error("Ignoring the state of {}-{}: {}", topic, partition, e.getMessage());
                    return;
                }
            }
            // The partitions hear first, the cache second: whoever waits on the cache (a CreateTopics
            // answer) then finds the partition's new role already queued.
            notifyPartition(partition, state);
            cache.putState(topic, partition, state);
            checkReady();
        }

        private void notifyPartition(int partition, Optional<PartitionState> state) {
            if (assignment == null) {
                return;
            }
            listener.partitionChanged(assignment, partition, state);
        }

        void close() {
            assignmentWatch.close();
            stateWatches.values().forEach(Subscription::close);
        }
    }

    public MetadataWatcher(CoordinationBackend backend, MetadataCache cache, MetadataListener listener) {
        this.backend = backend;
        this.cache = cache;
        this.listener = listener;
    }

    public void start() {
        global.add(backend.brokers().watch(live -> {
            cache.setBrokers(live);
            brokersHeard = true;
            checkReady();
        }));
        global.add(backend.metadata().watchChildren(MetadataPaths.TOPICS, this::onTopics));
        global.add(backend.metadata().watch(MetadataPaths.CONTROLLER, this::onController));
    }

    private void onController(Optional<Versioned<byte[]>> value) {
        if (closed) {
            return;
        }
        int id = -1;
        if (value.isPresent()) {
            try {
                id = ZnodeText.intValue(ZnodeText.decode(value.get().value(), MetadataPaths.CONTROLLER), "brokerid",
                        MetadataPaths.CONTROLLER);
            } catch (RuntimeException e) {
                log.warn("Ignoring {}: {}", MetadataPaths.CONTROLLER, e.getMessage());
            }
        }
        cache.setControllerId(id);
    }

    /**
     * Completes once the cache holds what the backend had at start: the live brokers, every topic
     * and every partition state. A broker serves clients only after that, so it never answers from
     * an empty view of a cluster that has topics.
     */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    private void checkReady() {
        if (ready.isDone() || !brokersHeard || !topicsHeard) {
            return;
        }
        for (TopicWatch watch : topics.values()) {
            if (!watch.loaded()) {
                return;
            }
        }
        ready.complete(null);
    }

    private void onTopics(List<String> names) {
        if (closed) {
            return;
        }
        Set<String> now = new HashSet<>(names);
        for (String name : names) {
            if (!topics.containsKey(name)) {
                topics.put(name, new TopicWatch(name));
            }
        }
        for (String gone : new ArrayList<>(topics.keySet())) {
            if (!now.contains(gone)) {
                topics.remove(gone).close();
                log.info("Topic {} was deleted", gone);
                // As for states: the partitions first, so a DeleteTopics waiting on the cache finds
                // the log deletion already queued.
                listener.topicDeleted(gone);
                cache.removeTopic(gone);
            }
        }
        topicsHeard = true;
        checkReady();
    }

    @Override
    public void close() {
        closed = true;
        global.forEach(Subscription::close);
        // The listener thread may still be adding watches; close what is there now and let the
        // closed flag stop the rest.
        new ArrayList<>(topics.values()).forEach(TopicWatch::close);
    }
}
