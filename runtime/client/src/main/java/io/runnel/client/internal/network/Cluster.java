package io.runnel.client.internal.network;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import io.runnel.protocol.message.Metadata;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One immutable snapshot of the cluster's metadata: brokers, controller, and for each topic asked
 * about either its error or its partitions.
 *
 * @param topicErrors topics the broker reported an error for (e.g. {@code UNKNOWN_TOPIC_OR_PARTITION})
 * @param topics partitions of each topic, sorted by partition number
 */
public record Cluster(Map<Integer, Node> nodes, int controllerId, Map<String, ErrorCode> topicErrors,
                      Map<String, List<PartitionInfo>> topics, long updatedAtMs) {

    public static final Cluster EMPTY = new Cluster(Map.of(), -1, Map.of(), Map.of(), 0L);

    /** A snapshot from a Metadata response; topics not in the response are kept from {@code previous}. */
    public static Cluster from(Metadata.Response response, Cluster previous, long nowMs) {
        Map<Integer, Node> nodes = new HashMap<>();
        for (Metadata.Broker b : response.brokers()) {
            nodes.put(b.nodeId(), new Node(b.nodeId(), b.host(), b.port()));
        }
        Map<String, ErrorCode> errors = new HashMap<>(previous.topicErrors);
        Map<String, List<PartitionInfo>> topics = new HashMap<>(previous.topics);
        for (Metadata.Topic t : response.topics()) {
            ErrorCode error = ErrorCode.forCode(t.errorCode());
            if (error != ErrorCode.NONE) {
                errors.put(t.name(), error);
                topics.remove(t.name());
                continue;
            }
            errors.remove(t.name());
            List<PartitionInfo> partitions = new ArrayList<>();
            for (Metadata.Partition p : t.partitions()) {
                partitions.add(new PartitionInfo(t.name(), p.partition(), nodes.get(p.leader()),
                        p.replicas().stream().map(id -> node(nodes, id)).toList(),
                        p.isr().stream().map(id -> node(nodes, id)).toList()));
            }
            partitions.sort(Comparator.comparingInt(PartitionInfo::partition));
            topics.put(t.name(), List.copyOf(partitions));
        }
        return new Cluster(Map.copyOf(nodes), response.controllerId(), Map.copyOf(errors), Map.copyOf(topics), nowMs);
    }

    private static Node node(Map<Integer, Node> nodes, int id) {
        Node node = nodes.get(id);
        return node != null ? node : new Node(id, "", -1); // a replica on a broker that is down
    }

    /** The partitions of {@code topic}, or null if unknown. */
    public List<PartitionInfo> partitions(String topic) {
        return topics.get(topic);
    }

    /** The leader of a partition, or null if unknown or leaderless. */
    public Node leader(TopicPartition tp) {
        List<PartitionInfo> partitions = topics.get(tp.topic());
        if (partitions == null || tp.partition() >= partitions.size()) {
            return null;
        }
        PartitionInfo p = partitions.get(tp.partition());
        return p.partition() == tp.partition() ? p.leader() : null;
    }
}
