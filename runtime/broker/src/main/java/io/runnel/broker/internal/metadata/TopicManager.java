package io.runnel.broker.internal.metadata;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.api.placement.BrokerInfo;
import io.runnel.api.placement.PlacementRequest;
import io.runnel.api.placement.ReplicaPlacementPolicy;
import io.runnel.api.storage.StorageEngine;
import io.runnel.broker.internal.partition.PartitionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Creates and deletes topics in the metadata store. Creation goes through the controller
 * ({@link ControllerRequests}): the requesting broker checks what it can, and the controller, on its
 * thread, places the replicas with the {@link ReplicaPlacementPolicy} plugin, writes the assignment,
 * then each partition's first state (the first replica leads; every replica is in the ISR, since all
 * hold the same empty log). The controller also places added partitions ({@link #withPartitions}).
 *
 * <p>Creating {@code /brokers/topics/<topic>} is the commit point: two requests racing to create
 * one topic get one winner and one {@code TOPIC_ALREADY_EXISTS}. Thread safe.
 */
public final class TopicManager {
    private static final Logger log = LoggerFactory.getLogger(TopicManager.class);
    /** Topic-level override of the broker's {@code unclean.leader.election.enable}, read by the controller. */
    public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

    /** Topic settings the broker itself reads; the storage engine names the rest. */
    private static final Set<String> BROKER_TOPIC_KEYS = Set.of(PartitionSettings.MAX_MESSAGE_BYTES,
            PartitionSettings.MIN_INSYNC_REPLICAS, UNCLEAN_LEADER_ELECTION);

    /** The most partitions a topic may have (as {@code num.partitions} allows). */
    public static final int MAX_PARTITIONS = 100_000;

    private final CoordinationBackend backend;
    private final ControllerRequests controller;
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Void>> autoCreating =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final MetadataCache cache;
    private final ReplicaPlacementPolicy placement;
    private final StorageEngine storage;
    private final int defaultPartitions;
    private final int defaultReplicationFactor;

    public TopicManager(CoordinationBackend backend, MetadataCache cache, ReplicaPlacementPolicy placement,
                        StorageEngine storage, int defaultPartitions, int defaultReplicationFactor) {
        this.backend = backend;
        this.controller = new ControllerRequests(backend.metadata());
        this.cache = cache;
        this.placement = placement;
        this.storage = storage;
        this.defaultPartitions = defaultPartitions;
        this.defaultReplicationFactor = defaultReplicationFactor;
    }

    /** The topic-level configuration keys a topic may set. */
    public Set<String> topicConfigKeys() {
        Set<String> keys = new TreeSet<>(storage.topicConfigKeys());
        keys.addAll(BROKER_TOPIC_KEYS);
        return keys;
    }

    /** A topic to create, as asked (-1: the broker default). */
    public record NewTopic(String name, int partitions, int replicationFactor, Map<String, String> configs,
                           boolean validateOnly) {
        public NewTopic {
            configs = new java.util.TreeMap<>(configs);
        }
    }

    /**
     * Creates a topic through the controller; {@code numPartitions} and {@code replicationFactor}
     * of -1 take the broker defaults. What this broker can tell from its own view (a bad name, a
     * topic it knows, bad counts or configs) fails at once; the rest, with the replica placement,
     * is the controller's ({@link #createAssignment}). Completes when the metadata is written (or, with
     * {@code validateOnly}, checked). Fails with a {@link RunnelException} carrying the error for
     * the response, {@link ErrorCode#REQUEST_TIMED_OUT} if the controller does not answer within
     * {@code timeoutMs}.
     */
    public CompletableFuture<Void> create(String name, int numPartitions, int replicationFactor,
                                          Map<String, String> configs, boolean validateOnly, long timeoutMs) {
        NewTopic topic = new NewTopic(name, numPartitions, replicationFactor, configs, validateOnly);
        try {
            check(topic);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return controller.submit(ControllerRequests.CREATE_TOPIC, ControllerRequests.encodeNewTopic(topic), timeoutMs)
                .thenAccept(answer -> {
                    ErrorCode code = ErrorCode.forCode(parseCode(answer.get(ControllerRequests.ERROR)));
                    if (code != ErrorCode.NONE) {
                        String message = answer.get(ControllerRequests.MESSAGE);
                        throw new RunnelException(code, message != null ? message : "topic " + name + ": "
                                + code.description());
                    }
                });
    }

    /**
     * Creates a topic with the broker defaults for a client's Metadata request; a creation of the
     * same name already under way is joined rather than sent again.
     */
    public CompletableFuture<Void> autoCreate(String name, long timeoutMs) {
        CompletableFuture<Void> created = autoCreating.computeIfAbsent(name,
                n -> create(n, -1, -1, Map.of(), false, timeoutMs));
        // Outside computeIfAbsent: a creation that failed at once completes here, and must not
        // update the map from inside its own mapping function.
        created.whenComplete((v, e) -> autoCreating.remove(name, created));
        return created;
    }

    private static short parseCode(String value) {
        try {
            return value == null ? ErrorCode.UNKNOWN_SERVER_ERROR.code() : Short.parseShort(value.trim());
        } catch (NumberFormatException e) {
            return ErrorCode.UNKNOWN_SERVER_ERROR.code();
        }
    }

    /**
     * The controller's part of topic creation, on its thread: checks {@code topic} against the
     * controller's view, places the replicas with the {@link ReplicaPlacementPolicy} plugin, then
     * (unless validate-only, which completes with empty) creates {@code /brokers/topics/<topic>},
     * the commit point. The caller then writes the partitions' first states
     * ({@link #writeInitialStates}).
     */
    public CompletableFuture<Optional<TopicAssignment>> createAssignment(NewTopic topic) {
        TopicAssignment assignment;
        try {
            assignment = plan(topic.name(), topic.partitions(), topic.replicationFactor(), topic.configs());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (topic.validateOnly()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        String name = topic.name();
        return backend.metadata().create(MetadataPaths.topic(name), assignment.encode())
                .exceptionally(e -> {
                    if (unwrap(e) instanceof VersionConflictException) {
                        throw new RunnelException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
                    }
                    throw e instanceof CompletionException c ? c : new CompletionException(e);
                })
                .thenApply(version -> {
                    log.info("Created topic {} with {} partition(s), replicas {}", name, assignment.partitionCount(),
                            assignment.replicas());
                    return Optional.of(assignment);
                });
    }

    /** The checks that need no placement; the same on the requesting broker and on the controller. */
    private int[] check(NewTopic topic) {
        String name = topic.name();
        TopicNames.validate(name);
        if (cache.topic(name).isPresent()) {
            throw new RunnelException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
        }
        int partitions = topic.partitions() == -1 ? defaultPartitions : topic.partitions();
        if (partitions <= 0 || partitions > MAX_PARTITIONS) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "number of partitions must be 1 to " + MAX_PARTITIONS
                    + ", not " + topic.partitions());
        }
        int replicas = topic.replicationFactor() == -1 ? defaultReplicationFactor : topic.replicationFactor();
        if (replicas <= 0) {
            throw new RunnelException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor must be at least 1, not "
                    + topic.replicationFactor());
        }
        validateConfigs(topic.configs());
        return new int[] {partitions, replicas};
    }

    private TopicAssignment plan(String name, int numPartitions, int replicationFactor, Map<String, String> configs) {
        int[] counts = check(new NewTopic(name, numPartitions, replicationFactor, configs, true));
        int partitions = counts[0];
        int replicas = counts[1];
        Map<Integer, List<Integer>> assignment = place(name, 0, partitions, replicas, Map.of());
        return new TopicAssignment(name, TopicAssignment.newTopicId(), assignment, configs);
    }

    /**
     * Places the replicas of partitions {@code first .. first + count - 1} with the plugin and
     * checks its answer against the SPI contract.
     */
    private Map<Integer, List<Integer>> place(String name, int first, int count, int replicas,
                                              Map<Integer, List<Integer>> existing) {
        List<BrokerRegistration> live = cache.brokers();
        if (replicas > live.size()) {
            throw new RunnelException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor " + replicas
                    + " is larger than the " + live.size() + " live broker(s)");
        }
        List<BrokerInfo> brokers = live.stream().map(b -> new BrokerInfo(b.brokerId(), b.rack())).toList();
        List<List<Integer>> placed = placement.place(new PlacementRequest(name, first, count, replicas, brokers, existing));
        if (placed.size() != count) {
            throw new RunnelException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "replica placement returned "
                    + placed.size() + " partitions for " + count);
        }
        Set<Integer> liveIds = new HashSet<>();
        live.forEach(b -> liveIds.add(b.brokerId()));
        Map<Integer, List<Integer>> assignment = new HashMap<>();
        for (int i = 0; i < count; i++) {
            List<Integer> r = placed.get(i);
            if (r.size() != replicas || new HashSet<>(r).size() != replicas || !liveIds.containsAll(r)) {
                throw new RunnelException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "replica placement gave partition "
                        + (first + i) + " the replicas " + r + "; expected " + replicas + " distinct live brokers");
            }
            assignment.put(first + i, List.copyOf(r));
        }
        return assignment;
    }

    /**
     * {@code current} with partitions added up to {@code count} in all, their replicas placed by
     * the {@code replica.placement.policy} plugin over the live brokers with the topic's
     * replication factor (that of partition 0). The controller calls it, on its own thread.
     *
     * @throws RunnelException {@link ErrorCode#INVALID_PARTITIONS} if {@code count} is not larger
     *     than the current count (or above {@value #MAX_PARTITIONS}),
     *     {@link ErrorCode#INVALID_REPLICATION_FACTOR} if fewer brokers are alive than the
     *     replication factor, {@link ErrorCode#INVALID_REPLICA_ASSIGNMENT} if the plugin broke its contract
     */
    public TopicAssignment withPartitions(TopicAssignment current, int count) {
        int now = current.partitionCount();
        if (count <= now) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "topic '" + current.topic() + "' has " + now
                    + " partition(s); the new count must be larger, not " + count + " (partitions cannot be removed)");
        }
        if (count > MAX_PARTITIONS) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "topic '" + current.topic() + "': " + count
                    + " partitions is more than the " + MAX_PARTITIONS + " allowed");
        }
        int replicas = current.replicas().getOrDefault(0, List.of()).size();
        if (replicas == 0) {
            throw new RunnelException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "topic '" + current.topic()
                    + "' has no replicas for partition 0");
        }
        Map<Integer, List<Integer>> all = new HashMap<>(current.replicas());
        all.putAll(place(current.topic(), now, count - now, replicas, current.replicas()));
        return new TopicAssignment(current.topic(), current.topicId(), all, current.configs());
    }

    private void validateConfigs(Map<String, String> configs) {
        Set<String> known = topicConfigKeys();
        for (Map.Entry<String, String> entry : configs.entrySet()) {
            if (!known.contains(entry.getKey())) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "unknown topic config '" + entry.getKey()
                        + "'; known: " + String.join(", ", known));
            }
            if (entry.getValue() == null) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "topic config '" + entry.getKey() + "' has no value");
            }
        }
        PartitionSettings.of(new PartitionSettings(1, 1), configs);
        storage.validateTopicConfig(configs);
    }

    /**
     * Creates the first state of partitions {@code first ..} of {@code assignment}: the first
     * replica leads in leader epoch 0, and every replica is in the ISR. A state already there is
     * left as it is.
     */
    public CompletableFuture<Void> writeInitialStates(TopicAssignment assignment, int first, int controllerEpoch) {
        List<CompletableFuture<Integer>> writes = new ArrayList<>();
        assignment.replicas().forEach((p, replicas) -> {
            if (p < first) {
                return;
            }
            int leader = replicas.get(0);
            // Every replica starts in sync: they all hold the same (empty) log.
            PartitionState state = new PartitionState(leader, 0, replicas, controllerEpoch);
            // Tolerates a state already there: the controller writes the state of a partition left
            // without one for a while (a creator that died), and may have got in first.
            writes.add(backend.metadata().create(MetadataPaths.partitionState(assignment.topic(), p), state.encode())
                    .exceptionally(e -> {
                        if (unwrap(e) instanceof VersionConflictException) {
                            log.info("The state of {}-{} was written by the controller first", assignment.topic(), p);
                            return -1;
                        }
                        throw e instanceof CompletionException c ? c : new CompletionException(e);
                    }));
        });
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    /** Deletes a topic's metadata; every broker hosting it deletes its logs when it sees that. */
    public CompletableFuture<Void> delete(String name) {
        if (cache.topic(name).isEmpty()) {
            return CompletableFuture.failedFuture(new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "topic '" + name + "' does not exist"));
        }
        return backend.metadata().delete(MetadataPaths.topic(name), -1)
                .thenRun(() -> log.info("Deleted topic {}", name));
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
