package io.runnel.plugin.election;

import io.runnel.api.TopicPartition;
import io.runnel.api.election.Election;
import io.runnel.api.election.ElectionRequest;
import io.runnel.api.election.ElectionRequest.Reason;
import io.runnel.api.election.LeaderElectionPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FewestLeadersElectionTest {
    private final LeaderElectionPolicy policy = new FewestLeadersElectionProvider().create(OptionalInt::empty, Map.of());
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private Optional<Election> elect(Reason reason, List<Integer> replicas, Set<Integer> isr, Set<Integer> live,
                                     Map<Integer, Integer> loads, boolean unclean) {
        return policy.elect(new ElectionRequest(TP, reason, replicas, isr, live, loads, OptionalInt.empty(), unclean));
    }

    @Test
    void picksTheLiveInSyncReplicaLeadingTheFewest() {
        assertEquals(Optional.of(Election.clean(3)), elect(Reason.LEADER_LOST, List.of(1, 2, 3), Set.of(1, 2, 3),
                Set.of(2, 3), Map.of(2, 5, 3, 1), false), "1 is dead; 3 leads fewer than 2");
        assertEquals(Optional.of(Election.clean(2)), elect(Reason.NEW_PARTITION, List.of(2, 3, 1), Set.of(1, 2, 3),
                Set.of(1, 2, 3), Map.of(1, 4, 2, 4, 3, 4), false), "ties go to the preferred replica");
        assertEquals(Optional.of(Election.clean(1)), elect(Reason.LEADER_LOST, List.of(2, 3, 1), Set.of(1, 2),
                Set.of(1, 2, 3), Map.of(2, 3), false), "3 is alive but out of sync; 1 leads none");
    }

    @Test
    void withoutALiveInSyncReplicaItWaitsUnlessUncleanIsAllowed() {
        assertEquals(Optional.empty(), elect(Reason.LEADER_LOST, List.of(1, 2, 3), Set.of(1), Set.of(2, 3), Map.of(), false));
        assertEquals(Optional.of(Election.unclean(2)),
                elect(Reason.LEADER_LOST, List.of(1, 2, 3), Set.of(1), Set.of(3, 2), Map.of(2, 9), true),
                "the first live replica in assignment order, marked unclean");
        assertEquals(Optional.empty(), elect(Reason.LEADER_LOST, List.of(1, 2), Set.of(1), Set.of(), Map.of(), true));
    }

    @Test
    void preferredElectionPicksTheFirstReplicaOrNobody() {
        assertEquals(Optional.of(Election.clean(1)),
                elect(Reason.PREFERRED, List.of(1, 2), Set.of(1, 2), Set.of(1, 2), Map.of(1, 100), false));
        assertEquals(Optional.empty(), elect(Reason.PREFERRED, List.of(1, 2), Set.of(2), Set.of(1, 2), Map.of(), false));
    }
}
