package io.runnel.broker.internal.metadata;

import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.BrokerRegistration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * This broker's view of the cluster, kept current by watches on the coordination backend: the
 * live brokers, and every topic's assignment and partition states. Request handlers read it
 * without touching the backend.
 *
 * <p>Thread safe. Updates come from the backend's listener thread; reads from anywhere.
 */
public final class MetadataCache {

    /** A topic and the states of those of its partitions that have one yet. */
    public record TopicMetadata(TopicAssignment assignment, Map<Integer, PartitionState> states) {
        public TopicMetadata {
            states = Map.copyOf(states);
        }

        public Optional<PartitionState> state(int partition) {
            return Optional.ofNullable(states.get(partition));
        }

        /** Whether every partition has a state with a leader. */
        public boolean allPartitionsLed() {
            for (int p = 0; p < assignment.partitionCount(); p++) {
                PartitionState s = states.get(p);
                if (s == null || s.leader() == PartitionState.NO_LEADER) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Waiter(Predicate<MetadataCache> condition, CompletableFuture<Void> done) {
    }

    private volatile List<BrokerRegistration> brokers = List.of();
    private final ConcurrentHashMap<String, TopicMetadata> topics = new ConcurrentHashMap<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile int controllerId = -1;

    /** The current controller's broker id as last seen in {@code /controller}, or -1 if there is none. */
    public int controllerId() {
        return controllerId;
    }

    /**
     * Calls {@code listener} after every change (brokers, topics, partition states), on the
     * backend's listener thread: it must not block.
     */
    public void addChangeListener(Runnable listener) {
        changeListeners.add(listener);
    }

    void setControllerId(int id) {
        controllerId = id;
        changed();
    }

    public List<BrokerRegistration> brokers() {
        return brokers;
    }

    public Optional<BrokerRegistration> broker(int id) {
        return brokers.stream().filter(b -> b.brokerId() == id).findFirst();
    }

    public boolean isAlive(int brokerId) {
        return broker(brokerId).isPresent();
    }

    public Optional<TopicMetadata> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Set<String> topicNames() {
        return new TreeSet<>(topics.keySet());
    }

    public Optional<PartitionState> partitionState(TopicPartition tp) {
        return topic(tp.topic()).flatMap(t -> t.state(tp.partition()));
    }

    /**
     * Completes once {@code condition} holds for this cache (at once if it holds now). The caller
     * bounds the wait with a timeout on the future.
     */
    public CompletableFuture<Void> when(Predicate<MetadataCache> condition) {
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        waiter.done().whenComplete((v, e) -> waiters.remove(waiter));
        check(waiter);
        return waiter.done();
    }

    void setBrokers(List<BrokerRegistration> live) {
        brokers = List.copyOf(live);
        changed();
    }

    void putAssignment(TopicAssignment assignment) {
        topics.compute(assignment.topic(), (name, old) -> {
            Map<Integer, PartitionState> states = old == null ? Map.of() : old.states();
            return new TopicMetadata(assignment, states);
        });
        changed();
    }

    void putState(String topic, int partition, Optional<PartitionState> state) {
        topics.computeIfPresent(topic, (name, old) -> {
            Map<Integer, PartitionState> states = new HashMap<>(old.states());
            if (state.isPresent()) {
                states.put(partition, state.get());
            } else {
                states.remove(partition);
            }
            return new TopicMetadata(old.assignment(), states);
        });
        changed();
    }

    void removeTopic(String topic) {
        topics.remove(topic);
        changed();
    }

    private void changed() {
        for (Runnable listener : changeListeners) {
            listener.run();
        }
        for (Waiter waiter : new ArrayList<>(waiters)) {
            check(waiter);
        }
    }

    private void check(Waiter waiter) {
        try {
            if (waiter.condition().test(this)) {
                waiter.done().complete(null);
            }
        } catch (RuntimeException e) {
            waiter.done().completeExceptionally(e);
        }
    }
}
