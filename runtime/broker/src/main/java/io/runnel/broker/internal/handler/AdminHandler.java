package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.broker.internal.metadata.ControllerRequests;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.PartitionState;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.CreatePartitions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.ElectLeaders;
import io.runnel.protocol.message.PerTopic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * ElectLeaders and CreatePartitions: checked against this broker's metadata cache (unknown topics
 * and partitions, partition counts that do not grow are answered at once), then handed to the
 * controller through the coordination backend ({@link ControllerRequests}). The answer comes once
 * the controller has written the new states and this broker has seen them, bounded by the
 * request's timeout; a controller that does not answer in time gives {@code REQUEST_TIMED_OUT}.
 */
final class AdminHandler {
    private final MetadataCache cache;
    private final ControllerRequests controller;
    private final ReplicaManager replicas;

    AdminHandler(MetadataCache cache, ControllerRequests controller, ReplicaManager replicas) {
        this.cache = cache;
        this.controller = controller;
        this.replicas = replicas;
    }

    CompletableFuture<Optional<Message>> electLeaders(ElectLeaders.Request request) {
        if (request.electionType() != ElectLeaders.PREFERRED && request.electionType() != ElectLeaders.UNCLEAN) {
            return CompletableFuture.completedFuture(Optional.of(new ElectLeaders.Response(
                    ErrorCode.INVALID_REQUEST.code(), List.of())));
        }
        long started = System.nanoTime();
        long timeoutMs = Math.max(1, request.timeoutMs());
        Map<TopicPartition, ElectLeaders.PartitionResult> results = new TreeMap<>();
        Map<String, List<ElectLeaders.PartitionResult>> invalid = new TreeMap<>();
        List<TopicPartition> toElect = new ArrayList<>();
        if (request.topicPartitions() == null) {
            for (String topic : cache.topicNames()) {
                cache.topic(topic).ifPresent(t -> {
                    for (int p = 0; p < t.assignment().partitionCount(); p++) {
                        toElect.add(new TopicPartition(topic, p));
                    }
                });
            }
        } else {
            Set<TopicPartition> seen = new HashSet<>();
            for (PerTopic<Integer> topic : request.topicPartitions()) {
                Optional<MetadataCache.TopicMetadata> metadata = cache.topic(topic.name());
                for (int p : topic.partitions()) {
                    if (p < 0 || metadata.isEmpty() || p >= metadata.get().assignment().partitionCount()) {
                        invalid.computeIfAbsent(topic.name(), t -> new ArrayList<>()).add(new ElectLeaders.PartitionResult(p,
                                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), "topic-partition " + topic.name() + "-" + p
                                        + " does not exist"));
                        continue;
                    }
                    TopicPartition tp = new TopicPartition(topic.name(), p);
                    if (seen.add(tp)) {
                        toElect.add(tp);
                    }
                }
            }
        }
        if (toElect.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(electResponse(results, invalid)));
        }
        String election = request.electionType() == ElectLeaders.PREFERRED ? ControllerRequests.PREFERRED
                : ControllerRequests.UNCLEAN;
        // In chunks, so that no request znode (with its answer) comes near the coordination
        // backend's value size limit (1 MiB with ZooKeeper), whatever the number of partitions.
        List<CompletableFuture<Map<TopicPartition, Outcome>>> chunks = new ArrayList<>();
        for (int from = 0; from < toElect.size(); from += PARTITIONS_PER_REQUEST) {
            List<TopicPartition> chunk = toElect.subList(from, Math.min(toElect.size(), from + PARTITIONS_PER_REQUEST));
            chunks.add(electChunk(election, List.copyOf(chunk), timeoutMs));
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            Map<TopicPartition, Integer> elected = new HashMap<>();
            for (CompletableFuture<Map<TopicPartition, Outcome>> chunk : chunks) {
                chunk.join().forEach((tp, outcome) -> {
                    results.put(tp, outcome.result());
                    if (outcome.result().errorCode() == ErrorCode.NONE.code()) {
                        elected.put(tp, outcome.leaderEpoch());
                    }
                });
            }
            // Answer once this broker's view shows the new leaders, so a client's next Metadata here sees them.
            return bounded(cache.when(c -> elected.entrySet().stream().allMatch(e -> c.partitionState(e.getKey())
                    .map(PartitionState::leaderEpoch).orElse(-1) >= e.getValue())), remaining(started, timeoutMs))
                    .thenApply(x -> Optional.<Message>of(electResponse(results, invalid)));
        });
    }

    /** Most partitions in one ELECT_LEADERS request to the controller. */
    static final int PARTITIONS_PER_REQUEST = 1_000;

    private record Outcome(ElectLeaders.PartitionResult result, int leaderEpoch) {
    }

    /** One request to the controller; never fails: a failure is every partition's error. */
    private CompletableFuture<Map<TopicPartition, Outcome>> electChunk(String election, List<TopicPartition> partitions,
                                                                       long timeoutMs) {
        Map<String, String> values = Map.of(ControllerRequests.ELECTION, election,
                ControllerRequests.PARTITIONS, ControllerRequests.partitionList(partitions));
        return controller.submit(ControllerRequests.ELECT_LEADERS, values, timeoutMs).thenApply(answer -> {
            Map<TopicPartition, Outcome> outcomes = new HashMap<>();
            for (TopicPartition tp : partitions) {
                String key = ControllerRequests.key(tp);
                ErrorCode code = ErrorCode.forCode(parse(answer.get(ControllerRequests.ERROR + "." + key),
                        ErrorCode.UNKNOWN_SERVER_ERROR.code()));
                String message = answer.get(ControllerRequests.MESSAGE + "." + key);
                if (!answer.containsKey(ControllerRequests.ERROR + "." + key)) {
                    message = "the controller's answer has no result for " + tp;
                }
                outcomes.put(tp, new Outcome(new ElectLeaders.PartitionResult(tp.partition(), code.code(), message),
                        parse(answer.get(ControllerRequests.LEADER_EPOCH + "." + key), 0)));
            }
            return outcomes;
        }).exceptionally(e -> {
            RunnelException error = Errors.toRunnel(e, "ElectLeaders");
            Map<TopicPartition, Outcome> outcomes = new HashMap<>();
            for (TopicPartition tp : partitions) {
                outcomes.put(tp, new Outcome(new ElectLeaders.PartitionResult(tp.partition(), error.errorCode().code(),
                        error.getMessage()), -1));
            }
            return outcomes;
        });
    }

    private static ElectLeaders.Response electResponse(Map<TopicPartition, ElectLeaders.PartitionResult> results,
                                                       Map<String, List<ElectLeaders.PartitionResult>> invalid) {
        Map<String, List<ElectLeaders.PartitionResult>> byTopic = new TreeMap<>();
        results.forEach((tp, r) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(r));
        invalid.forEach((topic, rs) -> byTopic.computeIfAbsent(topic, t -> new ArrayList<>()).addAll(rs));
        List<PerTopic<ElectLeaders.PartitionResult>> topics = new ArrayList<>();
        byTopic.forEach((topic, rs) -> topics.add(new PerTopic<>(topic, rs)));
        return new ElectLeaders.Response(ErrorCode.NONE.code(), topics);
    }

    CompletableFuture<Optional<Message>> createPartitions(CreatePartitions.Request request) {
        long started = System.nanoTime();
        long timeoutMs = Math.max(1, request.timeoutMs());
        Map<String, CompletableFuture<CreateTopics.Result>> results = new LinkedHashMap<>();
        List<CompletableFuture<CreateTopics.Result>> ordered = new ArrayList<>();
        for (CreatePartitions.Topic t : request.topics()) {
            CompletableFuture<CreateTopics.Result> result = results.containsKey(t.name())
                    ? done(t.name(), ErrorCode.INVALID_REQUEST, "topic '" + t.name() + "' is named twice in the request")
                    : createPartitions(t, request.validateOnly(), started, timeoutMs);
            results.putIfAbsent(t.name(), result);
            ordered.add(result);
        }
        return CompletableFuture.allOf(ordered.toArray(CompletableFuture[]::new)).thenApply(v -> Optional.of(
                new CreatePartitions.Response(ordered.stream().map(CompletableFuture::join).toList())));
    }

    private CompletableFuture<CreateTopics.Result> createPartitions(CreatePartitions.Topic t, boolean validateOnly,
                                                                    long started, long timeoutMs) {
        Optional<MetadataCache.TopicMetadata> metadata = cache.topic(t.name());
        if (metadata.isEmpty()) {
            return done(t.name(), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + t.name() + "' does not exist");
        }
        int now = metadata.get().assignment().partitionCount();
        if (t.count() <= now) {
            return done(t.name(), ErrorCode.INVALID_PARTITIONS, "topic '" + t.name() + "' has " + now
                    + " partition(s); the new count must be larger, not " + t.count() + " (partitions cannot be removed)");
        }
        Map<String, String> values = Map.of(ControllerRequests.TOPIC, t.name(),
                ControllerRequests.TOPIC_ID, metadata.get().assignment().topicId(),
                ControllerRequests.COUNT, String.valueOf(t.count()),
                ControllerRequests.VALIDATE_ONLY, String.valueOf(validateOnly));
        return controller.submit(ControllerRequests.CREATE_PARTITIONS, values, timeoutMs).thenCompose(answer -> {
            ErrorCode code = ErrorCode.forCode(parse(answer.get(ControllerRequests.ERROR), ErrorCode.UNKNOWN_SERVER_ERROR.code()));
            CreateTopics.Result result = new CreateTopics.Result(t.name(), code.code(), answer.get(ControllerRequests.MESSAGE));
            if (code != ErrorCode.NONE || validateOnly) {
                return CompletableFuture.completedFuture(result);
            }
            // As CreateTopics: once this broker has seen the new partitions led and opened its replicas of them.
            long left = remaining(started, timeoutMs);
            return bounded(cache.when(c -> c.topic(t.name()).map(m -> m.assignment().partitionCount() >= t.count()
                    && m.allPartitionsLed()).orElse(true)), left)
                    .thenCompose(v -> bounded(replicas.applied(), remaining(started, timeoutMs)))
                    .thenApply(v -> result);
        }).exceptionally(e -> {
            RunnelException error = Errors.toRunnel(e, "CreatePartitions of " + t.name());
            return new CreateTopics.Result(t.name(), error.errorCode().code(), error.getMessage());
        });
    }

    private static CompletableFuture<CreateTopics.Result> done(String name, ErrorCode code, String message) {
        return CompletableFuture.completedFuture(new CreateTopics.Result(name, code.code(), message));
    }

    /** Waits for {@code seen} at most {@code ms}; the write already succeeded, so running out of time is no error. */
    private static CompletableFuture<Void> bounded(CompletableFuture<Void> seen, long ms) {
        seen.completeOnTimeout(null, Math.max(ms, 1), TimeUnit.MILLISECONDS);
        return seen.exceptionally(e -> null);
    }

    private static long remaining(long startedNanos, long timeoutMs) {
        return timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private static short parse(String value, short otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return Short.parseShort(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static int parse(String value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
