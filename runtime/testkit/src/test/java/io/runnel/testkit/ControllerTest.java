package io.runnel.testkit;

import io.runnel.api.ErrorCode;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.Metadata;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The controller in a 3-broker in-process cluster with a real ZooKeeper: leader election from the
 * ISR with the fewest-leaders preference, controller fail-over, unclean election off and on, and
 * controlled shutdown. The tests read and (to set up an ISR) write the partition state znodes with
 * their own ZooKeeper client.
 */
@Timeout(180)
class ControllerTest {
    /** zookeeper.session.timeout.ms of the kit (10 s) plus 2 s. */
    private static final Duration FAIL_OVER = Duration.ofSeconds(12);

    private EmbeddedCluster cluster;
    private CuratorFramework zk;

    private record State(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch, long mzxid) {
    }

    private void start(Map<String, String> overrides) throws InterruptedException {
        cluster = EmbeddedCluster.start(3, overrides);
        zk = CuratorFrameworkFactory.newClient(cluster.zookeeperConnect(), new RetryOneTime(100));
        zk.start();
        assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS), "test ZooKeeper client connects");
        // Each broker has seen its own registration when start returns, not necessarily the others'.
        for (int id = 0; id < 3; id++) {
            int via = id;
            Await.until("broker " + via + " seeing 3 brokers", FAIL_OVER, () -> liveBrokersSeenBy(via), n -> n == 3);
        }
    }

    private int liveBrokersSeenBy(int via) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            Metadata.Response response = client.call(new Metadata.Request(List.of(), false));
            return response.brokers().size();
        }
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

    @Test
    void leaderLossElectsFromTheIsrPreferringTheBrokerWithFewestLeaders() throws Exception {
        start(Map.of("controlled.shutdown.enable", "false"));
        String topic = createTopic(6, 3);
        Map<Integer, List<Integer>> replicas = replicas(topic);
        Map<Integer, State> before = fullIsr(topic, replicas);
        for (int p = 0; p < 6; p++) {
            assertEquals(List.of(p % 3, (p + 1) % 3, (p + 2) % 3), replicas.get(p), "round-robin placement of " + p);
            assertEquals(p % 3, before.get(p).leader(), "partition " + p + " is led by its first replica");
        }
        int controller = controllerId(anyBroker());
        int victim = (controller + 1) % 3; // not the controller: the controller's broker-loss path alone
        List<Integer> led = partitionsLedBy(before, victim);
        assertEquals(2, led.size());

        cluster.stopBroker(victim);
        Map<Integer, State> after = Await.until("new leaders for " + led + " after broker " + victim + " left",
                FAIL_OVER, () -> states(topic, 6), s -> led.stream().allMatch(p -> {
                    State st = s.get(p);
                    return st.leader() != victim && st.leader() != -1;
                }));
        Set<Integer> newLeaders = new HashSet<>();
        for (int p : led) {
            State st = after.get(p);
            assertTrue(before.get(p).isr().contains(st.leader()), "new leader of " + p + " comes from the ISR");
            assertEquals(before.get(p).leaderEpoch() + 1, st.leaderEpoch(), "leader epoch of " + p + " raised");
            assertFalse(st.isr().contains(victim), "ISR of " + p + " shrunk to the live members: " + st.isr());
            assertTrue(st.isr().contains(st.leader()));
            newLeaders.add(st.leader());
        }
        // Both survivors led two partitions: the first move goes to the earlier replica, the second to
        // the other survivor, which then leads fewer.
        assertEquals(2, newLeaders.size(), "fewest-leaders spreads the moved partitions: " + after);
        for (int p = 0; p < 6; p++) {
            if (!led.contains(p)) {
                assertEquals(before.get(p), after.get(p), "partition " + p + " untouched");
            }
        }
        int survivor = (victim + 1) % 3;
        Metadata.Topic seen = Await.until("metadata showing the new leaders", FAIL_OVER,
                () -> metadata(survivor, topic), t -> t.partitions().stream().allMatch(
                        p -> p.errorCode() == ErrorCode.NONE.code() && p.leader() != victim));
        assertEquals(6, seen.partitions().size());
    }

    @Test
    void aTopicWhoseCreatorDiedBeforeWritingItsStatesGetsThemFromTheController() throws Exception {
        start(Map.of());
        // What a creating broker leaves behind when it dies between the two writes: the topic, no states.
        zk.create().creatingParentsIfNeeded().forPath("/brokers/topics/orphan",
                new io.runnel.broker.internal.metadata.TopicAssignment("orphan", "orphan-id",
                        Map.of(0, List.of(1, 2, 0), 1, List.of(2, 0, 1)), Map.of()).encode());
        Map<Integer, State> states = Await.until("the controller to write the missing states", Duration.ofSeconds(30),
                () -> states("orphan", 2), found -> found.size() == 2);
        for (State state : states.values()) {
            assertTrue(state.leader() >= 0, "a leader: " + state);
            assertEquals(3, state.isr().size(), "every live replica in sync, as at creation: " + state);
            assertEquals(state.leader(), state.isr().get(0), "the leader first: " + state);
        }
    }

    @Test
    void anotherBrokerTakesOverWhenTheControllerStops() throws Exception {
        start(Map.of("controlled.shutdown.enable", "false"));
        String topic = createTopic(3, 3);
        fullIsr(topic, replicas(topic));
        int controller = controllerId(anyBroker());
        assertTrue(controller >= 0 && controller < 3, "a controller is elected: " + controller);
        long epochBefore = controllerEpoch();

        cluster.stopBroker(controller);
        int survivor = (controller + 1) % 3;
        int next = Await.until("another controller", FAIL_OVER, () -> controllerId(survivor),
                id -> id != -1 && id != controller);
        assertTrue(controllerEpoch() > epochBefore, "controller epoch raised");
        // It took over the partitions the old controller's broker led.
        Await.until("no partition led by the stopped controller", FAIL_OVER, () -> states(topic, 3),
                s -> s.values().stream().allMatch(st -> st.leader() != controller && st.leader() != -1));

        // And it handles a later loss: the third broker goes, the new controller leads everything.
        int third = 3 - controller - next;
        List<Integer> ledByThird = partitionsLedBy(states(topic, 3), third);
        assertFalse(ledByThird.isEmpty(), "broker " + third + " leads a partition");
        cluster.stopBroker(third);
        Map<Integer, State> after = Await.until("every partition led by broker " + next, FAIL_OVER,
                () -> states(topic, 3), s -> s.values().stream().allMatch(st -> st.leader() == next));
        for (int p : ledByThird) {
            State st = after.get(p);
            assertEquals(List.of(next), st.isr(), "ISR of " + p + " shrunk to the live members");
            assertTrue(st.controllerEpoch() > epochBefore, "written by the new controller: " + st);
        }
        assertEquals(next, controllerId(next));
    }

    @Test
    void aControllerWhoseEpochWasOvertakenWritesNothingAndItsSuccessorFinishesTheWork() throws Exception {
        start(Map.of("controlled.shutdown.enable", "false"));
        String topic = createTopic(3, 3);
        Map<Integer, State> before = fullIsr(topic, replicas(topic));
        int controller = controllerId(anyBroker());
        int victim = (controller + 1) % 3;
        int third = 3 - controller - victim;
        List<Integer> led = partitionsLedBy(before, victim);
        assertFalse(led.isEmpty());

        // As if another broker had taken office: /controller_epoch goes past the controller's epoch.
        Stat stat = new Stat();
        long epoch = Long.parseLong(new String(zk.getData().storingStatIn(stat).forPath("/controller_epoch"),
                StandardCharsets.UTF_8).trim());
        zk.setData().withVersion(stat.getVersion()).forPath("/controller_epoch",
                String.valueOf(epoch + 5).getBytes(StandardCharsets.UTF_8));

        cluster.stopBroker(victim);
        // The stale controller must not move the partitions: for 3 s their states stay as they were.
        AssertionError stayed = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> Await.until("a write by the stale controller", Duration.ofSeconds(3), () -> states(topic, 3),
                        s -> led.stream().anyMatch(p -> !s.get(p).equals(before.get(p)))));
        assertTrue(stayed.getMessage().contains("timed out"), stayed.getMessage());

        // Its broker goes; the next controller (epoch above the fake one) finds the half-done work.
        cluster.stopBroker(controller);
        Map<Integer, State> after = Await.until("every partition led by " + third, FAIL_OVER, () -> states(topic, 3),
                s -> s.values().stream().allMatch(st -> st.leader() == third));
        for (int p : led) {
            assertTrue(after.get(p).controllerEpoch() > epoch + 5, "written by the successor: " + after.get(p));
        }
        assertEquals(third, controllerId(third));
    }

    @Test
    void uncleanElectionOffKeepsThePartitionOfflineAndOnElectsTheReturningReplica() throws Exception {
        start(Map.of("controlled.shutdown.enable", "false", "replica.lag.time.max.ms", "1000"));
        String topic = createTopic(1, 2);
        List<Integer> replicas = replicas(topic).get(0);
        int leader = replicas.get(0);
        int follower = replicas.get(1);
        int other = 3 - leader - follower;
        // The follower falls out of sync: it stops, and the leader drops it from the ISR after the lag time.
        cluster.stopBroker(follower);
        State start = Await.until("ISR = [leader]", FAIL_OVER, () -> states(topic, 1).get(0),
                s -> s.isr().equals(List.of(leader)));

        cluster.stopBroker(leader);
        State offline = Await.until("partition offline", FAIL_OVER, () -> states(topic, 1).get(0),
                s -> s.leader() == -1);
        assertEquals(List.of(leader), offline.isr(), "the ISR keeps its last member");
        assertTrue(offline.leaderEpoch() > start.leaderEpoch());
        Metadata.Partition answered = Await.until("LEADER_NOT_AVAILABLE", FAIL_OVER,
                () -> metadata(other, topic).partitions().get(0), p -> p.leader() == -1);
        assertEquals(ErrorCode.LEADER_NOT_AVAILABLE.code(), answered.errorCode());

        cluster.startBroker(follower);
        // Proof that the controller has looked since the follower came back: it recreates a state
        // znode we delete afterwards (its passes run in order of the events it sees).
        String probe = createTopic(1, 1);
        String probePath = "/brokers/topics/" + probe + "/partitions/0/state";
        zk.delete().forPath(probePath);
        Await.until("the controller recreating " + probePath, FAIL_OVER, () -> exists(probePath), e -> e);
        assertEquals(-1, states(topic, 1).get(0).leader(), "out-of-sync replica " + follower + " not elected");
        assertEquals(ErrorCode.LEADER_NOT_AVAILABLE.code(), metadata(follower, topic).partitions().get(0).errorCode());

        // Unclean election on for the topic: the out-of-sync replica leads, alone in the ISR.
        String topicPath = "/brokers/topics/" + topic;
        Stat stat = new Stat();
        String assignment = new String(zk.getData().storingStatIn(stat).forPath(topicPath), StandardCharsets.UTF_8);
        zk.setData().withVersion(stat.getVersion()).forPath(topicPath,
                (assignment + "config.unclean.leader.election.enable=true\n").getBytes(StandardCharsets.UTF_8));
        State unclean = Await.until("unclean election of " + follower, FAIL_OVER, () -> states(topic, 1).get(0),
                s -> s.leader() == follower);
        assertEquals(List.of(follower), unclean.isr());
        assertTrue(unclean.leaderEpoch() > offline.leaderEpoch());
        Await.until("metadata showing leader " + follower, FAIL_OVER, () -> metadata(follower, topic).partitions().get(0),
                p -> p.errorCode() == ErrorCode.NONE.code() && p.leader() == follower);
    }

    @Test
    void uncleanElectionOnInTheBrokerConfigElectsTheFirstLiveReplica() throws Exception {
        start(Map.of("controlled.shutdown.enable", "false", "unclean.leader.election.enable", "true",
                "replica.lag.time.max.ms", "1000"));
        String topic = createTopic(1, 2);
        List<Integer> replicas = replicas(topic).get(0);
        int leader = replicas.get(0);
        int follower = replicas.get(1);
        // The follower falls out of sync (stopped, dropped by the leader after the lag time), the
        // leader goes, and the out-of-sync follower comes back.
        cluster.stopBroker(follower);
        Await.until("ISR = [leader]", FAIL_OVER, () -> states(topic, 1).get(0), s -> s.isr().equals(List.of(leader)));

        cluster.stopBroker(leader);
        cluster.startBroker(follower);
        State unclean = Await.until("unclean election of " + follower, FAIL_OVER, () -> states(topic, 1).get(0),
                s -> s.leader() == follower);
        assertEquals(List.of(follower), unclean.isr());
    }

    @Test
    void controlledShutdownMovesLeadershipsBeforeTheBrokerLeaves() throws Exception {
        start(Map.of());
        String topic = createTopic(6, 3);
        Map<Integer, State> before = fullIsr(topic, replicas(topic));
        int controller = controllerId(anyBroker());
        for (int victim : new int[]{(controller + 1) % 3, controller}) {
            List<Integer> led = partitionsLedBy(before, victim);
            assertFalse(led.isEmpty(), "broker " + victim + " leads partitions: " + before);
            cluster.stopBroker(victim);
            // Right after close() returns: moved already, and written before the registration went
            // (state mzxid below the zxid of the last change of /brokers/ids' children).
            Stat ids = zk.checkExists().forPath("/brokers/ids");
            Map<Integer, State> after = states(topic, 6);
            for (int p : led) {
                State st = after.get(p);
                assertNotEquals(victim, st.leader(), "partition " + p + " still led by stopped broker " + victim);
                assertNotEquals(-1, st.leader());
                assertTrue(st.mzxid() < ids.getPzxid(), "partition " + p + " moved before broker " + victim
                        + " deregistered (state zxid " + st.mzxid() + ", deregistration " + ids.getPzxid() + ")");
                assertEquals(before.get(p).leaderEpoch() + 1, st.leaderEpoch());
                assertFalse(st.isr().contains(victim));
            }
            before = after;
        }
    }

    // --- helpers ---

    private int anyBroker() {
        for (int id = 0; id < 3; id++) {
            if (cluster.broker(id) != null) {
                return id;
            }
        }
        throw new IllegalStateException("no broker running");
    }

    private int controllerId(int via) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            Metadata.Response response = client.call(new Metadata.Request(List.of(), false));
            return response.controllerId();
        }
    }

    private Metadata.Topic metadata(int via, String topic) {
        try (RawClient client = new RawClient(cluster.broker(via).advertisedAddress())) {
            Metadata.Response response = client.call(new Metadata.Request(List.of(topic), false));
            return response.topics().get(0);
        }
    }

    private int topicCount;

    private String createTopic(int partitions, int replicationFactor) {
        String name = "c" + (++topicCount);
        try (RawClient client = new RawClient(cluster.bootstrapServers().split(",")[0])) {
            CreateTopics.Response created = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic(name, partitions, (short) replicationFactor, Map.of())), 30_000, false));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.topics().get(0).errorMessage());
        }
        Await.until("states of " + name, FAIL_OVER, () -> states(name, partitions),
                s -> s.size() == partitions && s.values().stream().allMatch(st -> st.leader() != -1));
        return name;
    }

    private Map<Integer, List<Integer>> replicas(String topic) {
        Properties values = read("/brokers/topics/" + topic, null);
        Map<Integer, List<Integer>> replicas = new TreeMap<>();
        int count = Integer.parseInt(values.getProperty("partitions"));
        for (int p = 0; p < count; p++) {
            replicas.put(p, ints(values.getProperty("replicas." + p)));
        }
        return replicas;
    }

    /** Makes every replica an ISR member (what replication does once the followers caught up). */
    private Map<Integer, State> fullIsr(String topic, Map<Integer, List<Integer>> replicas) throws Exception {
        for (Map.Entry<Integer, List<Integer>> e : replicas.entrySet()) {
            State now = states(topic, replicas.size()).get(e.getKey());
            if (!new HashSet<>(now.isr()).equals(new HashSet<>(e.getValue()))) {
                writeState(topic, e.getKey(), s -> s.put("isr", e.getValue().stream().map(String::valueOf)
                        .collect(Collectors.joining(","))));
            }
        }
        return Await.until("full ISRs of " + topic, FAIL_OVER, () -> states(topic, replicas.size()),
                s -> s.entrySet().stream().allMatch(e -> e.getValue().isr().size() == replicas.get(e.getKey()).size()));
    }

    private void writeState(String topic, int partition, java.util.function.Consumer<Properties> change) throws Exception {
        String path = "/brokers/topics/" + topic + "/partitions/" + partition + "/state";
        Stat stat = new Stat();
        Properties values = read(path, stat);
        change.accept(values);
        StringBuilder text = new StringBuilder();
        new TreeMap<>(values).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        zk.setData().withVersion(stat.getVersion()).forPath(path, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private Map<Integer, State> states(String topic, int partitions) {
        Map<Integer, State> states = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            String path = "/brokers/topics/" + topic + "/partitions/" + p + "/state";
            if (!exists(path)) {
                continue;
            }
            Stat stat = new Stat();
            Properties v = read(path, stat);
            states.put(p, new State(Integer.parseInt(v.getProperty("leader")), Integer.parseInt(v.getProperty("leaderEpoch")),
                    ints(v.getProperty("isr")), Integer.parseInt(v.getProperty("controllerEpoch", "0")), stat.getMzxid()));
        }
        return states;
    }

    private static List<Integer> partitionsLedBy(Map<Integer, State> states, int broker) {
        List<Integer> led = new ArrayList<>();
        states.forEach((p, s) -> {
            if (s.leader() == broker) {
                led.add(p);
            }
        });
        return led;
    }

    private long controllerEpoch() throws Exception {
        return Long.parseLong(new String(zk.getData().forPath("/controller_epoch"), StandardCharsets.UTF_8).trim());
    }

    private boolean exists(String path) {
        try {
            return zk.checkExists().forPath(path) != null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Properties read(String path, Stat stat) {
        try {
            byte[] data = stat == null ? zk.getData().forPath(path) : zk.getData().storingStatIn(stat).forPath(path);
            Properties values = new Properties();
            values.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
