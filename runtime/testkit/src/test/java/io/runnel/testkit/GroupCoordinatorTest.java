package io.runnel.testkit;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.broker.internal.metadata.TopicAssignment;
import io.runnel.protocol.ConsumerProtocol;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteGroups;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.DescribeGroups;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.protocol.message.Heartbeat;
import io.runnel.protocol.message.JoinGroup;
import io.runnel.protocol.message.LeaveGroup;
import io.runnel.protocol.message.ListGroups;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.SyncGroup;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer groups on a 3-broker cluster with real ZooKeeper, driven with raw protocol requests
 * over the network: coordinator choice, membership and rebalances, fencing of stale members,
 * committed offsets, and a coordinator that moves.
 */
@Timeout(180)
class GroupCoordinatorTest {
    private static final int SESSION_MS = 3_000;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedCluster cluster;
    private static CuratorFramework zk;
    private static final AtomicInteger ids = new AtomicInteger();

    @BeforeAll
    static void start() {
        cluster = EmbeddedCluster.start(3, Map.of("group.min.session.timeout.ms", "1000",
                "group.initial.rebalance.delay.ms", "1000", "offsets.retention.check.interval.ms", "500",
                "auto.create.topics.enable", "false"));
        zk = CuratorFrameworkFactory.newClient(cluster.zookeeperConnect(), new RetryOneTime(100));
        zk.start();
    }

    @AfterAll
    static void stop() {
        if (zk != null) {
            zk.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A group member speaking the protocol on its own connection to the coordinator. */
    private static final class Member implements AutoCloseable {
        final String groupId;
        final List<String> assignors;
        final ConsumerProtocol.Subscription subscription;
        RawClient client;
        String memberId = "";
        int generation = -1;
        String leader;
        String protocol;
        List<TopicPartition> assignment = List.of();
        boolean cooperativeGeneration;
        int rebalanceTimeoutMs = 10_000;
        int pendingJoin = -1;

        Member(String groupId, List<String> assignors, ConsumerProtocol.Subscription subscription) {
            this.groupId = groupId;
            this.assignors = assignors;
            this.subscription = subscription;
            connect();
        }

        void connect() {
            if (client != null) {
                client.close();
            }
            client = new RawClient(coordinator(groupId));
        }

        /** A cooperative member reports the partitions it owns (keeps) when it rejoins. */
        JoinGroup.Request joinRequest() {
            ByteBuffer metadata = ConsumerProtocol.encodeSubscription(new ConsumerProtocol.Subscription(
                    subscription.topics(), subscription.pattern(), subscription.cooperative() ? assignment : List.of(),
                    null, subscription.cooperative()));
            return new JoinGroup.Request(groupId, SESSION_MS, rebalanceTimeoutMs, memberId, "consumer",
                    assignors.stream().map(a -> new JoinGroup.Protocol(a, metadata)).toList());
        }

        /** Gets a member id (MEMBER_ID_REQUIRED) and sends the join that waits for the generation. */
        void startJoin() {
            if (memberId.isEmpty()) {
                JoinGroup.Response first = client.call(joinRequest());
                assertEquals(ErrorCode.MEMBER_ID_REQUIRED.code(), first.errorCode());
                memberId = first.memberId();
            }
            pendingJoin = client.send(joinRequest());
        }

        /** Reads the join's answer, whatever it is. */
        JoinGroup.Response receiveJoin() {
            JoinGroup.Response joined = (JoinGroup.Response) client.receive(io.runnel.protocol.ApiKey.JOIN_GROUP,
                    pendingJoin);
            pendingJoin = -1;
            return joined;
        }

        /** Reads the join's answer and syncs to get the assignment. */
        JoinGroup.Response finishJoin() {
            JoinGroup.Response joined = receiveJoin();
            assertEquals(ErrorCode.NONE.code(), joined.errorCode(), "join of " + memberId);
            generation = joined.generationId();
            leader = joined.leader();
            protocol = joined.protocolName();
            SyncGroup.Response synced = client.call(new SyncGroup.Request(groupId, generation, memberId));
            assertEquals(ErrorCode.NONE.code(), synced.errorCode(), "sync of " + memberId);
            ConsumerProtocol.Assignment assigned = ConsumerProtocol.decodeAssignment(synced.assignment());
            assignment = assigned.partitions();
            cooperativeGeneration = assigned.cooperative();
            return joined;
        }

        short heartbeat() {
            return client.<Heartbeat.Response>call(new Heartbeat.Request(groupId, generation, memberId)).errorCode();
        }

        short commit(String topic, int partition, long offset, String metadata) {
            OffsetCommit.Response r = client.call(new OffsetCommit.Request(groupId, generation, memberId, List.of(
                    new PerTopic<>(topic, List.of(new OffsetCommit.PartitionData(partition, offset, 0, metadata))))));
            return r.topics().get(0).partitions().get(0).errorCode();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private static void joinAll(List<Member> members) {
        members.forEach(Member::startJoin);
        Set<Integer> generations = new HashSet<>();
        for (Member m : members) {
            generations.add(m.finishJoin().generationId());
        }
        assertEquals(1, generations.size(), "one generation for all: " + generations);
    }

    private static String anyBroker() {
        return cluster.bootstrapServers().split(",")[0];
    }

    private static String coordinator(String groupId) {
        try (RawClient client = new RawClient(anyBroker())) {
            FindCoordinator.Response found = Await.until("a coordinator for " + groupId, WAIT,
                    () -> client.<FindCoordinator.Response>call(new FindCoordinator.Request(groupId, FindCoordinator.GROUP)),
                    r -> r.errorCode() == ErrorCode.NONE.code());
            return found.host() + ":" + found.port();
        }
    }

    private static int coordinatorId(String groupId) {
        try (RawClient client = new RawClient(anyBroker())) {
            return client.<FindCoordinator.Response>call(new FindCoordinator.Request(groupId, FindCoordinator.GROUP))
                    .nodeId();
        }
    }

    private static String newTopic(int partitions) {
        String name = "topic-" + ids.incrementAndGet();
        createTopic(name, partitions);
        return name;
    }

    private static void createTopic(String name, int partitions) {
        try (RawClient client = new RawClient(anyBroker())) {
            CreateTopics.Response created = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic(name, partitions, (short) 1, Map.of())), 30_000, false));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.topics().get(0).errorMessage());
        }
        awaitTopicEverywhere(name, partitions);
    }

    private static void awaitTopicEverywhere(String name, int partitions) {
        for (String broker : cluster.bootstrapServers().split(",")) {
            try (RawClient client = new RawClient(broker)) {
                Await.until("broker " + broker + " to see " + partitions + " partitions of " + name, WAIT,
                        () -> client.<Metadata.Response>call(new Metadata.Request(List.of(name), false)).topics().get(0),
                        t -> t.errorCode() == 0 && t.partitions().size() == partitions);
            }
        }
    }

    private static String newGroup() {
        return "group-" + ids.incrementAndGet();
    }

    private static void assertPartitionedOnce(List<Member> members, String topic, int partitions, int each) {
        Set<TopicPartition> seen = new TreeSet<>();
        for (Member m : members) {
            assertEquals(each, m.assignment.size(), m.memberId + " has " + m.assignment);
            for (TopicPartition tp : m.assignment) {
                assertTrue(seen.add(tp), tp + " is owned twice");
            }
        }
        Set<TopicPartition> all = new TreeSet<>();
        for (int p = 0; p < partitions; p++) {
            all.add(new TopicPartition(topic, p));
        }
        assertEquals(all, seen);
    }

    private static List<Member> members(int n, String groupId, List<String> assignors, String topic) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new Member(groupId, assignors, ConsumerProtocol.Subscription.ofTopics(List.of(topic))));
        }
        return members;
    }

    private static void closeAll(List<Member> members) {
        members.forEach(Member::close);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyBrokerNamesTheSameLiveCoordinatorAndGroupsSpreadOverTheBrokers() {
        Set<Integer> used = new HashSet<>();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (String broker : cluster.bootstrapServers().split(",")) {
                clients.add(new RawClient(broker));
            }
            for (int g = 0; g < 30; g++) {
                String groupId = "spread-" + g;
                Set<Integer> answers = new HashSet<>();
                for (RawClient client : clients) {
                    FindCoordinator.Response r = client.call(new FindCoordinator.Request(groupId, FindCoordinator.GROUP));
                    assertEquals(ErrorCode.NONE.code(), r.errorCode());
                    answers.add(r.nodeId());
                }
                assertEquals(1, answers.size(), groupId + " answers " + answers);
                used.addAll(answers);
            }
            assertEquals(3, used.size(), "30 groups spread over the 3 brokers: " + used);
        } finally {
            clients.forEach(RawClient::close);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"range", "round-robin"})
    void threeMembersOnSixPartitionsGetTwoEach(String assignor) {
        String topic = newTopic(6);
        String groupId = newGroup();
        List<Member> members = members(3, groupId, List.of(assignor), topic);
        try {
            joinAll(members);
            assertPartitionedOnce(members, topic, 6, 2);
            assertEquals(assignor, members.get(0).protocol);
            for (Member m : members) {
                assertEquals(ErrorCode.NONE.code(), m.heartbeat());
            }
            DescribeGroups.Group described = members.get(0).client.<DescribeGroups.Response>call(
                    new DescribeGroups.Request(List.of(groupId))).groups().get(0);
            assertEquals("Stable", described.state());
            assertEquals(assignor, described.protocol());
            assertEquals(3, described.members().size());
            ListGroups.Response listed = members.get(0).client.call(new ListGroups.Request());
            assertTrue(listed.groups().contains(new ListGroups.Group(groupId, "consumer", "Stable")), listed.toString());

            // Looking up a group that does not exist does not make it one.
            String madeUp = newGroup();
            try (RawClient client = new RawClient(coordinator(madeUp))) {
                assertEquals("Empty", client.<DescribeGroups.Response>call(new DescribeGroups.Request(List.of(madeUp)))
                        .groups().get(0).state());
                assertEquals(ErrorCode.NONE.code(), client.<OffsetFetch.Response>call(new OffsetFetch.Request(madeUp, null))
                        .errorCode());
                ListGroups.Response after = client.call(new ListGroups.Request());
                assertTrue(after.groups().stream().noneMatch(g -> g.groupId().equals(madeUp)), after.toString());
            }
        } finally {
            closeAll(members);
        }
    }

    @Test
    void twoGroupsOnOneTopicEachGetEveryPartitionAndTheirOwnOffsets() {
        String topic = newTopic(3);
        Member first = members(1, newGroup(), List.of("range"), topic).get(0);
        Member second = members(1, newGroup(), List.of("round-robin"), topic).get(0);
        try {
            joinAll(List.of(first));
            joinAll(List.of(second));
            assertPartitionedOnce(List.of(first), topic, 3, 3);
            assertPartitionedOnce(List.of(second), topic, 3, 3);
            assertEquals(ErrorCode.NONE.code(), first.commit(topic, 0, 10, "first"));
            assertEquals(ErrorCode.NONE.code(), second.commit(topic, 0, 20, "second"));
            for (Member m : List.of(first, second)) {
                OffsetFetch.Response r = m.client.call(new OffsetFetch.Request(m.groupId,
                        List.of(new PerTopic<>(topic, List.of(0)))));
                assertEquals(m == first ? 10L : 20L, r.topics().get(0).partitions().get(0).offset());
            }
        } finally {
            first.close();
            second.close();
        }
    }

    @Test
    void theGroupVotesForTheAssignorMostMembersPrefer() {
        String topic = newTopic(2);
        String groupId = newGroup();
        Member a = new Member(groupId, List.of("round-robin", "range"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
        Member b = new Member(groupId, List.of("round-robin", "range"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
        Member c = new Member(groupId, List.of("range", "round-robin"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
        try {
            joinAll(List.of(a, b, c));
            assertEquals("round-robin", a.protocol);
        } finally {
            closeAll(List.of(a, b, c));
        }
    }

    /**
     * Cooperative rebalancing with the sticky assignor: a partition that moves is withheld from its
     * new owner until the old owner has given it up and rejoined.
     */
    @Test
    void cooperativeMembersKeepTheirPartitionsAndAMovingPartitionWaitsForItsOwner() {
        String topic = newTopic(4);
        String groupId = newGroup();
        ConsumerProtocol.Subscription cooperative = new ConsumerProtocol.Subscription(List.of(topic), null, List.of(),
                null, true);
        Member a = new Member(groupId, List.of("sticky"), cooperative);
        Member b = new Member(groupId, List.of("sticky"), cooperative);
        Member c = new Member(groupId, List.of("sticky"), cooperative);
        try {
            joinAll(List.of(a, b));
            assertTrue(a.cooperativeGeneration, "sticky with cooperative members rebalances cooperatively");
            assertPartitionedOnce(List.of(a, b), topic, 4, 2);
            Set<TopicPartition> aBefore = Set.copyOf(a.assignment);
            Set<TopicPartition> bBefore = Set.copyOf(b.assignment);

            // A third member joins; the others rejoin keeping (and reporting) their partitions.
            c.startJoin();
            awaitRebalance(List.of(a, b));
            a.startJoin();
            b.startJoin();
            List.of(a, b, c).forEach(Member::finishJoin);
            assertTrue(aBefore.containsAll(a.assignment) && bBefore.containsAll(b.assignment),
                    "nobody gets a partition another member still owns: " + a.assignment + " " + b.assignment);
            assertEquals(List.of(), c.assignment, "the partition for " + c.memberId + " waits for its owner to give it up");
            assertEquals(3, a.assignment.size() + b.assignment.size());
            Member loser = a.assignment.size() == 1 ? a : b;
            Member keeper = loser == a ? b : a;
            Set<TopicPartition> keeperPartitions = Set.copyOf(keeper.assignment);

            // The member that lost a partition has revoked it and rejoins: the next generation hands it over.
            loser.startJoin();
            awaitRebalance(List.of(keeper, c));
            keeper.startJoin();
            c.startJoin();
            List.of(a, b, c).forEach(Member::finishJoin);
            assertEquals(keeperPartitions, Set.copyOf(keeper.assignment), "sticky: the keeper kept its partitions");
            assertEquals(1, loser.assignment.size());
            assertEquals(1, c.assignment.size());
            Set<TopicPartition> all = new TreeSet<>();
            for (Member m : List.of(a, b, c)) {
                all.addAll(m.assignment);
            }
            assertEquals(4, all.size(), "all 4 partitions assigned, none twice: " + a.assignment + " " + b.assignment
                    + " " + c.assignment);
        } finally {
            closeAll(List.of(a, b, c));
        }
    }

    @Test
    void aMemberThatStopsHeartbeatingLosesItsPartitionsAndIsFenced() {
        String topic = newTopic(6);
        String groupId = newGroup();
        List<Member> members = members(3, groupId, List.of("range"), topic);
        try {
            joinAll(members);
            Member zombie = members.get(2);
            List<Member> alive = members.subList(0, 2);
            int oldGeneration = alive.get(0).generation;
            assertEquals(ErrorCode.NONE.code(), zombie.commit(topic, zombie.assignment.get(0).partition(), 5, ""));
            long stoppedAt = System.nanoTime();
            // The others heartbeat until the coordinator tells them to rejoin.
            Await.until("a rebalance after the zombie's session timeout", Duration.ofMillis(SESSION_MS + 2_000), () -> {
                short code = ErrorCode.NONE.code();
                for (Member m : alive) {
                    short c = m.heartbeat();
                    if (c != ErrorCode.NONE.code()) {
                        code = c;
                    }
                }
                return code;
            }, code -> code == ErrorCode.REBALANCE_IN_PROGRESS.code());
            joinAll(alive);
            long tookMs = (System.nanoTime() - stoppedAt) / 1_000_000;
            assertTrue(tookMs <= SESSION_MS + 2_000, "partitions moved after " + tookMs + " ms");
            assertPartitionedOnce(alive, topic, 6, 3);
            assertTrue(alive.get(0).generation > oldGeneration);

            // The zombie is out: its heartbeat and its commit are refused, and so is an old generation's commit.
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), zombie.heartbeat());
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), zombie.commit(topic, 0, 100, ""));
            Member live = alive.get(0);
            int current = live.generation;
            live.generation = oldGeneration;
            assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), live.heartbeat());
            assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), live.commit(topic, 0, 100, ""));
            live.generation = current;
            OffsetFetch.Response fetched = live.client.call(new OffsetFetch.Request(groupId, null));
            assertEquals(5L, fetched.topics().get(0).partitions().get(0).offset(), "refused commits wrote nothing");
        } finally {
            closeAll(members);
        }
    }

    /** A member that heartbeats but does not rejoin within the rebalance timeout is removed. */
    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsRemoved() {
        String topic = newTopic(4);
        String groupId = newGroup();
        List<Member> members = members(3, groupId, List.of("range"), topic);
        Member a = members.get(0);
        Member slow = members.get(1);
        Member c = members.get(2);
        members.forEach(m -> m.rebalanceTimeoutMs = 2_000);
        try {
            joinAll(List.of(a, slow));
            c.startJoin();
            awaitRebalance(List.of(a));
            a.startJoin();
            long started = System.nanoTime();
            // The slow member stays alive (it heartbeats) but never rejoins.
            Await.until("the slow member to be removed", WAIT, slow::heartbeat,
                    code -> code == ErrorCode.UNKNOWN_MEMBER_ID.code());
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMs >= 1_500, "removed only after the rebalance timeout, took " + tookMs + " ms");
            a.finishJoin();
            c.finishJoin();
            assertEquals(a.generation, c.generation);
            assertPartitionedOnce(List.of(a, c), topic, 4, 2);
        } finally {
            closeAll(members);
        }
    }

    @Test
    void leavingStartsARebalanceAndAnEmptyGroupCanBeDeleted() {
        String topic = newTopic(6);
        String groupId = newGroup();
        List<Member> members = members(2, groupId, List.of("round-robin"), topic);
        Member stays = members.get(0);
        Member leaves = members.get(1);
        try {
            joinAll(members);
            assertPartitionedOnce(members, topic, 6, 3);
            DeleteGroups.Response notEmpty = stays.client.call(new DeleteGroups.Request(List.of(groupId)));
            assertEquals(ErrorCode.NON_EMPTY_GROUP.code(), notEmpty.results().get(0).errorCode());

            assertEquals(ErrorCode.NONE.code(), leaves.client.<LeaveGroup.Response>call(
                    new LeaveGroup.Request(groupId, leaves.memberId)).errorCode());
            assertEquals(ErrorCode.REBALANCE_IN_PROGRESS.code(), stays.heartbeat());
            joinAll(List.of(stays));
            assertPartitionedOnce(List.of(stays), topic, 6, 6);
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), leaves.client.<LeaveGroup.Response>call(
                    new LeaveGroup.Request(groupId, leaves.memberId)).errorCode());

            assertEquals(ErrorCode.NONE.code(), stays.commit(topic, 1, 10, "m"));
            assertEquals(ErrorCode.NONE.code(), stays.client.<LeaveGroup.Response>call(
                    new LeaveGroup.Request(groupId, stays.memberId)).errorCode());
            Await.until("the group to be empty", WAIT, () -> stays.client.<DescribeGroups.Response>call(
                    new DescribeGroups.Request(List.of(groupId))).groups().get(0).state(), "Empty"::equals);
            DeleteGroups.Response deleted = stays.client.call(new DeleteGroups.Request(List.of(groupId)));
            assertEquals(ErrorCode.NONE.code(), deleted.results().get(0).errorCode());
            OffsetFetch.Response none = stays.client.call(new OffsetFetch.Request(groupId, null));
            assertEquals(List.of(), none.topics(), "offsets went with the group");
            DeleteGroups.Response again = stays.client.call(new DeleteGroups.Request(List.of(groupId)));
            assertEquals(ErrorCode.GROUP_ID_NOT_FOUND.code(), again.results().get(0).errorCode());
        } finally {
            closeAll(members);
        }
    }

    @Test
    void committedOffsetsRoundTripAndSurviveARestartOfEveryBroker() {
        String topic = newTopic(3);
        String groupId = newGroup();
        Member m = members(1, groupId, List.of("range"), topic).get(0);
        try {
            joinAll(List.of(m));
            OffsetCommit.Response committed = m.client.call(new OffsetCommit.Request(groupId, m.generation, m.memberId,
                    List.of(new PerTopic<>(topic, List.of(new OffsetCommit.PartitionData(0, 42, 3, "first"),
                                    new OffsetCommit.PartitionData(1, 7, -1, null),
                                    new OffsetCommit.PartitionData(2, 9, 0, "x".repeat(5000)),
                                    new OffsetCommit.PartitionData(5, 1, 0, null))),
                            new PerTopic<>("no-such-topic", List.of(new OffsetCommit.PartitionData(0, 1, 0, null))))));
            List<OffsetCommit.PartitionResult> results = committed.topics().get(0).partitions();
            assertEquals(ErrorCode.NONE.code(), results.get(0).errorCode());
            assertEquals(ErrorCode.NONE.code(), results.get(1).errorCode());
            assertEquals(ErrorCode.OFFSET_METADATA_TOO_LARGE.code(), results.get(2).errorCode());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), results.get(3).errorCode());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    committed.topics().get(1).partitions().get(0).errorCode());

            OffsetFetch.Response asked = m.client.call(new OffsetFetch.Request(groupId,
                    List.of(new PerTopic<>(topic, List.of(0, 1, 2)))));
            assertEquals(List.of(new PerTopic<>(topic, List.of(
                    new OffsetFetch.PartitionData(0, 42, 3, "first", (short) 0),
                    new OffsetFetch.PartitionData(1, 7, -1, "", (short) 0),
                    new OffsetFetch.PartitionData(2, -1, -1, null, (short) 0)))), asked.topics());

            // A standalone consumer (no membership) commits to a group without members.
            String standalone = newGroup();
            try (RawClient client = new RawClient(coordinator(standalone))) {
                OffsetCommit.Response r = client.call(new OffsetCommit.Request(standalone, -1, "", List.of(
                        new PerTopic<>(topic, List.of(new OffsetCommit.PartitionData(2, 100, -1, "s"))))));
                assertEquals(ErrorCode.NONE.code(), r.topics().get(0).partitions().get(0).errorCode());
            }

            for (int id = 0; id < 3; id++) {
                cluster.stopBroker(id);
            }
            for (int id = 0; id < 3; id++) {
                cluster.startBroker(id);
            }
            cluster.awaitEveryBrokerSeesAll();

            m.connect();
            OffsetFetch.Response after = m.client.call(new OffsetFetch.Request(groupId, null));
            assertEquals(List.of(new PerTopic<>(topic, List.of(new OffsetFetch.PartitionData(0, 42, 3, "first", (short) 0),
                    new OffsetFetch.PartitionData(1, 7, -1, "", (short) 0)))), after.topics());
            // The member carries on in its generation with the restarted coordinator.
            assertEquals(ErrorCode.NONE.code(), m.heartbeat());
            assertEquals(ErrorCode.NONE.code(), m.commit(topic, 0, 43, "second"));
            try (RawClient client = new RawClient(coordinator(standalone))) {
                OffsetFetch.Response s = client.call(new OffsetFetch.Request(standalone, null));
                assertEquals(100L, s.topics().get(0).partitions().get(0).offset());
            }
        } finally {
            m.close();
        }
    }

    @Test
    void offsetsOfADeletedTopicAreRemoved() {
        String gone = newTopic(2);
        String kept = newTopic(1);
        String groupId = newGroup();
        try (RawClient client = new RawClient(coordinator(groupId))) {
            OffsetCommit.Response r = client.call(new OffsetCommit.Request(groupId, -1, "", List.of(
                    new PerTopic<>(gone, List.of(new OffsetCommit.PartitionData(0, 3, -1, null),
                            new OffsetCommit.PartitionData(1, 4, -1, null))),
                    new PerTopic<>(kept, List.of(new OffsetCommit.PartitionData(0, 5, -1, null))))));
            assertTrue(r.topics().stream().flatMap(t -> t.partitions().stream()).allMatch(p -> p.errorCode() == 0),
                    r.toString());
            assertEquals(2, client.<OffsetFetch.Response>call(new OffsetFetch.Request(groupId, null)).topics().size());
            client.call(new DeleteTopics.Request(List.of(gone), 30_000));
            OffsetFetch.Response after = Await.until("the offsets of " + gone + " to go", WAIT,
                    () -> client.<OffsetFetch.Response>call(new OffsetFetch.Request(groupId, null)),
                    f -> f.topics().size() == 1);
            assertEquals(List.of(new PerTopic<>(kept, List.of(new OffsetFetch.PartitionData(0, 5, -1, "", (short) 0)))),
                    after.topics());
        }
    }

    /** Groups whose last commit is older than offsets.retention.minutes go; recent ones stay. */
    @Test
    void groupsWithoutMembersExpireAfterTheOffsetsRetention() throws Exception {
        String topic = newTopic(1);
        String old = newGroup();
        String recent = newGroup();
        long longAgo = System.currentTimeMillis() - Duration.ofDays(8).toMillis();
        // What a commit 8 days ago left in ZooKeeper (docs/zookeeper.md), and one from now.
        zk.create().creatingParentsIfNeeded().forPath("/consumers/" + old + "/offsets/" + topic + "/0",
                ("offset=5\nleaderEpoch=0\nmetadata=\ntimestamp=" + longAgo + "\n").getBytes(StandardCharsets.UTF_8));
        zk.create().creatingParentsIfNeeded().forPath("/consumers/" + recent + "/offsets/" + topic + "/0",
                ("offset=6\nleaderEpoch=0\nmetadata=\ntimestamp=" + System.currentTimeMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
        Await.until("group " + old + " to expire", WAIT, () -> exists("/consumers/" + old), exists -> !exists);
        try (RawClient client = new RawClient(coordinator(recent))) {
            OffsetFetch.Response kept = client.call(new OffsetFetch.Request(recent, null));
            assertEquals(6L, kept.topics().get(0).partitions().get(0).offset());
        }
    }

    @Test
    void anotherBrokerTakesOverWhenTheCoordinatorStops() {
        String topic = newTopic(4);
        String groupId = newGroup();
        List<Member> members = members(2, groupId, List.of("range"), topic);
        try {
            joinAll(members);
            int generation = members.get(0).generation;
            for (Member m : members) {
                assertEquals(ErrorCode.NONE.code(), m.commit(topic, m.assignment.get(0).partition(), 11, "before"));
            }
            int old = coordinatorId(groupId);
            cluster.stopBroker(old);
            Await.until("another coordinator for " + groupId, WAIT, () -> coordinatorId(groupId), id -> id != old);
            for (Member m : members) {
                awaitHeartbeatAccepted(m); // the new coordinator knows the generation
            }
            DescribeGroups.Group described = members.get(0).client.<DescribeGroups.Response>call(
                    new DescribeGroups.Request(List.of(groupId))).groups().get(0);
            assertEquals("Stable", described.state());
            assertEquals(Set.of(members.get(0).memberId, members.get(1).memberId),
                    Set.copyOf(described.members().stream().map(DescribeGroups.Member::memberId).toList()));
            OffsetFetch.Response offsets = members.get(0).client.call(new OffsetFetch.Request(groupId, null));
            assertEquals(2, offsets.topics().get(0).partitions().size(), offsets.toString());
            assertTrue(offsets.topics().get(0).partitions().stream().allMatch(p -> p.offset() == 11));

            // The group still rebalances under its new coordinator.
            Member last = members.get(1);
            assertEquals(ErrorCode.NONE.code(), last.client.<LeaveGroup.Response>call(
                    new LeaveGroup.Request(groupId, last.memberId)).errorCode());
            assertEquals(ErrorCode.REBALANCE_IN_PROGRESS.code(), members.get(0).heartbeat());
            joinAll(List.of(members.get(0)));
            assertEquals(generation + 1, members.get(0).generation);
            assertPartitionedOnce(List.of(members.get(0)), topic, 4, 4);

            // The old coordinator comes back; the group moves back to it and goes on.
            cluster.startBroker(old);
            cluster.awaitEveryBrokerSeesAll();
            Await.until("the group back on broker " + old, WAIT, () -> coordinatorId(groupId), id -> id == old);
            awaitHeartbeatAccepted(members.get(0));
        } finally {
            closeAll(members);
            if (cluster.broker(0) == null || cluster.broker(1) == null || cluster.broker(2) == null) {
                for (int id = 0; id < 3; id++) {
                    if (cluster.broker(id) == null) {
                        cluster.startBroker(id);
                    }
                }
            }
        }
    }

    /**
     * The group state write is a compare-and-set: a coordinator whose write loses (another broker
     * that took the group over wrote meanwhile) drops the group, answers NOT_COORDINATOR, and the
     * next request loads what the store holds.
     */
    @Test
    void aCoordinatorThatLosesTheStateWriteRaceDropsTheGroupAndReloadsIt() throws Exception {
        String topic = newTopic(2);
        String groupId = newGroup();
        List<Member> members = members(2, groupId, List.of("range"), topic);
        Member a = members.get(0);
        Member b = members.get(1);
        try {
            joinAll(List.of(a));
            int generation = a.generation;
            // What a broker that took the group over would do: write the state (here: the same bytes).
            String path = "/consumers/" + groupId + "/state";
            zk.setData().forPath(path, zk.getData().forPath(path));

            b.startJoin();
            awaitRebalance(List.of(a));
            a.startJoin();
            assertEquals(ErrorCode.NOT_COORDINATOR.code(), a.receiveJoin().errorCode(), "the fenced write fails the join");
            assertEquals(ErrorCode.NOT_COORDINATOR.code(), b.receiveJoin().errorCode());

            // Reloaded from the store: a is in its old generation again; b's id died with the dropped group.
            awaitHeartbeatAccepted(a);
            assertEquals(generation, a.generation);
            b.connect();
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), b.client.<JoinGroup.Response>call(b.joinRequest()).errorCode());
            b.memberId = "";
            b.startJoin();
            awaitRebalance(List.of(a));
            a.startJoin();
            a.finishJoin();
            b.finishJoin();
            assertEquals(generation + 1, a.generation);
            assertEquals(a.generation, b.generation);
            assertPartitionedOnce(members, topic, 2, 1);
        } finally {
            closeAll(members);
        }
    }

    @Test
    void aSubscribedTopicGainingPartitionsOrAMatchingNewTopicStartsARebalance() throws Exception {
        String topic = newTopic(2);
        String groupId = newGroup();
        String prefix = "pattern-" + ids.incrementAndGet() + "-";
        Member a = new Member(groupId, List.of("range"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
        Member b = new Member(groupId, List.of("range"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
        Member p = new Member(groupId, List.of("range"), ConsumerProtocol.Subscription.ofPattern(prefix + ".*"));
        List<Member> all = List.of(a, b, p);
        try {
            joinAll(all);
            assertEquals(2, a.assignment.size() + b.assignment.size());
            assertEquals(List.of(), p.assignment);

            // The topic grows to 4 partitions (what a create-partitions call writes).
            String path = "/brokers/topics/" + topic;
            Stat stat = new Stat();
            TopicAssignment now = TopicAssignment.decode(topic, zk.getData().storingStatIn(stat).forPath(path));
            Map<Integer, List<Integer>> replicas = new HashMap<>(now.replicas());
            replicas.put(2, List.of(0));
            replicas.put(3, List.of(1));
            zk.setData().withVersion(stat.getVersion()).forPath(path,
                    new TopicAssignment(topic, now.topicId(), replicas, now.configs()).encode());
            awaitRebalance(all);
            joinAll(all);
            assertEquals(4, a.assignment.size() + b.assignment.size(), a.assignment + " " + b.assignment);

            // A topic matching the pattern appears.
            createTopic(prefix + "x", 1);
            awaitRebalance(all);
            joinAll(all);
            assertEquals(List.of(new TopicPartition(prefix + "x", 0)), p.assignment);

            // ... and goes again: its partition leaves the assignment.
            try (RawClient client = new RawClient(anyBroker())) {
                client.call(new DeleteTopics.Request(List.of(prefix + "x"), 30_000));
            }
            awaitRebalance(all);
            joinAll(all);
            assertEquals(List.of(), p.assignment);
        } finally {
            closeAll(all);
        }
    }

    /** Heartbeats until accepted, finding the coordinator again when told to (as a client does). */
    private static void awaitHeartbeatAccepted(Member m) {
        m.connect();
        Await.until(m.memberId + "'s heartbeat to be accepted", WAIT, () -> {
            short code = m.heartbeat();
            if (code == ErrorCode.NOT_COORDINATOR.code() || code == ErrorCode.COORDINATOR_NOT_AVAILABLE.code()) {
                m.connect();
            }
            return code;
        }, code -> code == ErrorCode.NONE.code());
    }

    private static boolean exists(String path) {
        try {
            return zk.checkExists().forPath(path) != null;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static void awaitRebalance(List<Member> members) {
        for (Member m : members) {
            Await.until(m.memberId + " to be told to rejoin", WAIT, m::heartbeat,
                    code -> code == ErrorCode.REBALANCE_IN_PROGRESS.code());
        }
    }

    @Test
    void badInputGetsErrorCodesAndTheBrokersCarryOn() {
        String topic = newTopic(1);
        String groupId = newGroup();
        ByteBuffer subscription = ConsumerProtocol.encodeSubscription(ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
        List<JoinGroup.Protocol> range = List.of(new JoinGroup.Protocol("range", subscription));
        try (RawClient client = new RawClient(coordinator(groupId))) {
            assertEquals(ErrorCode.INVALID_GROUP_ID.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request("", SESSION_MS, 10_000, "", "consumer", range)).errorCode());
            assertEquals(ErrorCode.INVALID_GROUP_ID.code(), client.<FindCoordinator.Response>call(
                    new FindCoordinator.Request("", FindCoordinator.GROUP)).errorCode());
            for (String bad : List.of("a/b", ".", "..")) {
                assertEquals(ErrorCode.INVALID_GROUP_ID.code(), client.<FindCoordinator.Response>call(
                        new FindCoordinator.Request(bad, FindCoordinator.GROUP)).errorCode(), bad);
                assertEquals(ErrorCode.INVALID_GROUP_ID.code(), client.<Heartbeat.Response>call(
                        new Heartbeat.Request(bad, 1, "m")).errorCode(), bad);
                assertEquals(ErrorCode.INVALID_GROUP_ID.code(), client.<OffsetFetch.Response>call(
                        new OffsetFetch.Request(bad, null)).errorCode(), bad);
            }
            assertEquals(ErrorCode.INVALID_SESSION_TIMEOUT.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request(groupId, 10, 10_000, "", "consumer", range)).errorCode());
            assertEquals(ErrorCode.INVALID_SESSION_TIMEOUT.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request(groupId, 1_800_001, 10_000, "", "consumer", range)).errorCode());
            assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request(groupId, SESSION_MS, 10_000, "", "consumer",
                            List.of(new JoinGroup.Protocol("no-such-assignor", subscription)))).errorCode());
            assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request(groupId, SESSION_MS, 10_000, "", "connect", range)).errorCode());
            assertEquals(ErrorCode.INVALID_REQUEST.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request(groupId, SESSION_MS, 10_000, "", "consumer",
                            List.of(new JoinGroup.Protocol("range", ByteBuffer.wrap(new byte[] {0, 0, 0}))))).errorCode());
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), client.<JoinGroup.Response>call(
                    new JoinGroup.Request(groupId, SESSION_MS, 10_000, "made-up", "consumer", range)).errorCode());
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), client.<SyncGroup.Response>call(
                    new SyncGroup.Request(groupId, 1, "made-up")).errorCode());

            // Commits to a group nobody joined, claiming a generation, are refused.
            String unknown = newGroup();
            try (RawClient c = new RawClient(coordinator(unknown))) {
                List<PerTopic<OffsetCommit.PartitionData>> offsets = List.of(new PerTopic<>(topic,
                        List.of(new OffsetCommit.PartitionData(0, 1, 0, null))));
                assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), c.<OffsetCommit.Response>call(
                        new OffsetCommit.Request(unknown, 5, "someone", offsets)).topics().get(0).partitions().get(0)
                        .errorCode());
                assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), c.<OffsetCommit.Response>call(
                        new OffsetCommit.Request(unknown, 5, "", offsets)).topics().get(0).partitions().get(0)
                        .errorCode());
            }

            // A member with an assignor the group cannot use is refused.
            Member first = new Member(groupId, List.of("range"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
            Member other = new Member(groupId, List.of("round-robin"), ConsumerProtocol.Subscription.ofTopics(List.of(topic)));
            try {
                joinAll(List.of(first));
                JoinGroup.Response id = other.client.call(other.joinRequest());
                assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL.code(), id.errorCode());
            } finally {
                first.close();
                other.close();
            }
        }
        // A broker that does not coordinate the group says so.
        int coordinator = coordinatorId(groupId);
        for (String broker : cluster.bootstrapServers().split(",")) {
            try (RawClient client = new RawClient(broker)) {
                Heartbeat.Response r = client.call(new Heartbeat.Request(groupId, 1, "x"));
                if (!broker.equals(cluster.broker(coordinator).advertisedAddress())) {
                    assertEquals(ErrorCode.NOT_COORDINATOR.code(), r.errorCode(), broker);
                }
                assertEquals(ErrorCode.NONE.code(), client.<ApiVersions.Response>call(new ApiVersions.Request()).errorCode());
            }
        }
        assertNotEquals(-1, coordinator);
    }
}
