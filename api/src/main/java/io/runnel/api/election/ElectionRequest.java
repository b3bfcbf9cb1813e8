package io.runnel.api.election;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Everything a policy may weigh.
 *
 * @param partition the partition that needs a leader
 * @param reason why the election runs
 * @param replicas the assigned replicas, preferred leader first
 * @param isr the in-sync replicas as last recorded
 * @param liveBrokers the brokers registered as alive now
 * @param leaderCounts how many partitions each live broker leads now (brokers leading none may be absent)
 * @param currentLeader the current leader, if it is still alive
 * @param uncleanAllowed whether {@code unclean.leader.election.enable} is on for the topic
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ElectionRequest(TopicPartition partition, Reason reason, List<Integer> replicas, Set<Integer> isr,
                              Set<Integer> liveBrokers, Map<Integer, Integer> leaderCounts,
                              OptionalInt currentLeader, boolean uncleanAllowed) {

    /** Why an election runs. */
    public enum Reason {
        /** A new partition needs its first leader. */
        NEW_PARTITION,
        /** The leader died or shut down. */
        LEADER_LOST,
        /** An operator or the rebalancer asked for the preferred (first) replica to lead. */
        PREFERRED
    }

    public ElectionRequest {
        requireNonNull(partition, "partition is null");
        requireNonNull(reason, "reason is null");
        replicas = List.copyOf(replicas);
        isr = Set.copyOf(isr);
        liveBrokers = Set.copyOf(liveBrokers);
        leaderCounts = Map.copyOf(leaderCounts);
        requireNonNull(currentLeader, "currentLeader is null");
    }
}
