package io.runnel.api.assignor;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.List;
import java.util.Map;

/**
 * Assigns a consumer group's partitions to its members. Runs on the group's coordinator broker.
 *
 * <p>Contract: every partition of every topic some member subscribes to goes to exactly one
 * member that subscribes to its topic; a member gets only partitions of topics it subscribes to;
 * the result has an entry (possibly empty) for every member. The same input must give the same
 * output, so that a new coordinator repeats an assignment it takes over.
 *
 * <p>Thread safety: {@link #assign} may be called concurrently for different groups; an assignor
 * must keep no per-group state between calls (what it needs travels in
 * {@link MemberSubscription#ownedPartitions()} and {@link MemberSubscription#userData()}).
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface PartitionAssignor extends AutoCloseable {

    /** How members move to a new assignment. */
    enum RebalanceProtocol {
        /** Every member gives up all partitions before the new assignment is handed out. */
        EAGER,
        /**
         * Members keep the partitions that stay with them and consume them during the rebalance;
         * a partition moves only after its old owner has given it up.
         */
        COOPERATIVE
    }

    /**
     * Computes the assignment.
     *
     * @param partitionsPerTopic the partition count of each subscribed topic that exists
     * @param subscriptions each member's subscription, keyed by member id
     * @return the partitions of each member, keyed by member id
     */
    Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                             Map<String, MemberSubscription> subscriptions);

    /** The protocols this assignor supports, preferred first. */
    default List<RebalanceProtocol> supportedProtocols() {
        return List.of(RebalanceProtocol.EAGER);
    }

    @Override
    default void close() {
    }
}
