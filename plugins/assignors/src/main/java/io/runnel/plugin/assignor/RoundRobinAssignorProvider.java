package io.runnel.plugin.assignor;

import io.runnel.api.PluginContext;
import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;
import io.runnel.api.assignor.PartitionAssignorProvider;

import java.util.List;
import java.util.Map;

/**
 * {@code round-robin}: all subscribed partitions, sorted by topic and partition, dealt in turn to
 * the members sorted by id, skipping a member that does not subscribe to the partition's topic.
 */
public final class RoundRobinAssignorProvider implements PartitionAssignorProvider {

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public String description() {
        return "partitions dealt to members in turn";
    }

    @Override
    public PartitionAssignor create(PluginContext context, Map<String, String> config) {
        return RoundRobinAssignorProvider::assign;
    }

    static Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                                    Map<String, MemberSubscription> subscriptions) {
        Map<String, List<TopicPartition>> assignment = Assignments.empty(subscriptions);
        List<String> members = List.copyOf(assignment.keySet());
        if (members.isEmpty()) {
            return Assignments.freeze(assignment);
        }
        int next = 0;
        for (TopicPartition partition : Assignments.subscribedPartitions(partitionsPerTopic, subscriptions)) {
            for (int tried = 0; tried < members.size(); tried++) {
                String member = members.get((next + tried) % members.size());
                if (subscriptions.get(member).topics().contains(partition.topic())) {
                    assignment.get(member).add(partition);
                    next = (next + tried + 1) % members.size();
                    break;
                }
            }
        }
        return Assignments.freeze(assignment);
    }
}
