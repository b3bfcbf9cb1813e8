package io.runnel.testkit;

import io.runnel.api.ErrorCode;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.protocol.message.CreatePartitions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.ElectLeaders;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Preferred-leader election (ElectLeaders), automatic leader rebalancing and adding partitions
 * (CreatePartitions) on a 3-broker in-process cluster with a real ZooKeeper, through the network
 * path: requests go to a broker, which hands them to the controller through the coordination backend.
 */
@Timeout(180)
class LeadershipAndPartitionsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedCluster cluster;
    private CuratorFramework zk;

    private record State(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
    }

    private void start(Map<String, String> overrides) throws InterruptedException {
        cluster = EmbeddedCluster.start(3, overrides);
        zk = CuratorFrameworkFactory.newClient(cluster.zookeeperConnect(), new RetryOneTime(100));
        zk.start();
        assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS), "test ZooKeeper client connects");
        Await.until("a controller", WAIT, () -> controllerId(0), id -> id >= 0);
    }

    @AfterEach
    void stop() {
        if (zk != null) {
            zk.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---------------------------------------------------------------- preferred election

    @Test
    void preferredElectionMovesLeadershipBackAfterARestartAndReportsEachPartition() throws Exception {
        start(Map.of("auto.leader.rebalance.enable", "false", "replica.lag.time.max.ms", "2000"));
        createTopic("pref", 3, 3);
        assertEquals(0, state("pref", 0).leader());

        cluster.stopBroker(0); // controlled shutdown: partition 0 moves, broker 0 leaves its ISR
        State moved = state("pref", 0);
        assertNotEquals(0, moved.leader());
        assertTrue(!moved.isr().contains(0), "broker 0 out of the ISR: " + moved);

        // The preferred replica is down and out of the ISR: no election, and the reason says so.
        ElectLeaders.Response refused = elect(1, ElectLeaders.PREFERRED, List.of(new PerTopic<>("pref", List.of(0))));
        ElectLeaders.PartitionResult r = result(refused, "pref", 0);
        assertEquals(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE.code(), r.errorCode(), r.toString());
        assertTrue(r.errorMessage().contains("not in the ISR"), r.errorMessage());
        assertEquals(moved, state("pref", 0), "nothing written");

        cluster.startBroker(0);
        Await.until("broker 0 back in the ISR of pref-0", WAIT, () -> state("pref", 0), s -> s.isr().contains(0));
        assertEquals(moved.leader(), state("pref", 0).leader(), "no automatic move with auto.leader.rebalance.enable=false");

        // Asked of a broker that is not the controller, so the request travels through ZooKeeper.
        int via = (controllerId(1) + 1) % 3;
        ElectLeaders.Response response = elect(via, ElectLeaders.PREFERRED, List.of(
                new PerTopic<>("pref", List.of(0, 1, 7)), new PerTopic<>("nope", List.of(0))));
        assertEquals(ErrorCode.NONE.code(), response.errorCode());
        assertEquals(ErrorCode.NONE.code(), result(response, "pref", 0).errorCode(), response.toString());
        assertEquals(ErrorCode.ELECTION_NOT_NEEDED.code(), result(response, "pref", 1).errorCode(), response.toString());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), result(response, "pref", 7).errorCode());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), result(response, "nope", 0).errorCode());

        State back = state("pref", 0);
        assertEquals(0, back.leader());
        assertTrue(back.leaderEpoch() > moved.leaderEpoch(), "leader epoch raised: " + back);
        assertTrue(back.isr().contains(0));
        // Answered once the broker asked had seen it: its metadata shows the new leader at once.
        assertEquals(0, metadata(via, "pref").partitions().get(0).leader());
        // The request znode is cleaned up.
        Await.until("no pending controller requests", WAIT, this::pendingRequests, List::isEmpty);

        // All partitions: every one is led by its preferred replica now.
        ElectLeaders.Response all = elect(2, ElectLeaders.PREFERRED, null);
        for (int p = 0; p < 3; p++) {
            assertEquals(ErrorCode.ELECTION_NOT_NEEDED.code(), result(all, "pref", p).errorCode(), all.toString());
        }
        // A bad election type is an error on the wire, not a crash.
        ElectLeaders.Response bad = elect(0, (byte) 9, null);
        assertEquals(ErrorCode.INVALID_REQUEST.code(), bad.errorCode());
        assertEquals(3, metadata(0, "pref").partitions().size(), "the broker still serves");
    }

    @Test
    void anElectionOfManyPartitionsIsSplitIntoSeveralControllerRequests() throws Exception {
        start(Map.of("auto.leader.rebalance.enable", "false"));
        int partitions = 1_001; // two requests to the controller: at most 1,000 partitions each
        createTopic("many", partitions, 1);
        ElectLeaders.Response all = elect(1, ElectLeaders.PREFERRED, null);
        assertEquals(ErrorCode.NONE.code(), all.errorCode());
        assertEquals(1, all.results().size(), all.results().stream().map(PerTopic::name).toList().toString());
        List<ElectLeaders.PartitionResult> results = all.results().get(0).partitions();
        assertEquals(partitions, results.size());
        for (int p = 0; p < partitions; p++) {
            assertEquals(p, results.get(p).partition());
            assertEquals(ErrorCode.ELECTION_NOT_NEEDED.code(), results.get(p).errorCode(), results.get(p).toString());
        }
        Await.until("no pending controller requests", WAIT, this::pendingRequests, List::isEmpty);
    }

    @Test
    void uncleanElectionOnRequestBringsAnOfflinePartitionBack() throws Exception {
        start(Map.of("controlled.shutdown.enable", "false", "replica.lag.time.max.ms", "1000",
                "auto.leader.rebalance.enable", "false"));
        createTopic("dirty", 1, 2);
        List<Integer> replicas = replicas("dirty").get(0);
        int leader = replicas.get(0);
        int follower = replicas.get(1);
        cluster.stopBroker(follower);
        Await.until("ISR = [leader]", WAIT, () -> state("dirty", 0), s -> s.isr().equals(List.of(leader)));
        cluster.stopBroker(leader);
        Await.until("dirty-0 offline", WAIT, () -> state("dirty", 0), s -> s.leader() == -1);
        int other = 3 - leader - follower;

        ElectLeaders.Response none = elect(other, ElectLeaders.UNCLEAN, List.of(new PerTopic<>("dirty", List.of(0))));
        assertEquals(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE.code(), result(none, "dirty", 0).errorCode(), none.toString());

        cluster.startBroker(follower);
        Await.until("broker " + follower + " registered", WAIT, () -> metadata(other, "dirty"), t -> true);
        ElectLeaders.Response response = Await.until("an unclean election of " + follower, WAIT,
                () -> elect(other, ElectLeaders.UNCLEAN, List.of(new PerTopic<>("dirty", List.of(0)))),
                x -> result(x, "dirty", 0).errorCode() == ErrorCode.NONE.code());
        State elected = state("dirty", 0);
        assertEquals(follower, elected.leader(), response.toString());
        assertEquals(List.of(follower), elected.isr());
    }

    // ---------------------------------------------------------------- automatic rebalancing

    @Test
    void theControllerMovesLeadershipsBackToPreferredReplicasOnItsOwn() throws Exception {
        start(Map.of("auto.leader.rebalance.enable", "true", "leader.imbalance.check.interval.seconds", "1",
                "replica.lag.time.max.ms", "2000"));
        createTopic("balance", 6, 3);
        cluster.stopBroker(1); // partitions 1 and 4 move away
        for (int p : new int[] {1, 4}) {
            assertNotEquals(1, state("balance", p).leader());
        }
        cluster.startBroker(1);
        // Broker 1 is the preferred leader of 2 partitions and leads none: 100% > 10%.
        Map<Integer, State> balanced = Await.until("partitions 1 and 4 led by broker 1 again", WAIT,
                () -> Map.of(1, state("balance", 1), 4, state("balance", 4)),
                s -> s.values().stream().allMatch(st -> st.leader() == 1));
        for (State st : balanced.values()) {
            assertTrue(st.isr().contains(1), st.toString());
        }
        for (int p = 0; p < 6; p++) {
            assertEquals(p % 3, state("balance", p).leader(), "partition " + p + " led by its preferred replica");
        }
    }

    @Test
    void rebalancingWaitsUntilABrokersImbalanceIsAboveThePercentage() throws Exception {
        start(Map.of("auto.leader.rebalance.enable", "true", "leader.imbalance.check.interval.seconds", "1",
                "leader.imbalance.per.broker.percentage", "60"));
        createTopic("ratio", 6, 3);
        // Broker 1 is the preferred replica of partitions 1 and 4. One of them led by broker 2: 50%.
        moveLeader("ratio", 1, 2);
        AssertionError stayed = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> Await.until("a rebalance at 50% (<= 60%)", Duration.ofSeconds(3), () -> state("ratio", 1),
                        s -> s.leader() == 1));
        assertTrue(stayed.getMessage().contains("timed out"), stayed.getMessage());
        // Both of them: 100% > 60%, and both go back.
        moveLeader("ratio", 4, 2);
        Await.until("partitions 1 and 4 led by broker 1 again", WAIT,
                () -> List.of(state("ratio", 1).leader(), state("ratio", 4).leader()), l -> l.equals(List.of(1, 1)));
    }

    /** Writes a leader change as a controller would (the ISR kept, the leader epoch raised). */
    private void moveLeader(String topic, int partition, int leader) throws Exception {
        String path = "/brokers/topics/" + topic + "/partitions/" + partition + "/state";
        org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
        byte[] data = zk.getData().storingStatIn(stat).forPath(path);
        Properties values = new Properties();
        values.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
        values.setProperty("leader", String.valueOf(leader));
        values.setProperty("leaderEpoch", String.valueOf(Integer.parseInt(values.getProperty("leaderEpoch")) + 1));
        StringBuilder text = new StringBuilder();
        new java.util.TreeMap<>(values).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        zk.setData().withVersion(stat.getVersion()).forPath(path, text.toString().getBytes(StandardCharsets.UTF_8));
        Await.until(topic + "-" + partition + " led by " + leader, WAIT, () -> metadata(leader, topic).partitions()
                .get(partition).leader(), l -> l == leader);
    }

    // ---------------------------------------------------------------- adding partitions

    @Test
    void addedPartitionsArePlacedByThePluginLedAndWritable() throws Exception {
        start(Map.of());
        createTopic("grow", 2, 2);
        String topicId = topicValues("grow").getProperty("id");

        CreatePartitions.Response response = createPartitions(1, new CreatePartitions.Topic("grow", 5));
        assertEquals(ErrorCode.NONE.code(), response.results().get(0).errorCode(), response.toString());

        Map<Integer, List<Integer>> replicas = replicas("grow");
        assertEquals(5, replicas.size());
        for (int p = 0; p < 5; p++) {
            // The default round-robin placement: partition p on brokers p mod 3, (p + 1) mod 3.
            assertEquals(List.of(p % 3, (p + 1) % 3), replicas.get(p), "replicas of partition " + p);
        }
        assertEquals(topicId, topicValues("grow").getProperty("id"), "the same topic");
        for (int p = 2; p < 5; p++) {
            State st = state("grow", p);
            assertEquals(replicas.get(p).get(0), st.leader(), "new partition " + p + " led by its first replica");
            assertEquals(0, st.leaderEpoch());
        }
        // Every broker's metadata shows the new partitions with leaders.
        for (int b = 0; b < 3; b++) {
            int via = b;
            Await.until("broker " + via + " showing 5 led partitions", WAIT, () -> metadata(via, "grow"),
                    t -> t.partitions().size() == 5 && t.partitions().stream().allMatch(
                            p -> p.errorCode() == ErrorCode.NONE.code()));
        }
        // A new partition takes writes on its leader, and they can be read back.
        int leader = state("grow", 4).leader();
        try (RawClient client = new RawClient(cluster.broker(leader).advertisedAddress())) {
            Produce.Response produced = client.call(new Produce.Request((short) -1, 30_000, List.of(new PerTopic<>("grow",
                    List.of(new Produce.PartitionData(4, new MemoryRecords(new RecordBatchBuilder(null)
                            .append(1L, null, "new".getBytes(StandardCharsets.UTF_8), List.of()).build())))))));
            Produce.PartitionResult written = produced.topics().get(0).partitions().get(0);
            assertEquals(ErrorCode.NONE.code(), written.errorCode(), String.valueOf(written.errorMessage()));
            Fetch.Response fetched = client.call(new Fetch.Request(-1, 500, 1, 1 << 20, List.of(new PerTopic<>("grow",
                    List.of(new Fetch.PartitionRequest(4, -1, 0L, 1 << 20))))));
            assertEquals(1L, fetched.topics().get(0).partitions().get(0).highWatermark());
        }

        // Errors: not more partitions, an unknown topic, a duplicate; validateOnly writes nothing.
        CreatePartitions.Response errors = createPartitions(2, new CreatePartitions.Topic("grow", 5),
                new CreatePartitions.Topic("grow", 3), new CreatePartitions.Topic("nope", 4));
        assertEquals(ErrorCode.INVALID_PARTITIONS.code(), errors.results().get(0).errorCode());
        assertTrue(errors.results().get(0).errorMessage().contains("has 5 partition(s)"), errors.toString());
        assertEquals(ErrorCode.INVALID_REQUEST.code(), errors.results().get(1).errorCode(), "named twice");
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), errors.results().get(2).errorCode());
        CreatePartitions.Response validate = createPartitions(0, true, new CreatePartitions.Topic("grow", 9));
        assertEquals(ErrorCode.NONE.code(), validate.results().get(0).errorCode(), validate.toString());
        assertEquals(5, replicas("grow").size(), "validateOnly adds nothing");
        // More replicas than live brokers: refused by placement, with both numbers.
        createTopic("wide", 1, 3);
        cluster.stopBroker(2);
        CreatePartitions.Response tooWide = createPartitions(0, new CreatePartitions.Topic("wide", 2));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR.code(), tooWide.results().get(0).errorCode(), tooWide.toString());
        assertEquals(1, replicas("wide").size());
    }

    @Test
    void concurrentRequestsToGrowATopicAddItsPartitionsOnce() throws Exception {
        start(Map.of());
        createTopic("race", 1, 1);
        List<RawClient> clients = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        try {
            for (int b = 0; b < 3; b++) {
                RawClient client = new RawClient(cluster.broker(b).advertisedAddress());
                clients.add(client);
                ids.add(client.send(new CreatePartitions.Request(List.of(new CreatePartitions.Topic("race", 4)), 30_000,
                        false)));
            }
            int succeeded = 0;
            for (int b = 0; b < 3; b++) {
                CreatePartitions.Response r = (CreatePartitions.Response) clients.get(b).receive(
                        io.runnel.protocol.ApiKey.CREATE_PARTITIONS, ids.get(b));
                short code = r.results().get(0).errorCode();
                assertTrue(code == ErrorCode.NONE.code() || code == ErrorCode.INVALID_PARTITIONS.code(), r.toString());
                succeeded += code == ErrorCode.NONE.code() ? 1 : 0;
            }
            assertEquals(1, succeeded, "exactly one request grows the topic");
        } finally {
            clients.forEach(RawClient::close);
        }
        Map<Integer, List<Integer>> replicas = replicas("race");
        assertEquals(4, replicas.size());
        for (int p = 0; p < 4; p++) {
            assertEquals(List.of(p % 3), replicas.get(p));
            assertEquals(p % 3, state("race", p).leader());
        }
    }

    // ---------------------------------------------------------------- topic creation by the controller

    @Test
    void topicsAreCreatedByTheControllerEvenWhenTheRequesterStopsWaiting() throws Exception {
        start(Map.of());
        int controller = controllerId(0);
        int via = (controller + 1) % 3;
        long epoch = Long.parseLong(new String(zk.getData().forPath("/controller_epoch"), StandardCharsets.UTF_8).trim());
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            CreateTopics.Response created = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("made", 3, (short) 2, Map.of())), 20_000, false));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.toString());
            // The controller placed it (round-robin) and wrote its first states in its epoch.
            Map<Integer, List<Integer>> replicas = replicas("made");
            for (int p = 0; p < 3; p++) {
                assertEquals(List.of(p % 3, (p + 1) % 3), replicas.get(p));
                State st = state("made", p);
                assertEquals(p % 3, st.leader());
                assertEquals(epoch, st.controllerEpoch(), "written by the controller: " + st);
            }
            CreateTopics.Response again = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("made", 1, (short) 1, Map.of())), 20_000, false));
            assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS.code(), again.topics().get(0).errorCode());
            CreateTopics.Response tooWide = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("wide", 1, (short) 4, Map.of())), 20_000, false));
            assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR.code(), tooWide.topics().get(0).errorCode());
            assertTrue(tooWide.topics().get(0).errorMessage().contains("replication factor 4 is larger than the 3"),
                    tooWide.toString());

            // A requester that gives up at once: the answer may be a timeout, but the topic is created.
            CreateTopics.Response hasty = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("hasty", 2, (short) 1, Map.of())), 1, false));
            short code = hasty.topics().get(0).errorCode();
            assertTrue(code == ErrorCode.NONE.code() || code == ErrorCode.REQUEST_TIMED_OUT.code(), hasty.toString());
        }
        Await.until("topic hasty created", WAIT, () -> metadata(via, "hasty"),
                t -> t.errorCode() == ErrorCode.NONE.code() && t.partitions().size() == 2);
        // Its answered request znode is cleaned up once its requester is known to be gone.
        Await.until("no pending controller requests", WAIT, this::pendingRequests, List::isEmpty);
    }

    // ---------------------------------------------------------------- helpers

    private ElectLeaders.Response elect(int via, byte type, List<PerTopic<Integer>> partitions) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            return client.call(new ElectLeaders.Request(type, partitions, 20_000));
        }
    }

    private static ElectLeaders.PartitionResult result(ElectLeaders.Response response, String topic, int partition) {
        return response.results().stream().filter(t -> t.name().equals(topic)).flatMap(t -> t.partitions().stream())
                .filter(p -> p.partition() == partition).findFirst()
                .orElseThrow(() -> new AssertionError("no result for " + topic + "-" + partition + " in " + response));
    }

    private CreatePartitions.Response createPartitions(int via, CreatePartitions.Topic... topics) {
        return createPartitions(via, false, topics);
    }

    private CreatePartitions.Response createPartitions(int via, boolean validateOnly, CreatePartitions.Topic... topics) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            return client.call(new CreatePartitions.Request(List.of(topics), 20_000, validateOnly));
        }
    }

    private void createTopic(String name, int partitions, int replicationFactor) {
        Await.until("broker 0 seeing 3 brokers", WAIT, () -> liveBrokers(0), n -> n == 3);
        try (RawClient client = new RawClient(cluster.broker(0).advertisedAddress())) {
            CreateTopics.Response created = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic(name, partitions, (short) replicationFactor, Map.of())), 30_000, false));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.topics().get(0).errorMessage());
        }
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            Await.until("a full ISR of " + name + "-" + p, WAIT, () -> state(name, partition),
                    s -> s.leader() >= 0 && s.isr().size() == replicationFactor);
        }
    }

    private int liveBrokers(int via) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            return client.<Metadata.Response>call(new Metadata.Request(List.of(), false)).brokers().size();
        }
    }

    private int controllerId(int via) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            return client.<Metadata.Response>call(new Metadata.Request(List.of(), false)).controllerId();
        }
    }

    private Metadata.Topic metadata(int via, String topic) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            return client.<Metadata.Response>call(new Metadata.Request(List.of(topic), false)).topics().get(0);
        }
    }

    private List<String> pendingRequests() {
        try {
            return zk.checkExists().forPath("/admin/controller_requests") == null ? List.of()
                    : zk.getChildren().forPath("/admin/controller_requests");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Properties topicValues(String topic) {
        return read("/brokers/topics/" + topic);
    }

    private Map<Integer, List<Integer>> replicas(String topic) {
        Properties values = topicValues(topic);
        Map<Integer, List<Integer>> replicas = new HashMap<>();
        int count = Integer.parseInt(values.getProperty("partitions"));
        for (int p = 0; p < count; p++) {
            replicas.put(p, ints(values.getProperty("replicas." + p)));
        }
        return replicas;
    }

    private State state(String topic, int partition) {
        Properties v = read("/brokers/topics/" + topic + "/partitions/" + partition + "/state");
        return new State(Integer.parseInt(v.getProperty("leader")), Integer.parseInt(v.getProperty("leaderEpoch")),
                ints(v.getProperty("isr")), Integer.parseInt(v.getProperty("controllerEpoch", "0")));
    }

    private Properties read(String path) {
        try {
            Properties values = new Properties();
            values.load(new StringReader(new String(zk.getData().forPath(path), StandardCharsets.UTF_8)));
            return values;
        } catch (Exception e) {
            throw new IllegalStateException("reading " + path, e);
        }
    }

    private static List<Integer> ints(String csv) {
        List<Integer> ints = new ArrayList<>();
        if (csv != null && !csv.isBlank()) {
            for (String part : csv.split(",")) {
                ints.add(Integer.parseInt(part.trim()));
            }
        }
        return ints;
    }
}
