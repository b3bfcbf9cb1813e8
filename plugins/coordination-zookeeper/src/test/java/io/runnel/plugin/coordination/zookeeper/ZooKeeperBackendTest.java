package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.Subscription;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.api.coordination.CommittedOffset;
import io.runnel.api.coordination.ControllerElection;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.api.coordination.Versioned;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real ZooKeeper server running in this JVM. */
@Timeout(120)
class ZooKeeperBackendTest {
    private TestingServer server;
    private final List<CoordinationBackend> backends = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        server = new TestingServer(true);
    }

    @AfterEach
    void stop() throws Exception {
        backends.forEach(CoordinationBackend::close);
        server.close();
    }

    private CoordinationBackend backend(int brokerId, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of("zookeeper.connect", server.getConnectString() + "/runnel/test",
                "zookeeper.session.timeout.ms", "4000"));
        config.putAll(extra);
        CoordinationBackend backend = new ZooKeeperBackendProvider().create(() -> OptionalInt.of(brokerId), config);
        backends.add(backend);
        backend.start().join();
        return backend;
    }

    private CoordinationBackend backend(int brokerId) {
        return backend(brokerId, Map.of());
    }

    private static BrokerRegistration broker(int id) {
        return new BrokerRegistration(id, Map.of("PLAINTEXT", "127.0.0.1:" + (9090 + id)),
                id % 2 == 0 ? Optional.of("rack-even") : Optional.empty());
    }

    /** Waits for an element the predicate accepts, dropping others, until the deadline. */
    private static <T> T await(BlockingQueue<T> queue, Predicate<T> wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            T next = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (wanted.test(next)) {
                return next;
            }
        }
    }

    private static List<Integer> ids(List<BrokerRegistration> brokers) {
        return brokers.stream().map(BrokerRegistration::brokerId).toList();
    }

    @Test
    void brokersRegisterAndOthersSeeThemComeAndGo() throws Exception {
        CoordinationBackend one = backend(1);
        CoordinationBackend two = backend(2);
        one.brokers().register(broker(1)).join();
        BlockingQueue<List<BrokerRegistration>> seen = new LinkedBlockingQueue<>();
        Subscription watch = one.brokers().watch(seen::add);
        await(seen, list -> ids(list).equals(List.of(1)), "broker 1");
        two.brokers().register(broker(2)).join();
        List<BrokerRegistration> both = await(seen, list -> ids(list).equals(List.of(1, 2)), "brokers 1 and 2");
        assertEquals(broker(2), both.get(1), "endpoints and rack round-trip");
        assertEquals(List.of(broker(1), broker(2)), one.brokers().liveBrokers().join());

        two.close();
        await(seen, list -> ids(list).equals(List.of(1)), "broker 2 gone after its session closed");
        watch.close();
    }

    /** Another broker (other endpoints) with the same id is refused at once, not after a wait. */
    @Test
    void aBrokerIdTakenByALiveBrokerIsRefused() {
        backend(1).brokers().register(broker(7)).join();
        BrokerRegistration impostor = new BrokerRegistration(7, Map.of("PLAINTEXT", "10.0.0.9:9092"), Optional.empty());
        long start = System.nanoTime();
        CompletionException e = assertThrows(CompletionException.class, () -> backend(2).brokers().register(impostor).join());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "refused without waiting for a session");
        RunnelException cause = (RunnelException) e.getCause();
        assertEquals(ErrorCode.INVALID_CONFIG, cause.errorCode());
        assertTrue(cause.getMessage().contains("broker.id 7 is already registered"), cause.getMessage());
    }

    @Test
    void aBrokerWhoseSessionExpiresLeavesAndComesBack() throws Exception {
        CoordinationBackend victim = backend(1);
        CoordinationBackend observer = backend(2);
        victim.brokers().register(broker(1)).join();
        BlockingQueue<List<BrokerRegistration>> seen = new LinkedBlockingQueue<>();
        observer.brokers().watch(seen::add);
        await(seen, list -> ids(list).equals(List.of(1)), "broker 1");

        KillSession.kill(((ZooKeeperBackend) victim).client().getZookeeperClient().getZooKeeper());
        await(seen, List::isEmpty, "broker 1 gone with its session");
        await(seen, list -> ids(list).equals(List.of(1)), "broker 1 re-registered with its new session");
    }

    @Test
    void exactlyOneControllerAndTheEpochRisesWithEachTerm() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        CoordinationBackend one = backend(1);
        CoordinationBackend two = backend(2);
        one.controllerElection().participate(1, listener(1, events));
        String first = await(events, e -> e.startsWith("elected"), "a controller");
        two.controllerElection().participate(2, listener(2, events));
        assertEquals("elected 1 epoch 1", first);
        assertEquals(OptionalInt.of(1), two.controllerElection().currentController().join());

        one.close();
        await(events, e -> e.equals("elected 2 epoch 2"), "broker 2 takes over with epoch 2");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!two.controllerElection().currentController().join().equals(OptionalInt.of(2))) {
            assertTrue(System.nanoTime() < deadline, "/controller names broker 2");
            Thread.onSpinWait();
        }
    }

    /** Leaving the election (not the session) hands the controllership over. */
    @Test
    void closingTheLeadersParticipationElectsAnother() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        CoordinationBackend one = backend(1);
        CoordinationBackend two = backend(2);
        Subscription first = one.controllerElection().participate(1, listener(1, events));
        await(events, e -> e.equals("elected 1 epoch 1"), "broker 1 elected");
        two.controllerElection().participate(2, listener(2, events));
        first.close();
        await(events, e -> e.equals("elected 2 epoch 2"), "broker 2 elected after broker 1 left");
        assertEquals(OptionalInt.of(2), one.controllerElection().currentController().join());
    }

    private static ControllerElection.Listener listener(int id, BlockingQueue<String> events) {
        return new ControllerElection.Listener() {
            @Override
            public void elected(long epoch) {
                events.add("elected " + id + " epoch " + epoch);
            }

            @Override
            public void resigned() {
                events.add("resigned " + id);
            }
        };
    }

    @Test
    void metadataWritesAreVersionedAndWatched() throws Exception {
        CoordinationBackend backend = backend(1);
        var store = backend.metadata();
        BlockingQueue<Optional<Versioned<byte[]>>> values = new LinkedBlockingQueue<>();
        BlockingQueue<List<String>> children = new LinkedBlockingQueue<>();
        store.watch("/topics/orders", values::add);
        store.watchChildren("/topics", children::add);
        await(values, Optional::isEmpty, "absent at first");

        assertEquals(0, store.create("/topics/orders", bytes("partitions=3")).join());
        await(values, v -> v.isPresent() && text(v.get().value()).equals("partitions=3"), "the created value");
        await(children, c -> c.equals(List.of("orders")), "the new child");
        assertThrows(CompletionException.class, () -> store.create("/topics/orders", bytes("again")).join());

        assertEquals(1, store.compareAndSet("/topics/orders", bytes("partitions=6"), 0).join());
        CompletionException stale = assertThrows(CompletionException.class,
                () -> store.compareAndSet("/topics/orders", bytes("partitions=9"), 0).join());
        assertTrue(stale.getCause() instanceof VersionConflictException, stale.getCause().toString());
        assertEquals("partitions=6", text(store.get("/topics/orders").join().orElseThrow().value()));
        await(values, v -> v.isPresent() && v.get().version() == 1, "version 1");

        CompletionException unversioned = assertThrows(CompletionException.class,
                () -> store.compareAndSet("/topics/orders", bytes("x"), -1).join());
        assertEquals(ErrorCode.INVALID_REQUEST, ((RunnelException) unversioned.getCause()).errorCode());

        store.create("/topics/payments/partitions/0", bytes("leader=1")).join();
        assertThrows(CompletionException.class, () -> store.delete("/topics/payments", 0).join());
        assertEquals(List.of("0"), store.children("/topics/payments/partitions").join(),
                "a versioned delete of a node with children removes nothing");
        assertEquals(List.of("orders", "payments"), store.children("/topics").join());
        store.delete("/topics/payments", -1).join();
        store.delete("/topics/orders", 1).join();
        await(values, Optional::isEmpty, "deleted");
        await(children, List::isEmpty, "no children left");
        assertEquals(List.of(), store.children("/nowhere").join());
        assertThrows(RunnelException.class, () -> store.get("relative/path"));
    }

    @Test
    void aGuardedCompareAndSetWritesOnlyWhileTheGuardKeepsItsVersion() {
        CoordinationBackend backend = backend(1);
        var store = backend.metadata();
        store.create("/epoch", bytes("7")).join();
        store.create("/state", bytes("leader=1")).join();

        assertEquals(1, store.compareAndSet("/state", bytes("leader=2"), 0, "/epoch", 0).join());
        CompletionException staleState = assertThrows(CompletionException.class,
                () -> store.compareAndSet("/state", bytes("leader=3"), 0, "/epoch", 0).join());
        assertTrue(staleState.getCause() instanceof VersionConflictException, staleState.getCause().toString());

        store.compareAndSet("/epoch", bytes("8"), 0).join(); // a successor took office
        CompletionException fenced = assertThrows(CompletionException.class,
                () -> store.compareAndSet("/state", bytes("leader=3"), 1, "/epoch", 0).join());
        assertTrue(fenced.getCause() instanceof VersionConflictException, fenced.getCause().toString());
        assertEquals("leader=2", text(store.get("/state").join().orElseThrow().value()), "the fenced write changed nothing");

        CompletionException noGuard = assertThrows(CompletionException.class,
                () -> store.compareAndSet("/state", bytes("leader=3"), 1, "/nowhere", 0).join());
        assertTrue(noGuard.getCause() instanceof VersionConflictException, noGuard.getCause().toString());
        assertEquals(2, store.compareAndSet("/state", bytes("leader=4"), 1, "/epoch", 1).join());
    }

    @Test
    void groupOffsetsCommitTogetherAndStateIsVersioned() {
        CoordinationBackend backend = backend(1);
        var groups = backend.groups();
        TopicPartition a0 = new TopicPartition("a", 0);
        TopicPartition a1 = new TopicPartition("a", 1);
        TopicPartition b0 = new TopicPartition("b", 0);
        String tricky = "  lead\r\nx=y:z#\u00e9\t";
        groups.commitOffsets("g", Map.of(a0, new CommittedOffset(10, 1, "", 100L), a1,
                new CommittedOffset(20, 1, tricky, 100L), b0, new CommittedOffset(5, -1, "", 100L))).join();
        assertEquals(Map.of(a0, new CommittedOffset(10, 1, "", 100L), a1, new CommittedOffset(20, 1, tricky, 100L),
                b0, new CommittedOffset(5, -1, "", 100L)), groups.fetchOffsets("g", Set.of()).join());
        groups.commitOffsets("g", Map.of(a0, new CommittedOffset(11, 2, "", 200L), a1, new CommittedOffset(21, 2, "", 200L)))
                .join();
        assertEquals(Map.of(a0, new CommittedOffset(11, 2, "", 200L)), groups.fetchOffsets("g", Set.of(a0)).join());
        assertEquals(Map.of(), groups.fetchOffsets("g", Set.of(new TopicPartition("c", 0))).join());

        assertEquals(0, groups.storeState("g", bytes("generation=1"), -1).join());
        assertEquals(1, groups.storeState("g", bytes("generation=2"), 0).join());
        assertThrows(CompletionException.class, () -> groups.storeState("g", bytes("generation=3"), 0).join());
        assertEquals("generation=2", text(groups.loadState("g").join().orElseThrow().value()));
        assertEquals(List.of("g"), groups.listGroups().join());

        groups.deleteOffsets("g", Set.of(a1)).join();
        assertEquals(Set.of(a0, b0), groups.fetchOffsets("g", Set.of()).join().keySet());
        groups.deleteGroup("g").join();
        assertEquals(List.of(), groups.listGroups().join());
        assertTrue(groups.loadState("g").join().isEmpty());
    }

    @Test
    void everythingLivesUnderTheChroot() throws Exception {
        backend(3).brokers().register(broker(3)).join();
        try (CuratorFramework raw = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            assertNotNull(raw.checkExists().forPath("/runnel/test/brokers/ids/3"));
            assertEquals(null, raw.checkExists().forPath("/brokers"));
        }
    }

    @Test
    void configurationAndConnectionProblemsAreClear() throws Exception {
        RunnelException missing = assertThrows(RunnelException.class,
                () -> new ZooKeeperBackendProvider().create(OptionalInt::empty, Map.of()));
        assertEquals(ErrorCode.INVALID_CONFIG, missing.errorCode());
        assertTrue(missing.getMessage().contains("zookeeper.connect"), missing.getMessage());

        RunnelException bad = assertThrows(RunnelException.class,
                () -> new ZooKeeperBackendProvider().create(OptionalInt::empty, Map.of("zookeeper.connect", "host:1/a/")));
        assertTrue(bad.getMessage().contains("'host:1/a/'"), bad.getMessage());

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CoordinationBackend nowhere = new ZooKeeperBackendProvider().create(OptionalInt::empty,
                Map.of("zookeeper.connect", "127.0.0.1:" + closedPort, "zookeeper.connection.timeout.ms", "1000"));
        backends.add(nowhere);
        CompletionException e = assertThrows(CompletionException.class, () -> nowhere.start().join());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, ((RunnelException) e.getCause()).errorCode());
        assertTrue(e.getCause().getMessage().contains("127.0.0.1:" + closedPort), e.getCause().getMessage());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
