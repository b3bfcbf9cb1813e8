package io.runnel.plugin.assignor;

import io.runnel.api.PluginContext;
import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;
import io.runnel.api.assignor.PartitionAssignorProvider;

import java.util.List;
import java.util.Map;

/**
 * {@code range}, the default: topic by topic, the members subscribing to it (sorted by id) get
 * contiguous ranges of its partitions; with P partitions and n members each gets P / n, and the
 * first P mod n one more. Members of several co-partitioned topics get the same partition numbers
 * of each, which joins rely on.
 */
public final class RangeAssignorProvider implements PartitionAssignorProvider {

    @Override
    public String name() {
        return "range";
    }

    @Override
    public String description() {
        return "contiguous ranges of each topic's partitions";
    }

    @Override
    public PartitionAssignor create(PluginContext context, Map<String, String> config) {
        return RangeAssignorProvider::assign;
    }

    static Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                                    Map<String, MemberSubscription> subscriptions) {
        Map<String, List<TopicPartition>> assignment = Assignments.empty(subscriptions);
        new java.util.TreeMap<>(partitionsPerTopic).forEach((topic, count) -> {
            List<String> members = subscriptions.values().stream().filter(s -> s.topics().contains(topic))
                    .map(MemberSubscription::memberId).sorted().toList();
            if (members.isEmpty()) {
                return;
            }
            int each = count / members.size();
            int extra = count % members.size();
            int next = 0;
            for (int m = 0; m < members.size(); m++) {
                int take = each + (m < extra ? 1 : 0);
                for (int p = next; p < next + take; p++) {
                    assignment.get(members.get(m)).add(new TopicPartition(topic, p));
                }
                next += take;
            }
        });
        return Assignments.freeze(assignment);
    }
}
