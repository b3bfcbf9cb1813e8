package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.MemoryRecords;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.network.CloseConnectionException;
import io.runnel.broker.internal.partition.Partition;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Produce: appends each partition's batches on its leader and answers per partition; with
 * {@code acks=0} nothing is answered. An error on one partition never affects another, and a
 * refused partition's log is unchanged.
 *
 * <p>With {@code acks=all} the answer waits, without holding a request thread, until the high
 * watermark of every written partition has passed its last offset (every ISR member has it), or
 * {@code timeoutMs} passes ({@code REQUEST_TIMED_OUT}). If the ISR is then smaller than
 * {@code min.insync.replicas} the answer is {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND}; if this broker
 * stopped leading meanwhile, {@code NOT_LEADER_OR_FOLLOWER}. Waiting produces are looked at again
 * whenever their partition is appended to or its high watermark or ISR changes, like waiting fetches.
 */
final class ProduceHandler {
    private final ReplicaManager replicas;
    private final MetadataCache cache;
    private final DelayedOperations waiting;

    ProduceHandler(ReplicaManager replicas, MetadataCache cache, ScheduledExecutorService timer, Executor requestThreads) {
        this.replicas = replicas;
        this.cache = cache;
        this.waiting = new DelayedOperations(timer, requestThreads);
        replicas.onAppend(waiting::changed);
    }

    /** A partition written with acks=all whose answer waits for the high watermark. */
    private record Pending(TopicPartition tp, Partition partition, Partition.AppendOutcome outcome) {
    }

    private final class WaitingProduce extends DelayedOperations.Operation {
        final List<PerTopic<Produce.PartitionResult>> results;
        final Map<TopicPartition, Pending> pending;

        WaitingProduce(List<PerTopic<Produce.PartitionResult>> results, Map<TopicPartition, Pending> pending) {
            super(pending.keySet());
            this.results = results;
            this.pending = pending;
        }

        @Override
        Optional<Message> attempt(boolean timedOut) {
            Map<TopicPartition, Produce.PartitionResult> finished = new LinkedHashMap<>();
            for (Pending p : pending.values()) {
                Optional<Produce.PartitionResult> result = check(p);
                if (result.isEmpty()) {
                    if (!timedOut) {
                        return Optional.empty();
                    }
                    result = Optional.of(failed(p.tp(), new RunnelException(ErrorCode.REQUEST_TIMED_OUT, p.tp()
                            + ": the in-sync replicas did not all get offset " + p.outcome().lastOffset() + " in time")));
                }
                finished.put(p.tp(), result.get());
            }
            List<PerTopic<Produce.PartitionResult>> answered = new ArrayList<>();
            for (PerTopic<Produce.PartitionResult> topic : results) {
                List<Produce.PartitionResult> list = new ArrayList<>();
                for (Produce.PartitionResult r : topic.partitions()) {
                    list.add(finished.getOrDefault(new TopicPartition(topic.name(), r.partition()), r));
                }
                answered.add(new PerTopic<>(topic.name(), list));
            }
            return Optional.of(new Produce.Response(answered));
        }
    }

    /** The final answer for a waiting partition, or empty while its high watermark is below the batch. */
    private static Optional<Produce.PartitionResult> check(Pending p) {
        Partition partition = p.partition();
        Partition.AppendOutcome outcome = p.outcome();
        if (!partition.isLeader() || partition.leaderEpoch() != outcome.leaderEpoch()) {
            return Optional.of(failed(p.tp(), new RunnelException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "this broker stopped "
                    + "leading " + p.tp() + " before the in-sync replicas had offset " + outcome.lastOffset())));
        }
        if (partition.highWatermark() <= outcome.lastOffset()) {
            return Optional.empty();
        }
        int isr = partition.isr().size();
        if (isr < partition.minInSyncReplicas()) {
            return Optional.of(failed(p.tp(), new RunnelException(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, p.tp()
                    + " was written, but the ISR " + partition.isr() + " is smaller than min.insync.replicas="
                    + partition.minInSyncReplicas())));
        }
        return Optional.of(new Produce.PartitionResult(p.tp().partition(), ErrorCode.NONE.code(), outcome.baseOffset(),
                outcome.logAppendTime(), outcome.logStartOffset(), null));
    }

    private static Produce.PartitionResult failed(TopicPartition tp, RunnelException error) {
        return new Produce.PartitionResult(tp.partition(), error.errorCode().code(), -1, -1, -1, error.getMessage());
    }

    CompletableFuture<Optional<Message>> handle(Produce.Request request) {
        short acks = request.acks();
        List<PerTopic<Produce.PartitionResult>> topics = new ArrayList<>();
        Map<TopicPartition, Pending> pending = new LinkedHashMap<>();
        for (PerTopic<Produce.PartitionData> topic : request.topics()) {
            List<Produce.PartitionResult> results = new ArrayList<>();
            for (Produce.PartitionData data : topic.partitions()) {
                results.add(append(new TopicPartition(topic.name(), data.partition()), data, acks, pending));
            }
            topics.add(new PerTopic<>(topic.name(), results));
        }
        if (acks == 0) {
            for (PerTopic<Produce.PartitionResult> topic : topics) {
                for (Produce.PartitionResult result : topic.partitions()) {
                    if (result.errorCode() != ErrorCode.NONE.code()) {
                        throw new CloseConnectionException("an acks=0 produce to " + topic.name() + "-"
                                + result.partition() + " failed: " + result.errorMessage());
                    }
                }
            }
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (pending.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(new Produce.Response(topics)));
        }
        // The high watermark may have passed already (a sole in-sync leader, or fast followers): await looks first.
        return waiting.await(new WaitingProduce(topics, pending), request.timeoutMs());
    }

    /** Answers every produce still waiting (on shutdown), as timed out. */
    void completeAll() {
        waiting.completeAll();
    }

    private Produce.PartitionResult append(TopicPartition tp, Produce.PartitionData data, short acks,
                                           Map<TopicPartition, Pending> pending) {
        try {
            if (acks != 0 && acks != 1 && acks != -1) {
                throw new RunnelException(ErrorCode.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1 (all), not " + acks);
            }
            Partition partition = Partitions.leader(replicas, cache, tp);
            if (!(data.records() instanceof MemoryRecords records)) {
                throw new RunnelException(ErrorCode.INVALID_REQUEST, "produce data for " + tp + " is not in memory");
            }
            Partition.AppendOutcome outcome = partition.appendAsLeader(records.buffer(), acks);
            replicas.appended(tp);
            if (acks == -1) {
                pending.put(tp, new Pending(tp, partition, outcome));
            }
            return new Produce.PartitionResult(tp.partition(), ErrorCode.NONE.code(), outcome.baseOffset(),
                    outcome.logAppendTime(), outcome.logStartOffset(), null);
        } catch (RuntimeException e) {
            RunnelException error = Errors.toRunnel(e, "produce to " + tp);
            return new Produce.PartitionResult(tp.partition(), error.errorCode().code(), -1, -1, -1, error.getMessage());
        }
    }
}
