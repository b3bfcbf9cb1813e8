package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.storage.EpochEndOffset;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.partition.Partition;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.message.OffsetForLeaderEpoch;
import io.runnel.protocol.message.PerTopic;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OffsetForLeaderEpoch: on the leader, where an epoch ends in its log (the start of the next
 * epoch it knows, or its log end for the current one), so a new follower truncates to the
 * leader's history. The requester's current leader epoch is checked like a fetch's.
 */
final class OffsetForLeaderEpochHandler {
    private final ReplicaManager replicas;
    private final MetadataCache cache;

    OffsetForLeaderEpochHandler(ReplicaManager replicas, MetadataCache cache) {
        this.replicas = replicas;
        this.cache = cache;
    }

    OffsetForLeaderEpoch.Response handle(OffsetForLeaderEpoch.Request request) {
        List<PerTopic<OffsetForLeaderEpoch.PartitionResult>> topics = new ArrayList<>();
        for (PerTopic<OffsetForLeaderEpoch.PartitionRequest> topic : request.topics()) {
            List<OffsetForLeaderEpoch.PartitionResult> results = new ArrayList<>();
            for (OffsetForLeaderEpoch.PartitionRequest p : topic.partitions()) {
                results.add(answer(new TopicPartition(topic.name(), p.partition()), p));
            }
            topics.add(new PerTopic<>(topic.name(), results));
        }
        return new OffsetForLeaderEpoch.Response(topics);
    }

    private OffsetForLeaderEpoch.PartitionResult answer(TopicPartition tp, OffsetForLeaderEpoch.PartitionRequest p) {
        try {
            Partition partition = Partitions.leader(replicas, cache, tp);
            partition.checkLeaderEpoch(p.currentLeaderEpoch());
            Optional<EpochEndOffset> end = partition.log().endOffsetForEpoch(p.leaderEpoch());
            return end.map(e -> new OffsetForLeaderEpoch.PartitionResult(tp.partition(), ErrorCode.NONE.code(), e.epoch(),
                            e.endOffset()))
                    .orElse(new OffsetForLeaderEpoch.PartitionResult(tp.partition(), ErrorCode.NONE.code(),
                            OffsetForLeaderEpoch.UNDEFINED_EPOCH, OffsetForLeaderEpoch.UNDEFINED_OFFSET));
        } catch (RuntimeException e) {
            RunnelException error = Errors.toRunnel(e, "OffsetForLeaderEpoch of " + tp);
            return new OffsetForLeaderEpoch.PartitionResult(tp.partition(), error.errorCode().code(),
                    OffsetForLeaderEpoch.UNDEFINED_EPOCH, OffsetForLeaderEpoch.UNDEFINED_OFFSET);
        }
    }
}
