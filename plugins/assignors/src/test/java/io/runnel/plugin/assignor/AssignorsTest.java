package io.runnel.plugin.assignor;

import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AssignorsTest {
    private static PartitionAssignor assignor(String name) {
        return switch (name) {
            case "range" -> new RangeAssignorProvider().create(OptionalInt::empty, Map.of());
            case "round-robin" -> new RoundRobinAssignorProvider().create(OptionalInt::empty, Map.of());
            case "sticky" -> new StickyAssignorProvider().create(OptionalInt::empty, Map.of());
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Map<String, MemberSubscription> members(String topic, String... ids) {
        Map<String, MemberSubscription> members = new LinkedHashMap<>();
        for (String id : ids) {
            members.put(id, MemberSubscription.of(id, List.of(topic)));
        }
        return members;
    }

    private static TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }

    /** The contract: each partition of a subscribed topic exactly once, to a subscriber; an entry per member. */
    @ParameterizedTest
    @ValueSource(strings = {"range", "round-robin", "sticky"})
    void honoursTheContractOnRandomGroups(String name) {
        PartitionAssignor assignor = assignor(name);
        Random random = new Random(name.hashCode());
        List<String> topics = List.of("a", "b", "c", "d");
        for (int round = 0; round < 300; round++) {
            Map<String, Integer> partitions = new HashMap<>();
            topics.forEach(t -> {
                if (random.nextInt(5) > 0) {
                    partitions.put(t, 1 + random.nextInt(12));
                }
            });
            Map<String, MemberSubscription> members = new HashMap<>();
            int count = 1 + random.nextInt(6);
            for (int m = 0; m < count; m++) {
                List<String> subscribed = new ArrayList<>();
                topics.forEach(t -> {
                    if (random.nextBoolean()) {
                        subscribed.add(t);
                    }
                });
                List<TopicPartition> owned = new ArrayList<>();
                for (int o = random.nextInt(4); o > 0; o--) {
                    owned.add(tp(topics.get(random.nextInt(4)), random.nextInt(14)));
                }
                String id = "member-" + m;
                members.put(id, new MemberSubscription(id, Optional.empty(), subscribed, owned, null));
            }
            Map<String, List<TopicPartition>> result = assignor.assign(partitions, members);
            assertEquals(members.keySet(), result.keySet());
            Set<TopicPartition> seen = new HashSet<>();
            result.forEach((member, assigned) -> assigned.forEach(p -> {
                assertTrue(seen.add(p), p + " assigned twice: " + result);
                assertTrue(members.get(member).topics().contains(p.topic()), member + " does not subscribe to " + p);
            }));
            Set<TopicPartition> expected = new HashSet<>(Assignments.subscribedPartitions(partitions, members));
            assertEquals(expected, seen, "every subscribed partition is assigned");
            assertEquals(result, assignor.assign(partitions, members), "deterministic");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"range", "round-robin", "sticky"})
    void threeMembersOnSixPartitionsGetTwoEach(String name) {
        Map<String, List<TopicPartition>> result = assignor(name).assign(Map.of("t", 6), members("t", "c", "a", "b"));
        result.values().forEach(assigned -> assertEquals(2, assigned.size(), result.toString()));
    }

    @Test
    void rangeGivesContiguousRangesFirstMembersTakingTheRemainder() {
        Map<String, List<TopicPartition>> result = assignor("range").assign(Map.of("t", 7), members("t", "m2", "m1", "m3"));
        assertEquals(List.of(tp("t", 0), tp("t", 1), tp("t", 2)), result.get("m1"));
        assertEquals(List.of(tp("t", 3), tp("t", 4)), result.get("m2"));
        assertEquals(List.of(tp("t", 5), tp("t", 6)), result.get("m3"));
    }

    @Test
    void roundRobinDealsInTurnAndSkipsNonSubscribers() {
        Map<String, MemberSubscription> members = Map.of(
                "a", MemberSubscription.of("a", List.of("x")),
                "b", MemberSubscription.of("b", List.of("x", "y")));
        Map<String, List<TopicPartition>> result = assignor("round-robin").assign(Map.of("x", 3, "y", 2), members);
        assertEquals(List.of(tp("x", 0), tp("x", 2)), result.get("a"));
        assertEquals(List.of(tp("x", 1), tp("y", 0), tp("y", 1)), result.get("b"));
    }

    private static Map<String, MemberSubscription> owning(Map<String, List<TopicPartition>> previous, String... members) {
        Map<String, MemberSubscription> next = new LinkedHashMap<>();
        for (String id : members) {
            next.put(id, new MemberSubscription(id, Optional.empty(), List.of("t"),
                    previous.getOrDefault(id, List.of()), null));
        }
        return next;
    }

    private static int moved(Map<String, List<TopicPartition>> before, Map<String, List<TopicPartition>> after) {
        int moved = 0;
        for (Map.Entry<String, List<TopicPartition>> member : after.entrySet()) {
            for (TopicPartition p : member.getValue()) {
                if (!before.getOrDefault(member.getKey(), List.of()).contains(p)) {
                    moved++;
                }
            }
        }
        return moved;
    }

    @Test
    void stickyMovesOnlyWhatBalanceNeedsWhenMembersComeAndGo() {
        PartitionAssignor sticky = assignor("sticky");
        Map<String, List<TopicPartition>> first = sticky.assign(Map.of("t", 12), owning(Map.of(), "a", "b", "c"));
        first.values().forEach(p -> assertEquals(4, p.size()));
        assertEquals(first, sticky.assign(Map.of("t", 12), owning(first, "a", "b", "c")), "nothing moves when nothing changed");

        Map<String, List<TopicPartition>> joined = sticky.assign(Map.of("t", 12), owning(first, "a", "b", "c", "d"));
        joined.values().forEach(p -> assertEquals(3, p.size(), joined.toString()));
        assertEquals(3, moved(first, joined), "the newcomer takes one from each, nothing else moves");

        Map<String, List<TopicPartition>> left = sticky.assign(Map.of("t", 12), owning(joined, "a", "c", "d"));
        left.values().forEach(p -> assertEquals(4, p.size(), left.toString()));
        for (String stayer : List.of("a", "c", "d")) {
            assertTrue(left.get(stayer).containsAll(joined.get(stayer)), stayer + " keeps what it had");
        }
    }
}
