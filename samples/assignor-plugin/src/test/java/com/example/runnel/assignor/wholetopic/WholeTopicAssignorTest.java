package com.example.runnel.assignor.wholetopic;

import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WholeTopicAssignorTest {
    private final PartitionAssignor assignor = new WholeTopicAssignorProvider().create(OptionalInt::empty, Map.of());

    @Test
    void eachTopicGoesWhollyToOneMemberLargestFirstToTheLeastLoaded() {
        Map<String, List<TopicPartition>> result = assignor.assign(Map.of("big", 4, "a", 2, "b", 2, "absent", 3),
                Map.of("m1", MemberSubscription.of("m1", List.of("big", "a", "b")),
                        "m2", MemberSubscription.of("m2", List.of("big", "a", "b", "unknown"))));
        assertEquals(Map.of("m1", partitions("big", 4), "m2", concat(partitions("a", 2), partitions("b", 2))), result);
    }

    @Test
    void memberOfNoSubscribedTopicGetsAnEmptyList() {
        Map<String, List<TopicPartition>> result = assignor.assign(Map.of("t", 3),
                Map.of("m1", MemberSubscription.of("m1", List.of("t")), "m2", MemberSubscription.of("m2", List.of("t")),
                        "m3", MemberSubscription.of("m3", List.of("other"))));
        assertEquals(Map.of("m1", partitions("t", 3), "m2", List.of(), "m3", List.of()), result);
    }

    /** The SPI's contract on random inputs: complete, exclusive, subscribed only, an entry per member, repeatable. */
    @Test
    void keepsTheAssignorContract() {
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            Map<String, Integer> partitionsPerTopic = new HashMap<>();
            int topicCount = 1 + random.nextInt(6);
            for (int t = 0; t < topicCount; t++) {
                partitionsPerTopic.put("t" + t, 1 + random.nextInt(8));
            }
            Map<String, MemberSubscription> subscriptions = new LinkedHashMap<>();
            int memberCount = 1 + random.nextInt(6);
            for (int m = 0; m < memberCount; m++) {
                List<String> topics = partitionsPerTopic.keySet().stream().filter(t -> random.nextInt(3) > 0).toList();
                subscriptions.put("member-" + random.nextInt(1000) + "-" + m, MemberSubscription.of("member-" + m, topics));
            }
            Map<String, List<TopicPartition>> result = assignor.assign(partitionsPerTopic, subscriptions);
            String input = partitionsPerTopic + " " + subscriptions;

            assertEquals(subscriptions.keySet(), result.keySet(), "an entry for every member: " + input);
            Map<TopicPartition, Long> owners = result.values().stream().flatMap(List::stream)
                    .collect(Collectors.groupingBy(p -> p, Collectors.counting()));
            assertTrue(owners.values().stream().allMatch(n -> n == 1), "a partition assigned twice: " + result);
            Set<TopicPartition> expected = partitionsPerTopic.entrySet().stream()
                    .filter(e -> subscriptions.values().stream().anyMatch(s -> s.topics().contains(e.getKey())))
                    .flatMap(e -> partitions(e.getKey(), e.getValue()).stream()).collect(Collectors.toSet());
            assertEquals(expected, owners.keySet(), "every subscribed partition, nothing else: " + input);
            result.forEach((member, owned) -> {
                assertTrue(owned.stream().allMatch(p -> subscriptions.get(member).topics().contains(p.topic())),
                        member + " got a topic it does not subscribe to: " + result);
                assertTrue(owned.stream().map(TopicPartition::topic).distinct().allMatch(topic ->
                        owned.stream().filter(p -> p.topic().equals(topic)).count() == partitionsPerTopic.get(topic)),
                        member + " got part of a topic: " + result);
            });

            Map<String, MemberSubscription> reordered = new LinkedHashMap<>();
            List<String> ids = List.copyOf(subscriptions.keySet());
            for (int i = ids.size() - 1; i >= 0; i--) {
                reordered.put(ids.get(i), subscriptions.get(ids.get(i)));
            }
            assertEquals(result, assignor.assign(new HashMap<>(partitionsPerTopic), reordered),
                    "same input, same output: " + input);
        }
    }

    private static List<TopicPartition> partitions(String topic, int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    private static List<TopicPartition> concat(List<TopicPartition> a, List<TopicPartition> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
