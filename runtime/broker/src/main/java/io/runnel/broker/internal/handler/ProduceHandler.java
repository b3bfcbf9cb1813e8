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
import java.util.List;
import java.util.Optional;

/**
 * Produce: appends each partition's batches on its leader and answers per partition; with
 * {@code acks=0} nothing is answered. An error on one partition never affects another, and a
 * refused partition's log is unchanged.
 */
final class ProduceHandler {
    private final ReplicaManager replicas;
    private final MetadataCache cache;

    ProduceHandler(ReplicaManager replicas, MetadataCache cache) {
        this.replicas = replicas;
        this.cache = cache;
    }

    Optional<Message> handle(Produce.Request request) {
        short acks = request.acks();
        List<PerTopic<Produce.PartitionResult>> topics = new ArrayList<>();
        for (PerTopic<Produce.PartitionData> topic : request.topics()) {
            List<Produce.PartitionResult> results = new ArrayList<>();
            for (Produce.PartitionData data : topic.partitions()) {
                results.add(append(new TopicPartition(topic.name(), data.partition()), data, acks));
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
            return Optional.empty();
        }
        return Optional.of(new Produce.Response(topics));
    }

    private Produce.PartitionResult append(TopicPartition tp, Produce.PartitionData data, short acks) {
        try {
            if (acks != 0 && acks != 1 && acks != -1) {
                throw new RunnelException(ErrorCode.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1 (all), not " + acks);
            }
            Partition partition = leaderFor(tp);
            if (!(data.records() instanceof MemoryRecords records)) {
                throw new RunnelException(ErrorCode.INVALID_REQUEST, "produce data for " + tp + " is not in memory");
            }
            Partition.AppendOutcome outcome = partition.appendAsLeader(records.buffer(), acks);
            replicas.appended(tp);
            return new Produce.PartitionResult(tp.partition(), ErrorCode.NONE.code(), outcome.baseOffset(),
                    outcome.logAppendTime(), outcome.logStartOffset(), null);
        } catch (RuntimeException e) {
            RunnelException error = Errors.toRunnel(e, "produce to " + tp);
            return new Produce.PartitionResult(tp.partition(), error.errorCode().code(), -1, -1, -1, error.getMessage());
        }
    }

    private Partition leaderFor(TopicPartition tp) {
        return Partitions.leader(replicas, cache, tp);
    }
}
