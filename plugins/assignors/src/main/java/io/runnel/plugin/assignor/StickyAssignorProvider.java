package io.runnel.plugin.assignor;

import io.runnel.api.PluginContext;
import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;
import io.runnel.api.assignor.PartitionAssignorProvider;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code sticky}: as balanced as {@code round-robin}, but a partition stays with the member that
 * owns it whenever balance allows, so a rebalance moves as few partitions as it can. Supports
 * cooperative rebalancing: members keep consuming what they keep.
 *
 * <p>Algorithm, deterministic for the same input: (1) every member keeps the partitions it owns
 * that still exist and that it still subscribes to, each partition kept by one owner only (the
 * first member id claiming it); (2) every other partition goes to the eligible member holding the
 * fewest, ties to the lower member id; (3) while some member holds at least two more than another
 * eligible member, one partition moves from the fuller to the emptier, so no more move than
 * balance needs.
 */
public final class StickyAssignorProvider implements PartitionAssignorProvider {

    @Override
    public String name() {
        return "sticky";
    }

    @Override
    public String description() {
        return "balanced, moving as few partitions as possible";
    }

    @Override
    public PartitionAssignor create(PluginContext context, Map<String, String> config) {
        return new PartitionAssignor() {
            @Override
            public Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                                            Map<String, MemberSubscription> subscriptions) {
                return StickyAssignorProvider.assign(partitionsPerTopic, subscriptions);
            }

            @Override
            public List<RebalanceProtocol> supportedProtocols() {
                return List.of(RebalanceProtocol.COOPERATIVE, RebalanceProtocol.EAGER);
            }
        };
    }

    static Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                                    Map<String, MemberSubscription> subscriptions) {
        Map<String, List<TopicPartition>> assignment = Assignments.empty(subscriptions);
        List<TopicPartition> all = Assignments.subscribedPartitions(partitionsPerTopic, subscriptions);
        Set<TopicPartition> valid = new HashSet<>(all);
        Set<TopicPartition> taken = new HashSet<>();
        for (Map.Entry<String, List<TopicPartition>> member : assignment.entrySet()) {
            MemberSubscription subscription = subscriptions.get(member.getKey());
            subscription.ownedPartitions().stream().sorted().forEach(owned -> {
                if (valid.contains(owned) && subscription.topics().contains(owned.topic()) && taken.add(owned)) {
                    member.getValue().add(owned);
                }
            });
        }
        for (TopicPartition partition : all) {
            if (taken.contains(partition)) {
                continue;
            }
            String target = null;
            for (Map.Entry<String, List<TopicPartition>> member : assignment.entrySet()) {
                if (subscriptions.get(member.getKey()).topics().contains(partition.topic())
                        && (target == null || member.getValue().size() < assignment.get(target).size())) {
                    target = member.getKey();
                }
            }
            if (target != null) {
                assignment.get(target).add(partition);
                taken.add(partition);
            }
        }
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Map.Entry<String, List<TopicPartition>> fuller : assignment.entrySet()) {
                for (Map.Entry<String, List<TopicPartition>> emptier : assignment.entrySet()) {
                    if (fuller.getValue().size() - emptier.getValue().size() < 2) {
                        continue;
                    }
                    MemberSubscription receiver = subscriptions.get(emptier.getKey());
                    TopicPartition movable = fuller.getValue().stream().sorted()
                            .filter(tp -> receiver.topics().contains(tp.topic()))
                            .reduce((first, second) -> second).orElse(null);
                    if (movable != null) {
                        fuller.getValue().remove(movable);
                        emptier.getValue().add(movable);
                        moved = true;
                    }
                }
            }
        }
        return Assignments.freeze(assignment);
    }
}
