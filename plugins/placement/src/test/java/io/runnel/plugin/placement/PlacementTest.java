package io.runnel.plugin.placement;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.placement.BrokerInfo;
import io.runnel.api.placement.PlacementRequest;
import io.runnel.api.placement.ReplicaPlacementPolicy;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacementTest {
    private final ReplicaPlacementPolicy roundRobin = new RoundRobinPlacementProvider().create(OptionalInt::empty, Map.of());
    private final ReplicaPlacementPolicy rackAware = new RackAwarePlacementProvider().create(OptionalInt::empty, Map.of());

    private static List<BrokerInfo> brokers(int... ids) {
        return java.util.Arrays.stream(ids).mapToObj(id -> new BrokerInfo(id, Optional.empty())).toList();
    }

    @Test
    void roundRobinPutsPartitionIOnBrokerIModNAndReplicaJOnIPlusJ() {
        List<List<Integer>> placement = roundRobin.place(new PlacementRequest("t", 0, 6, 3, brokers(30, 10, 20), Map.of()));
        assertEquals(List.of(List.of(10, 20, 30), List.of(20, 30, 10), List.of(30, 10, 20),
                List.of(10, 20, 30), List.of(20, 30, 10), List.of(30, 10, 20)), placement);
        assertEquals(List.of(List.of(20, 30), List.of(30, 10)),
                roundRobin.place(new PlacementRequest("t", 4, 2, 2, brokers(10, 20, 30), Map.of())),
                "added partitions continue the pattern");
    }

    @Test
    void moreReplicasThanLiveBrokersIsRefusedWithBothNumbers() {
        RunnelException e = assertThrows(RunnelException.class,
                () -> roundRobin.place(new PlacementRequest("t", 0, 1, 3, brokers(1, 2), Map.of())));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, e.errorCode());
        assertEquals("replication factor 3 for topic t is larger than the 2 live brokers", e.getMessage());
        assertEquals(ErrorCode.INVALID_PARTITIONS, assertThrows(RunnelException.class,
                () -> roundRobin.place(new PlacementRequest("t", 0, 0, 1, brokers(1), Map.of()))).errorCode());
    }

    @Test
    void rackAwareSpreadsEachPartitionOverRacksAndLeadersOverBrokers() {
        List<BrokerInfo> brokers = List.of(rack(1, "a"), rack(2, "a"), rack(3, "b"), rack(4, "b"), rack(5, "c"), rack(6, "c"));
        Map<Integer, String> rackOf = new HashMap<>();
        brokers.forEach(b -> rackOf.put(b.id(), b.rack().orElseThrow()));
        for (int rf = 1; rf <= 6; rf++) {
            List<List<Integer>> placement = rackAware.place(new PlacementRequest("t", 0, 12, rf, brokers, Map.of()));
            Map<Integer, Integer> leaders = new HashMap<>();
            for (List<Integer> replicas : placement) {
                assertEquals(rf, new HashSet<>(replicas).size(), "distinct replicas " + replicas);
                Set<String> racks = new HashSet<>();
                replicas.forEach(r -> racks.add(rackOf.get(r)));
                assertEquals(Math.min(rf, 3), racks.size(), "racks of " + replicas);
                leaders.merge(replicas.get(0), 1, Integer::sum);
            }
            assertEquals(Set.of(2), new HashSet<>(leaders.values()), "each broker leads 2 of 12: " + leaders);
        }
    }

    @Test
    void rackAwareNeedsARackOnEveryBroker() {
        RunnelException e = assertThrows(RunnelException.class, () -> rackAware.place(new PlacementRequest("t", 0, 1, 1,
                List.of(rack(1, "a"), new BrokerInfo(2, Optional.empty())), Map.of())));
        assertTrue(e.getMessage().contains("brokers [2] have none"), e.getMessage());
    }

    private static BrokerInfo rack(int id, String rack) {
        return new BrokerInfo(id, Optional.of(rack));
    }
}
