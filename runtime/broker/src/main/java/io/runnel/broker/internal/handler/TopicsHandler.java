package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.TopicManager;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteTopics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * CreateTopics and DeleteTopics. Each topic is answered on its own; the answer comes once the
 * metadata is written and this broker has seen the change (bounded by the request's timeout), so
 * a client's next request here finds the topic created, or gone.
 */
final class TopicsHandler {
    private final TopicManager topics;
    private final MetadataCache cache;
    private final ReplicaManager replicas;

    TopicsHandler(TopicManager topics, MetadataCache cache, ReplicaManager replicas) {
        this.topics = topics;
        this.cache = cache;
        this.replicas = replicas;
    }

    CompletableFuture<Optional<Message>> create(CreateTopics.Request request) {
        List<CompletableFuture<CreateTopics.Result>> results = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (CreateTopics.Topic t : request.topics()) {
            if (!seen.add(t.name())) {
                results.add(CompletableFuture.completedFuture(new CreateTopics.Result(t.name(),
                        ErrorCode.INVALID_REQUEST.code(), "topic '" + t.name() + "' is named twice in the request")));
                continue;
            }
            CompletableFuture<Void> created = topics.create(t.name(), t.numPartitions(), t.replicationFactor(),
                    t.configs(), request.validateOnly(), Math.max(1, request.timeoutMs()));
            if (!request.validateOnly()) {
                created = created.thenCompose(v -> settle(cache.when(c -> c.topic(t.name())
                        .map(m -> m.allPartitionsLed()).orElse(false)), request.timeoutMs()));
            }
            results.add(answer(t.name(), created));
        }
        return all(results).thenApply(list -> Optional.of(new CreateTopics.Response(list)));
    }

    CompletableFuture<Optional<Message>> delete(DeleteTopics.Request request) {
        List<CompletableFuture<CreateTopics.Result>> results = new ArrayList<>();
        for (String name : new java.util.LinkedHashSet<>(request.topics())) {
            CompletableFuture<Void> deleted = topics.delete(name)
                    .thenCompose(v -> settle(cache.when(c -> c.topic(name).isEmpty()), request.timeoutMs()));
            results.add(answer(name, deleted));
        }
        return all(results).thenApply(list -> Optional.of(new DeleteTopics.Response(list)));
    }

    /**
     * Waits for the local view to catch up and the partitions to take their roles; the write has
     * already succeeded, so running out of time still answers success.
     */
    private CompletableFuture<Void> settle(CompletableFuture<Void> seen, int timeoutMs) {
        long bound = Math.max(timeoutMs, 1);
        // Time out the cache's own future, so its waiter is removed either way.
        seen.completeOnTimeout(null, bound, TimeUnit.MILLISECONDS);
        return seen.thenCompose(v -> replicas.applied().completeOnTimeout(null, bound, TimeUnit.MILLISECONDS))
                .exceptionally(e -> null);
    }

    private static CompletableFuture<CreateTopics.Result> answer(String name, CompletableFuture<Void> outcome) {
        return outcome.handle((v, e) -> {
            if (e == null) {
                return new CreateTopics.Result(name, ErrorCode.NONE.code(), null);
            }
            RunnelException error = Errors.toRunnel(e, "topic " + name);
            return new CreateTopics.Result(name, error.errorCode().code(), error.getMessage());
        });
    }

    private static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }
}
