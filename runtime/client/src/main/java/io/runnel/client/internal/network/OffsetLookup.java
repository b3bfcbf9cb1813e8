package io.runnel.client.internal.network;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.Node;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.PerTopic;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * ListOffsets for many partitions: one request per leader, retried after a metadata refresh and
 * {@code retry.backoff.ms} on retriable errors (a moved leader, a dead connection) until the
 * deadline. Non-retriable partition errors fail the whole lookup with the broker's error code.
 *
 * <p>Thread safe; never blocks.
 */
public final class OffsetLookup {
    private final NetworkClient network;
    private final MetadataManager metadata;
    private final int requestTimeoutMs;
    private final long retryBackoffMs;

    public OffsetLookup(NetworkClient network, MetadataManager metadata, int requestTimeoutMs, long retryBackoffMs) {
        this.network = network;
        this.metadata = metadata;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
    }

    /**
     * @param timestamps per partition: {@link ListOffsets#EARLIEST}, {@link ListOffsets#LATEST}, or
     *     a time in ms
     * @param deadlineNanos {@link System#nanoTime()} after which retriable errors fail the lookup
     */
    public CompletableFuture<Map<TopicPartition, ListOffsets.PartitionResult>> lookup(Map<TopicPartition, Long> timestamps,
                                                                                      long deadlineNanos) {
        CompletableFuture<Map<TopicPartition, ListOffsets.PartitionResult>> result = new CompletableFuture<>();
        metadata.addTopics(timestamps.keySet().stream().map(TopicPartition::topic).toList());
        attempt(new HashMap<>(timestamps), new ConcurrentHashMap<>(), deadlineNanos, result, null);
        return result;
    }

    private void attempt(Map<TopicPartition, Long> remaining, Map<TopicPartition, ListOffsets.PartitionResult> done,
                         long deadlineNanos, CompletableFuture<Map<TopicPartition, ListOffsets.PartitionResult>> result,
                         RunnelException lastError) {
        if (remaining.isEmpty()) {
            result.complete(Map.copyOf(done));
            return;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            result.completeExceptionally(new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "listing offsets of "
                    + remaining.keySet() + " did not finish in time" + (lastError == null ? ""
                    : "; last error: " + lastError.getMessage()), lastError));
            return;
        }
        Cluster cluster = metadata.cluster();
        Map<InetSocketAddress, Map<TopicPartition, Long>> byLeader = new HashMap<>();
        boolean missing = false;
        for (Map.Entry<TopicPartition, Long> e : remaining.entrySet()) {
            Node leader = cluster.leader(e.getKey());
            if (leader == null) {
                ErrorCode topicError = cluster.topicErrors().get(e.getKey().topic());
                if (topicError != null && !topicError.retriable()) {
                    result.completeExceptionally(topicError.exception(e.getKey() + ": " + topicError.description()));
                    return;
                }
                missing = true;
                continue;
            }
            byLeader.computeIfAbsent(MetadataManager.address(leader), a -> new HashMap<>()).put(e.getKey(), e.getValue());
        }
        if (byLeader.isEmpty()) {
            RunnelException error = new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, "no leader known for "
                    + remaining.keySet());
            metadata.refresh().whenComplete((c, e) -> retryLater(remaining, done, deadlineNanos, result, error));
            return;
        }
        List<CompletableFuture<RunnelException>> requests = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, Map<TopicPartition, Long>> node : byLeader.entrySet()) {
            Map<String, List<ListOffsets.PartitionRequest>> topics = new HashMap<>();
            node.getValue().forEach((tp, ts) -> topics.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                    .add(new ListOffsets.PartitionRequest(tp.partition(), -1, ts)));
            List<PerTopic<ListOffsets.PartitionRequest>> perTopic = new ArrayList<>();
            topics.forEach((t, ps) -> perTopic.add(new PerTopic<>(t, ps)));
            requests.add(network.send(node.getKey(), new ListOffsets.Request(-1, perTopic), requestTimeoutMs)
                    .handle((response, error) -> {
                        if (error != null) {
                            return unwrap(error);
                        }
                        RunnelException retriable = null;
                        for (PerTopic<ListOffsets.PartitionResult> t : ((ListOffsets.Response) response).topics()) {
                            for (ListOffsets.PartitionResult p : t.partitions()) {
                                TopicPartition tp = new TopicPartition(t.name(), p.partition());
                                ErrorCode code = ErrorCode.forCode(p.errorCode());
                                if (code == ErrorCode.NONE) {
                                    done.put(tp, p);
                                } else if (code.retriable()) {
                                    retriable = code.exception(tp + ": " + code.description());
                                } else {
                                    result.completeExceptionally(code.exception("listing offsets of " + tp + ": "
                                            + code.description()));
                                }
                            }
                        }
                        return retriable;
                    }));
        }
        boolean refresh = missing;
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            if (result.isDone()) {
                return;
            }
            RunnelException error = null;
            for (CompletableFuture<RunnelException> r : requests) {
                RunnelException re = r.join();
                if (re != null) {
                    if (!re.retriable()) {
                        result.completeExceptionally(re);
                        return;
                    }
                    error = re;
                }
            }
            Map<TopicPartition, Long> left = new HashMap<>(remaining);
            left.keySet().removeAll(done.keySet());
            if (left.isEmpty()) {
                result.complete(Map.copyOf(done));
            } else if (error != null || refresh) {
                RunnelException last = error;
                metadata.refresh().whenComplete((c, x) -> retryLater(left, done, deadlineNanos, result, last));
            } else {
                attempt(left, done, deadlineNanos, result, null);
            }
        });
    }

    private void retryLater(Map<TopicPartition, Long> remaining, Map<TopicPartition, ListOffsets.PartitionResult> done,
                            long deadlineNanos, CompletableFuture<Map<TopicPartition, ListOffsets.PartitionResult>> result,
                            RunnelException lastError) {
        CompletableFuture.delayedExecutor(retryBackoffMs, TimeUnit.MILLISECONDS)
                .execute(() -> attempt(remaining, done, deadlineNanos, result, lastError));
    }

    static RunnelException unwrap(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause instanceof RunnelException re ? re
                : new RunnelException(ErrorCode.NETWORK_EXCEPTION, String.valueOf(cause.getMessage()), cause);
    }
}
