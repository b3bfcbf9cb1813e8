package com.example.runnel.assignor.wholetopic;

import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code whole-topic}: every partition of a topic goes to the same member. Useful when a consumer
 * keeps per-topic state (a table materialised from a compacted topic, say) or when a group reads
 * many small topics and per-topic ordering across partitions is easier to reason about on one
 * member.
 *
 * <p>The rule, deterministic so that a new coordinator repeats it:
 * <ol>
 *   <li>topics that exist and that some member subscribes to are taken largest first (most
 *       partitions), ties by name;</li>
 *   <li>each goes, with all its partitions, to the member subscribing to it that holds the fewest
 *       partitions so far, ties by member id.</li>
 * </ol>
 * Balance is therefore per topic, not per partition: a group reading one topic keeps all but one
 * member idle, and a topic of many partitions may outweigh several small ones. Choose
 * {@code range}, {@code round-robin} or {@code sticky} when partitions should spread evenly.
 *
 * <p>Stateless and thread safe.
 */
final class WholeTopicAssignor implements PartitionAssignor {

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                                    Map<String, MemberSubscription> subscriptions) {
        Map<String, List<TopicPartition>> assignment = new TreeMap<>();
        for (String member : subscriptions.keySet()) {
            assignment.put(member, new ArrayList<>());
        }
        List<String> topics = partitionsPerTopic.keySet().stream()
                .filter(topic -> subscriptions.values().stream().anyMatch(s -> s.topics().contains(topic)))
                .sorted(Comparator.comparing((String topic) -> partitionsPerTopic.get(topic)).reversed()
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        for (String topic : topics) {
            String owner = null;
            for (Map.Entry<String, List<TopicPartition>> member : assignment.entrySet()) { // sorted by id
                if (subscriptions.get(member.getKey()).topics().contains(topic)
                        && (owner == null || member.getValue().size() < assignment.get(owner).size())) {
                    owner = member.getKey();
                }
            }
            List<TopicPartition> owned = assignment.get(owner);
            for (int partition = 0; partition < partitionsPerTopic.get(topic); partition++) {
                owned.add(new TopicPartition(topic, partition));
            }
        }
        Map<String, List<TopicPartition>> result = new TreeMap<>();
        assignment.forEach((member, partitions) -> result.put(member, List.copyOf(partitions)));
        return Map.copyOf(result);
    }
}
