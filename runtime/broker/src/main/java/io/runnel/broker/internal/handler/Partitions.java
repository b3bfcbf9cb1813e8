package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.partition.Partition;
import io.runnel.broker.internal.partition.ReplicaManager;

/** Finds the local leader of a partition, or the error that tells the client where to look. */
final class Partitions {
    private Partitions() {
    }

    static Partition leader(ReplicaManager replicas, MetadataCache cache, TopicPartition tp) {
        var topic = cache.topic(tp.topic());
        if (topic.isEmpty() || tp.partition() < 0 || tp.partition() >= topic.get().assignment().partitionCount()) {
            throw new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "this server does not host " + tp);
        }
        Partition partition = replicas.partition(tp).orElse(null);
        if (partition != null && !partition.topicId().equals(topic.get().assignment().topicId())) {
            // The log of a deleted topic of the same name, not replaced yet.
            throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, tp + " is being created");
        }
        if (partition == null || !partition.isLeader()) {
            if (topic.get().state(tp.partition()).isEmpty()) {
                throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, tp + " has no leader yet");
            }
            throw new RunnelException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + replicas.brokerId()
                    + " is not the leader of " + tp);
        }
        return partition;
    }
}
