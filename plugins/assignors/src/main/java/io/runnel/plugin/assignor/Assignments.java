package io.runnel.plugin.assignor;

import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Shared pieces of the assignors. */
final class Assignments {
    private Assignments() {
    }

    /** An empty, mutable assignment with an entry for every member, in member-id order. */
    static Map<String, List<TopicPartition>> empty(Map<String, MemberSubscription> subscriptions) {
        Map<String, List<TopicPartition>> assignment = new TreeMap<>();
        subscriptions.keySet().forEach(member -> assignment.put(member, new ArrayList<>()));
        return assignment;
    }

    /** Every partition of every subscribed topic that exists, sorted by topic then partition. */
    static List<TopicPartition> subscribedPartitions(Map<String, Integer> partitionsPerTopic,
                                                     Map<String, MemberSubscription> subscriptions) {
        TreeMap<String, Integer> topics = new TreeMap<>();
        for (MemberSubscription subscription : subscriptions.values()) {
            for (String topic : subscription.topics()) {
                Integer count = partitionsPerTopic.get(topic);
                if (count != null) {
                    topics.put(topic, count);
                }
            }
        }
        List<TopicPartition> partitions = new ArrayList<>();
        topics.forEach((topic, count) -> {
            for (int p = 0; p < count; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
        });
        return partitions;
    }

    /** The assignment with immutable, sorted lists. */
    static Map<String, List<TopicPartition>> freeze(Map<String, List<TopicPartition>> assignment) {
        Map<String, List<TopicPartition>> frozen = new TreeMap<>();
        assignment.forEach((member, partitions) -> frozen.put(member, partitions.stream().sorted().toList()));
        return java.util.Collections.unmodifiableMap(frozen);
    }
}
