package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.CommitFailedException;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.internal.consumer.ConsumerCoordinator;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.testkit.Await;
import io.runnel.testkit.EmbeddedCluster;
import io.runnel.testkit.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group consumer ({@code subscribe}, rebalances, commits) against a 3-broker cluster with real
 * ZooKeeper: the "Done when" list of issue 6, client side.
 */
@Timeout(180)
class GroupConsumerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SESSION_MS = 3_000;
    private static EmbeddedCluster cluster;
    private static final AtomicInteger ids = new AtomicInteger();
    private final List<RunnelConsumer<String, String>> consumers = new ArrayList<>();

    @BeforeAll
    static void start() {
        cluster = EmbeddedCluster.start(3, Map.of("group.min.session.timeout.ms", "1000",
                "group.initial.rebalance.delay.ms", "300", "replica.lag.time.max.ms", "3000"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeConsumers() {
        for (RunnelConsumer<String, String> c : consumers) {
            c.close();
        }
    }

    private static String newTopic(int partitions) {
        String name = "group-topic-" + ids.incrementAndGet();
        try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 3, Map.of()))).get(name).join();
        }
        return name;
    }

    /** Sends {@code count} records round-robin over the partitions, values "prefix-i". */
    private static void produce(String topic, int partitions, String prefix, int count) {
        try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "linger.ms", "1"),
                new StringSerializer(), new StringSerializer())) {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, null, null, prefix + "-" + i, List.of())));
            }
            producer.flush();
            sent.forEach(CompletableFuture::join);
        }
    }

    private RunnelConsumer<String, String> consumer(String group, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", group, "auto.offset.reset", "earliest", "session.timeout.ms", String.valueOf(SESSION_MS),
                "heartbeat.interval.ms", "300", "max.poll.records", "50"));
        config.putAll(extra);
        RunnelConsumer<String, String> c = new RunnelConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        consumers.add(c);
        return c;
    }

    /** Polls every consumer in turn (one thread: joins do not block poll) until {@code done}. */
    private static void pollAll(List<RunnelConsumer<String, String>> members,
                                Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen,
                                String what, java.util.function.BooleanSupplier done) {
        Await.until(what, WAIT, () -> {
            for (RunnelConsumer<String, String> c : members) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(20))) {
                    seen.computeIfAbsent(c, k -> new ArrayList<>()).add(r);
                }
            }
            return done.getAsBoolean();
        }, d -> d);
    }

    private static boolean splitEvenly(List<RunnelConsumer<String, String>> members, int partitions) {
        Set<TopicPartition> all = new HashSet<>();
        int total = 0;
        for (RunnelConsumer<String, String> c : members) {
            Set<TopicPartition> a = c.assignment();
            if (a.size() != partitions / members.size()) {
                return false;
            }
            all.addAll(a);
            total += a.size();
        }
        return all.size() == partitions && total == partitions;
    }

    private static int count(Map<?, List<ConsumerRecord<String, String>>> seen) {
        return seen.values().stream().mapToInt(List::size).sum();
    }

    /** Makes a consumer stop as if its process died: no heartbeats, no LeaveGroup, no commit on close. */
    private static void crash(RunnelConsumer<String, String> consumer) throws Exception {
        Field f = RunnelConsumer.class.getDeclaredField("coordinator");
        f.setAccessible(true);
        ((ConsumerCoordinator) f.get(consumer)).crashForTest();
    }

    @Test
    void threeMembersOnSixPartitionsGetTwoEachAndNoRecordTwice() {
        String topic = newTopic(6);
        String group = "three-" + ids.incrementAndGet();
        List<RunnelConsumer<String, String>> members = List.of(consumer(group, Map.of()), consumer(group, Map.of()),
                consumer(group, Map.of()));
        members.forEach(c -> c.subscribe(List.of(topic)));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(members, seen, "2 partitions per member", () -> splitEvenly(members, 6));
        produce(topic, 6, "v", 600);
        pollAll(members, seen, "all 600 records", () -> count(seen) >= 600);
        Set<String> values = new HashSet<>();
        for (Map.Entry<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> e : seen.entrySet()) {
            for (ConsumerRecord<String, String> r : e.getValue()) {
                assertTrue(values.add(r.value()), "record " + r.value() + " consumed twice");
                assertTrue(e.getKey().assignment().contains(new TopicPartition(r.topic(), r.partition())),
                        "record of a partition the member does not own");
            }
        }
        assertEquals(600, values.size());
        assertEquals(Set.of(topic), members.get(0).subscription());
    }

    @Test
    void aMemberKilledWithoutLeavingLosesItsPartitionsWithinTheSessionTimeoutAndNoCommitGoesBack() throws Exception {
        String topic = newTopic(6);
        String group = "killed-" + ids.incrementAndGet();
        produce(topic, 6, "v", 300);
        List<RunnelConsumer<String, String>> members = List.of(consumer(group, Map.of()), consumer(group, Map.of()),
                consumer(group, Map.of()));
        members.forEach(c -> c.subscribe(List.of(topic)));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(members, seen, "2 partitions per member", () -> splitEvenly(members, 6));
        pollAll(members, seen, "every record", () -> count(seen) >= 300);
        members.forEach(RunnelConsumer::commitSync);
        Set<TopicPartition> all = new HashSet<>();
        for (int p = 0; p < 6; p++) {
            all.add(new TopicPartition(topic, p));
        }
        Map<TopicPartition, OffsetAndMetadata> before = members.get(0).committed(all);
        assertEquals(300, before.values().stream().mapToLong(OffsetAndMetadata::offset).sum());

        RunnelConsumer<String, String> victim = members.get(2);
        Set<TopicPartition> victims = victim.assignment();
        crash(victim);
        long crashed = System.nanoTime();
        List<RunnelConsumer<String, String>> survivors = members.subList(0, 2);
        pollAll(survivors, seen, "the survivors to own all 6 partitions", () -> splitEvenly(survivors, 6));
        long tookMs = (System.nanoTime() - crashed) / 1_000_000;
        assertTrue(tookMs < SESSION_MS + 2_000, "took " + tookMs + " ms, more than session.timeout.ms + 2 s");
        Set<TopicPartition> owned = new HashSet<>(survivors.get(0).assignment());
        owned.addAll(survivors.get(1).assignment());
        assertTrue(owned.containsAll(victims));

        produce(topic, 6, "w", 60);
        pollAll(survivors, seen, "the new records", () -> count(seen) >= 360);
        survivors.forEach(RunnelConsumer::commitSync);
        Map<TopicPartition, OffsetAndMetadata> after = survivors.get(0).committed(all);
        for (TopicPartition tp : all) {
            assertTrue(after.get(tp).offset() >= before.get(tp).offset(), tp + " went back: " + before.get(tp)
                    + " -> " + after.get(tp));
        }
        assertEquals(360, after.values().stream().mapToLong(OffsetAndMetadata::offset).sum());
    }

    @Test
    void twoGroupsReadTheSameTopicFullyAndIndependently() {
        String topic = newTopic(3);
        produce(topic, 3, "v", 150);
        RunnelConsumer<String, String> a = consumer("ga-" + ids.incrementAndGet(), Map.of());
        RunnelConsumer<String, String> b = consumer("gb-" + ids.incrementAndGet(), Map.of());
        a.subscribe(List.of(topic));
        b.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(a, b), seen, "both groups to read everything",
                () -> seen.getOrDefault(a, List.of()).size() >= 150 && seen.getOrDefault(b, List.of()).size() >= 150);
        assertEquals(150, seen.get(a).size());
        assertEquals(150, seen.get(b).size());
        assertEquals(3, a.assignment().size());
        assertEquals(3, b.assignment().size());
        a.commitSync();
        TopicPartition p0 = new TopicPartition(topic, 0);
        assertEquals(50, a.committed(Set.of(p0)).get(p0).offset());
        assertEquals(null, b.committed(Set.of(p0)).get(p0), "group b committed nothing");
    }

    @Test
    void aStaleMembersCommitIsRefused() throws Exception {
        String topic = newTopic(2);
        String group = "stale-" + ids.incrementAndGet();
        produce(topic, 2, "v", 20);
        RunnelConsumer<String, String> zombie = consumer(group, Map.of("enable.auto.commit", "false"));
        zombie.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(zombie), seen, "the first member to read", () -> count(seen) >= 20);
        crash(zombie); // stops heartbeating; the coordinator removes it after the session timeout
        RunnelConsumer<String, String> successor = consumer(group, Map.of("enable.auto.commit", "false"));
        successor.subscribe(List.of(topic));
        pollAll(List.of(successor), seen, "the successor to own both partitions",
                () -> successor.assignment().size() == 2);
        TopicPartition p0 = new TopicPartition(topic, 0);
        CommitFailedException e = assertThrows(CommitFailedException.class,
                () -> zombie.commitSync(Map.of(p0, new OffsetAndMetadata(10))));
        assertTrue(e.errorCode() == ErrorCode.UNKNOWN_MEMBER_ID || e.errorCode() == ErrorCode.ILLEGAL_GENERATION,
                e.toString());
        assertEquals(null, successor.committed(Set.of(p0)).get(p0));
        successor.commitSync(Map.of(p0, new OffsetAndMetadata(3, "by the successor")));
        assertEquals(new OffsetAndMetadata(3, "by the successor"), successor.committed(Set.of(p0)).get(p0));
    }

    @Test
    void aConsumerCrashUnderAtLeastOnceLosesNoRecord() throws Exception {
        String topic = newTopic(3);
        String group = "alo-" + ids.incrementAndGet();
        int n = 600;
        produce(topic, 3, "v", n);
        Set<String> processed = new HashSet<>();
        RunnelConsumer<String, String> first = consumer(group, Map.of("enable.auto.commit", "false"));
        first.subscribe(List.of(topic));
        // at-least-once: process, then commit; the last poll's records are processed but not committed
        int polls = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (processed.size() < n / 2 && System.nanoTime() < deadline) {
            var records = first.poll(Duration.ofMillis(50));
            records.forEach(r -> processed.add(r.value()));
            if (!records.isEmpty() && processed.size() < n / 2) {
                first.commitSync();
                polls++;
            }
        }
        assertTrue(polls > 0);
        crash(first);
        RunnelConsumer<String, String> second = consumer(group, Map.of("enable.auto.commit", "false"));
        second.subscribe(List.of(topic));
        int[] redelivered = {0};
        Await.until("every record processed", WAIT, () -> {
            for (ConsumerRecord<String, String> r : second.poll(Duration.ofMillis(50))) {
                if (!processed.add(r.value())) {
                    redelivered[0]++;
                }
            }
            second.commitSync();
            return processed.size();
        }, s -> s == n);
        assertTrue(redelivered[0] > 0, "the uncommitted last poll is redelivered");
    }

    @Test
    void committedOffsetsSurviveARestartOfEveryBrokerAndOfTheConsumers() {
        String topic = newTopic(3);
        String group = "restart-" + ids.incrementAndGet();
        produce(topic, 3, "v", 90);
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        RunnelConsumer<String, String> c = consumer(group, Map.of("enable.auto.commit", "false"));
        c.subscribe(List.of(topic));
        pollAll(List.of(c), seen, "every record", () -> count(seen) >= 90);
        c.commitSync();
        c.close();
        for (int id = 0; id < 3; id++) {
            cluster.stopBroker(id);
        }
        for (int id = 0; id < 3; id++) {
            cluster.startBroker(id);
        }
        cluster.awaitEveryBrokerSeesAll();
        produce(topic, 3, "w", 30);
        seen.clear();
        RunnelConsumer<String, String> again = consumer(group, Map.of());
        again.subscribe(List.of(topic));
        pollAll(List.of(again), seen, "the new records", () -> count(seen) >= 30);
        for (ConsumerRecord<String, String> r : seen.get(again)) {
            assertTrue(r.value().startsWith("w-"), "re-read a committed record: " + r.value());
        }
        assertEquals(30, count(seen));
    }

    @Test
    void theGroupCarriesOnWhenTheCoordinatorsBrokerStops() {
        String topic = newTopic(4);
        String group = "moving-" + ids.incrementAndGet();
        List<RunnelConsumer<String, String>> members = List.of(consumer(group, Map.of()), consumer(group, Map.of()));
        List<String> revoked = new ArrayList<>();
        ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(tp -> revoked.add(tp.toString()));
            }

            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        };
        members.forEach(c -> c.subscribe(List.of(topic), listener));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(members, seen, "2 partitions per member", () -> splitEvenly(members, 4));
        produce(topic, 4, "v", 100);
        pollAll(members, seen, "the first records", () -> count(seen) >= 100);
        members.forEach(RunnelConsumer::commitSync);

        int coordinator;
        try (RawClient raw = new RawClient(cluster.bootstrapServers().split(",")[0])) {
            FindCoordinator.Response r = raw.call(new FindCoordinator.Request(group, FindCoordinator.GROUP));
            coordinator = r.nodeId();
        }
        cluster.stopBroker(coordinator);
        try {
            produce(topic, 4, "w", 100);
            pollAll(members, seen, "the records sent after the coordinator stopped", () -> count(seen) >= 200);
            members.forEach(RunnelConsumer::commitSync); // through the new coordinator
            // a member that joins now is taken in by the new coordinator
            RunnelConsumer<String, String> third = consumer(group, Map.of());
            third.subscribe(List.of(topic), listener);
            List<RunnelConsumer<String, String>> three = List.of(members.get(0), members.get(1), third);
            pollAll(three, seen, "the group to rebalance over three members",
                    () -> three.stream().allMatch(c -> !c.assignment().isEmpty())
                            && three.stream().mapToInt(c -> c.assignment().size()).sum() == 4);
            Set<String> values = new HashSet<>();
            seen.values().forEach(l -> l.forEach(r -> assertTrue(values.add(r.value()), "twice: " + r.value())));
            assertEquals(200, values.size());
        } finally {
            cluster.startBroker(coordinator);
            cluster.awaitEveryBrokerSeesAll();
        }
    }

    @Test
    void assignAndSubscribeAreMutuallyExclusiveAndAPatternSubscriptionWorks() {
        String topic = newTopic(2);
        produce(topic, 2, "v", 10);
        RunnelConsumer<String, String> c = consumer("pattern-" + ids.incrementAndGet(), Map.of());
        c.assign(List.of(new TopicPartition(topic, 0)));
        assertThrows(IllegalStateException.class, () -> c.subscribe(List.of(topic)));
        c.unsubscribe();
        c.subscribe(Pattern.compile(Pattern.quote(topic)));
        assertThrows(IllegalStateException.class, () -> c.assign(List.of(new TopicPartition(topic, 0))));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(c), seen, "the topic's records", () -> count(seen) >= 10);
        assertEquals(Set.of(topic), c.subscription());
        c.pause(List.of(new TopicPartition(topic, 0)));
        assertEquals(Set.of(new TopicPartition(topic, 0)), c.paused());
        c.resume(List.of(new TopicPartition(topic, 0)));
        assertEquals(Set.of(), c.paused());
    }

    /** Records listener calls, and the thread each ran on. */
    private static final class Events implements ConsumerRebalanceListener {
        final List<String> log = new ArrayList<>();
        final Set<Thread> threads = new HashSet<>();
        final Set<TopicPartition> revoked = new HashSet<>();
        final Set<TopicPartition> lost = new HashSet<>();

        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            threads.add(Thread.currentThread());
            log.add("revoked " + partitions);
            revoked.addAll(partitions);
        }

        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            threads.add(Thread.currentThread());
            log.add("assigned " + partitions);
        }

        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            threads.add(Thread.currentThread());
            log.add("lost " + partitions);
            lost.addAll(partitions);
        }
    }

    @Test
    void withTheStickyAssignorAMemberKeepsThePartitionsThatDoNotMove() {
        String topic = newTopic(4);
        String group = "sticky-" + ids.incrementAndGet();
        Map<String, String> sticky = Map.of("partition.assignment.strategy", "sticky");
        RunnelConsumer<String, String> first = consumer(group, sticky);
        Events firstEvents = new Events();
        first.subscribe(List.of(topic), firstEvents);
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(first), seen, "the first member to own every partition", () -> first.assignment().size() == 4);
        Set<TopicPartition> before = first.assignment();

        RunnelConsumer<String, String> second = consumer(group, sticky);
        Events secondEvents = new Events();
        second.subscribe(List.of(topic), secondEvents);
        List<RunnelConsumer<String, String>> both = List.of(first, second);
        pollAll(both, seen, "two partitions each", () -> splitEvenly(both, 4));
        Set<TopicPartition> kept = first.assignment();
        assertTrue(before.containsAll(kept));
        assertEquals(2, firstEvents.revoked.size(), "only the partitions that moved are revoked: " + firstEvents.log);
        assertTrue(firstEvents.revoked.stream().noneMatch(kept::contains), firstEvents.log.toString());
        assertEquals(Set.of(Thread.currentThread()), firstEvents.threads, "listener runs on the polling thread");
        assertEquals(Set.of(Thread.currentThread()), secondEvents.threads);

        produce(topic, 4, "v", 80);
        pollAll(both, seen, "every record", () -> count(seen) >= 80);
        Set<String> values = new HashSet<>();
        seen.values().forEach(l -> l.forEach(r -> assertTrue(values.add(r.value()), "twice: " + r.value())));
    }

    @Test
    void cooperativeMembersGoOnConsumingTheirPartitionsWhileARebalanceWaits() {
        assertTrue(recordsReadWhileARebalanceWaits("sticky") > 0,
                "a cooperative member keeps consuming the partitions it owns during the rebalance");
        assertEquals(0, recordsReadWhileARebalanceWaits("range"),
                "an eager member gives up every partition until the rebalance ends");
    }

    /**
     * Two members share a topic; a third joins while one of the two is not polled, so the join
     * phase stays open (that member's heartbeats keep it in the group). Meanwhile new records
     * arrive; returns how many of them the polled member read before the rebalance ended.
     */
    private int recordsReadWhileARebalanceWaits(String strategy) {
        String topic = newTopic(4);
        String group = "during-" + strategy + "-" + ids.incrementAndGet();
        Map<String, String> config = Map.of("partition.assignment.strategy", strategy);
        RunnelConsumer<String, String> polled = consumer(group, config);
        RunnelConsumer<String, String> idle = consumer(group, config);
        polled.subscribe(List.of(topic));
        idle.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(polled, idle), seen, "two partitions each", () -> splitEvenly(List.of(polled, idle), 4));

        RunnelConsumer<String, String> joining = consumer(group, config);
        joining.subscribe(List.of(topic));
        try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            // Polling the new member finds the coordinator and sends its JoinGroup, which starts the rebalance.
            Await.until("the rebalance to start", WAIT, () -> {
                joining.poll(Duration.ofMillis(20));
                return admin.describeConsumerGroups(List.of(group)).get(group).join().state();
            }, "PreparingRebalance"::equals);
            // The polled member learns of the rebalance from a heartbeat (every 300 ms) and rejoins
            // in its next poll; a second of polling covers that before the new records are written.
            long rejoinedBy = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() - rejoinedBy < 0) {
                polled.poll(Duration.ofMillis(50));
            }
            produce(topic, 4, "during", 40);
            int read = 0;
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() - until < 0) {
                for (ConsumerRecord<String, String> r : polled.poll(Duration.ofMillis(50))) {
                    if (r.value().startsWith("during")) {
                        read++;
                    }
                }
            }
            assertEquals("PreparingRebalance", admin.describeConsumerGroups(List.of(group)).get(group).join().state(),
                    "the rebalance still waits for the member that is not polled");
            List<RunnelConsumer<String, String>> all = List.of(polled, idle, joining);
            pollAll(all, seen, "every member assigned", () -> all.stream().allMatch(c -> !c.assignment().isEmpty()));
            return read;
        }
    }

    @Test
    void aMemberThatDoesNotPollWithinMaxPollIntervalLeavesAndRejoinsOnItsNextPoll() {
        String topic = newTopic(2);
        String group = "slow-" + ids.incrementAndGet();
        Map<String, String> quick = Map.of("max.poll.interval.ms", "1500");
        RunnelConsumer<String, String> slow = consumer(group, quick);
        RunnelConsumer<String, String> busy = consumer(group, quick);
        Events slowEvents = new Events();
        slow.subscribe(List.of(topic), slowEvents);
        busy.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(slow, busy), seen, "one partition each", () -> splitEvenly(List.of(slow, busy), 2));
        Set<TopicPartition> slowOwned = slow.assignment();
        // only busy polls: slow's heartbeat thread notices the missed poll and leaves the group
        pollAll(List.of(busy), seen, "busy to own both partitions", () -> busy.assignment().size() == 2);
        pollAll(List.of(slow, busy), seen, "slow back in the group", () -> splitEvenly(List.of(slow, busy), 2));
        assertEquals(slowOwned, slowEvents.lost, slowEvents.log.toString());
    }

    @Test
    void closeCommitsThePositionsAndLeavesTheGroupAtOnce() {
        String topic = newTopic(2);
        String group = "close-" + ids.incrementAndGet();
        produce(topic, 2, "v", 40);
        Map<String, String> slowCommits = Map.of("auto.commit.interval.ms", "600000", "session.timeout.ms", "30000");
        RunnelConsumer<String, String> leaving = consumer(group, slowCommits);
        RunnelConsumer<String, String> staying = consumer(group, slowCommits);
        leaving.subscribe(List.of(topic));
        staying.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(leaving, staying), seen, "one partition each and every record",
                () -> splitEvenly(List.of(leaving, staying), 2) && count(seen) >= 40);
        Set<TopicPartition> handedOver = leaving.assignment();
        leaving.close();
        long closed = System.nanoTime();
        pollAll(List.of(staying), seen, "the other member to own both partitions", () -> staying.assignment().size() == 2);
        assertTrue(System.nanoTime() - closed < Duration.ofSeconds(15).toNanos(), "well within the 30 s session timeout");
        Map<TopicPartition, OffsetAndMetadata> committed = staying.committed(handedOver);
        assertEquals(20L, committed.get(handedOver.iterator().next()).offset(), "committed on close");
        assertEquals(40, count(seen), "nothing read again after the hand-over");
    }

    @Test
    void autoCommitAndCommitAsyncCallbacksRunOnThePollingThread() {
        String topic = newTopic(2);
        String group = "async-" + ids.incrementAndGet();
        produce(topic, 2, "v", 20);
        RunnelConsumer<String, String> c = consumer(group, Map.of("auto.commit.interval.ms", "200"));
        c.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(c), seen, "every record", () -> count(seen) >= 20);
        Set<TopicPartition> both = Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        // auto-commit, from poll, without an explicit commit
        Await.until("the positions to be auto-committed", WAIT, () -> {
            c.poll(Duration.ofMillis(20));
            return c.committed(both);
        }, m -> m.values().stream().allMatch(o -> o != null && o.offset() == 10));

        TopicPartition p0 = new TopicPartition(topic, 0);
        List<Thread> callbackThreads = new ArrayList<>();
        List<Exception> errors = new ArrayList<>();
        c.commitAsync(Map.of(p0, new OffsetAndMetadata(7, "async")), (offsets, e) -> {
            callbackThreads.add(Thread.currentThread());
            errors.add(e);
        });
        Await.until("the callback", WAIT, () -> {
            c.poll(Duration.ofMillis(20));
            return callbackThreads.size();
        }, n -> n == 1);
        assertEquals(List.of(Thread.currentThread()), callbackThreads);
        assertEquals(java.util.Collections.singletonList(null), errors);
    }

    @Test
    void aConsumerThatAssignsItselfPartitionsCommitsWithoutJoiningAndStartsThereNextTime() {
        String topic = newTopic(1);
        String group = "manual-" + ids.incrementAndGet();
        produce(topic, 1, "v", 10);
        TopicPartition p0 = new TopicPartition(topic, 0);
        RunnelConsumer<String, String> c = consumer(group, Map.of("enable.auto.commit", "false"));
        c.assign(List.of(p0));
        c.commitSync(Map.of(p0, new OffsetAndMetadata(6, "manual")));
        assertEquals(new OffsetAndMetadata(6, "manual"), c.committed(Set.of(p0)).get(p0));
        assertEquals(Set.of(), c.subscription());

        RunnelConsumer<String, String> member = consumer(group, Map.of());
        member.subscribe(List.of(topic));
        Map<RunnelConsumer<String, String>, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
        pollAll(List.of(member), seen, "the records after the committed offset", () -> count(seen) >= 4);
        assertEquals(List.of("v-6", "v-7", "v-8", "v-9"), seen.get(member).stream().map(ConsumerRecord::value).toList());
        // now that the group has a member, a commit without generation is refused
        assertThrows(CommitFailedException.class, () -> c.commitSync(Map.of(p0, new OffsetAndMetadata(1))));
    }
}
