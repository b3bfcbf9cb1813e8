package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Records;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.partition.Partition;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.PerTopic;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Fetch, with long polling: a fetch that finds fewer than {@code minBytes} waits until appends to
 * its partitions bring enough, or until {@code maxWaitMs} passes, then answers with what there is.
 * Batches are answered as file regions of the log, sent with {@code sendfile}.
 *
 * <p>A fetch with {@code replicaId >= 0} comes from a follower: it reads up to the log end rather
 * than the high watermark, and its fetch offset is recorded as that follower's log end offset
 * (which may move the high watermark and the ISR; waiting fetches and produces are then woken).
 *
 * <p>Thread safe. A waiting fetch is re-tried on the thread that appended; its timeout fires on
 * the scheduler and is answered on the request threads. When a follower's fetch moves the high
 * watermark, the produces and fetches waiting for it are woken on the same request thread right
 * after the read (a hand-off to another thread would add a wake-up to every {@code acks=all}
 * answer); only a fetch re-tried from inside another wake-up hands them to the request threads,
 * so that wake-ups never nest.
 */
final class FetchHandler {
    private final ReplicaManager replicas;
    private final MetadataCache cache;
    private final Executor requestThreads;
    private final DelayedOperations waiting;

    FetchHandler(ReplicaManager replicas, MetadataCache cache, ScheduledExecutorService timer, Executor requestThreads) {
        this.replicas = replicas;
        this.cache = cache;
        this.requestThreads = requestThreads;
        this.waiting = new DelayedOperations(timer, requestThreads);
        replicas.onAppend(waiting::changed);
    }

    private record Attempt(Fetch.Response response, long bytes, boolean hasError) {
    }

    private final class WaitingFetch extends DelayedOperations.Operation {
        final Fetch.Request request;

        WaitingFetch(Fetch.Request request) {
            super(partitionsOf(request));
            this.request = request;
        }

        @Override
        Optional<Message> attempt(boolean force) {
            Attempt attempt = read(request, null);
            return force || attempt.bytes() >= request.minBytes() || attempt.hasError()
                    ? Optional.of(attempt.response()) : Optional.empty();
        }
    }

    CompletableFuture<Optional<Message>> handle(Fetch.Request request) {
        List<TopicPartition> moved = request.replicaId() >= 0 ? new ArrayList<>(1) : null;
        Attempt first = read(request, moved);
        if (moved != null) {
            for (TopicPartition tp : moved) {
                replicas.appended(tp);
            }
        }
        if (request.maxWaitMs() <= 0 || first.bytes() >= request.minBytes() || first.hasError()
                || request.topics().isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(first.response()));
        }
        return waiting.await(new WaitingFetch(request), request.maxWaitMs());
    }

    /** Answers every fetch still waiting, with what there is (on shutdown). */
    void completeAll() {
        waiting.completeAll();
    }

    private static List<TopicPartition> partitionsOf(Fetch.Request request) {
        List<TopicPartition> partitions = new ArrayList<>();
        forEachPartition(request, partitions::add);
        return partitions;
    }

    private static void forEachPartition(Fetch.Request request, java.util.function.Consumer<TopicPartition> action) {
        for (PerTopic<Fetch.PartitionRequest> topic : request.topics()) {
            for (Fetch.PartitionRequest p : topic.partitions()) {
                action.accept(new TopicPartition(topic.name(), p.partition()));
            }
        }
    }

    /**
     * Reads every partition of {@code request}. The partitions whose high watermark this follower
     * fetch moved go into {@code movedHighWatermark}, or, if it is null, are announced on the
     * request threads.
     */
    private Attempt read(Fetch.Request request, List<TopicPartition> movedHighWatermark) {
        long remaining = request.maxBytes() <= 0 ? Integer.MAX_VALUE : request.maxBytes();
        long total = 0;
        boolean hasError = false;
        List<PerTopic<Fetch.PartitionData>> topics = new ArrayList<>();
        for (PerTopic<Fetch.PartitionRequest> topic : request.topics()) {
            List<Fetch.PartitionData> results = new ArrayList<>();
            for (Fetch.PartitionRequest p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                Fetch.PartitionData data = readPartition(request.replicaId(), tp, p, (int) Math.min(remaining, Integer.MAX_VALUE),
                        total == 0, movedHighWatermark);
                results.add(data);
                if (data.errorCode() != ErrorCode.NONE.code()) {
                    hasError = true;
                }
                int size = data.records().sizeInBytes();
                total += size;
                remaining = Math.max(0, remaining - size);
            }
            topics.add(new PerTopic<>(topic.name(), results));
        }
        return new Attempt(new Fetch.Response(ErrorCode.NONE.code(), topics), total, hasError);
    }

    private Fetch.PartitionData readPartition(int replicaId, TopicPartition tp, Fetch.PartitionRequest p, int budget,
                                              boolean first, List<TopicPartition> movedHighWatermark) {
        Partition partition = null;
        try {
            partition = Partitions.leader(replicas, cache, tp);
            partition.checkLeaderEpoch(p.currentLeaderEpoch());
            if (replicaId >= 0 && partition.recordFollowerFetch(replicaId, p.fetchOffset(), System.currentTimeMillis())) {
                // The high watermark moved: wake consumers and acks=all produces once the read is done.
                if (movedHighWatermark != null) {
                    movedHighWatermark.add(tp);
                } else {
                    requestThreads.execute(() -> replicas.appended(tp));
                }
            }
            int limit = Math.min(p.partitionMaxBytes(), budget);
            Records records;
            if (limit <= 0 && !first) {
                records = Records.EMPTY;
            } else {
                // The log returns at least one whole batch. That lets a batch larger than the limit
                // through when nothing was read before it in this fetch, so the consumer makes
                // progress; later partitions stay within what is left.
                records = replicaId >= 0 ? partition.readForReplica(p.fetchOffset(), Math.max(limit, 1))
                        : partition.readForConsumer(p.fetchOffset(), Math.max(limit, 1));
                if (!first && records.sizeInBytes() > limit) {
                    records = Records.EMPTY;
                }
            }
            return new Fetch.PartitionData(tp.partition(), ErrorCode.NONE.code(), partition.highWatermark(),
                    partition.log().logStartOffset(), records);
        } catch (RuntimeException e) {
            var error = Errors.toRunnel(e, "fetch from " + tp);
            long hw = partition == null ? -1 : partition.highWatermark();
            long start = partition == null ? -1 : partition.log().logStartOffset();
            return new Fetch.PartitionData(tp.partition(), error.errorCode().code(), hw, start, Records.EMPTY);
        }
    }
}
