package io.runnel.testkit;

import io.runnel.broker.Broker;
import org.apache.curator.test.TestingServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An in-process Runnel cluster for tests: a real ZooKeeper server (Curator's {@code TestingServer})
 * and {@code n} brokers with the built-in plugins, each on a free loopback port with its own
 * temporary log directory. {@link #close()} stops everything and deletes the directories.
 *
 * <pre>
 *   try (EmbeddedCluster cluster = EmbeddedCluster.start(1, Map.of())) {
 *       String bootstrap = cluster.bootstrapServers();
 *       ...
 *   }
 * </pre>
 *
 * <p>Thread safe.
 */
public final class EmbeddedCluster implements AutoCloseable {
    private final TestingServer zookeeper;
    private final Path root;
    private final Map<String, String> overrides;
    private final List<Broker> brokers = new ArrayList<>();
    private final Map<Integer, Broker> byId = new HashMap<>();

    private EmbeddedCluster(TestingServer zookeeper, Path root, Map<String, String> overrides) {
        this.zookeeper = zookeeper;
        this.root = root;
        this.overrides = Map.copyOf(overrides);
    }

    /**
     * Starts ZooKeeper and {@code brokers} brokers (ids 0 .. n-1).
     *
     * @param brokerOverrides broker properties applied to every broker, over the kit's own
     */
    public static EmbeddedCluster start(int brokers, Map<String, String> brokerOverrides) {
        Path root;
        TestingServer zookeeper;
        try {
            root = Files.createTempDirectory("runnel-cluster");
            zookeeper = new TestingServer(true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start ZooKeeper for the test cluster", e);
        }
        EmbeddedCluster cluster = new EmbeddedCluster(zookeeper, root, brokerOverrides);
        try {
            for (int id = 0; id < brokers; id++) {
                cluster.startBroker(id);
            }
            cluster.awaitEveryBrokerSeesAll();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Waits until every running broker's metadata lists every running broker: a broker returns
     * from start-up once it sees itself, not necessarily the ones started after it.
     */
    public synchronized void awaitEveryBrokerSeesAll() {
        int expected = brokers.size();
        for (Broker broker : brokers) {
            // The listener itself, not the advertised address: a test may advertise a proxy that is not up yet.
            java.net.InetSocketAddress bound = broker.boundAddress();
            try (RawClient client = new RawClient(bound.getHostString() + ":" + bound.getPort())) {
                Await.until("broker " + broker.brokerId() + " to see " + expected + " brokers", java.time.Duration.ofSeconds(30),
                        () -> client.<io.runnel.protocol.message.Metadata.Response>call(
                                new io.runnel.protocol.message.Metadata.Request(java.util.List.of(), false)).brokers().size(),
                        n -> n == expected);
            }
        }
    }

    /** The configuration broker {@code id} starts with. */
    public Map<String, String> brokerConfig(int id) {
        Map<String, String> config = new HashMap<>();
        config.put("broker.id", String.valueOf(id));
        config.put("listeners", "PLAINTEXT://127.0.0.1:0");
        config.put("log.dirs", root.resolve("broker-" + id).toString());
        config.put("zookeeper.connect", zookeeper.getConnectString());
        config.put("zookeeper.session.timeout.ms", "10000");
        config.put("num.io.threads", "4");
        config.put("num.network.threads", "2");
        config.putAll(overrides);
        return config;
    }

    /** Starts (or restarts) broker {@code id} with its log directory as it was left. */
    public synchronized Broker startBroker(int id) {
        if (byId.containsKey(id)) {
            throw new IllegalStateException("broker " + id + " is running");
        }
        Broker broker = Broker.start(brokerConfig(id), Optional.empty());
        brokers.add(broker);
        byId.put(id, broker);
        return broker;
    }

    /** Stops broker {@code id} cleanly. */
    public synchronized void stopBroker(int id) {
        Broker broker = byId.remove(id);
        if (broker != null) {
            brokers.remove(broker);
            broker.close();
        }
    }

    public synchronized Broker broker(int id) {
        return byId.get(id);
    }

    /** {@code host:port,...} of the running brokers, for {@code bootstrap.servers}. */
    public synchronized String bootstrapServers() {
        return brokers.stream().map(Broker::advertisedAddress).collect(Collectors.joining(","));
    }

    public String zookeeperConnect() {
        return zookeeper.getConnectString();
    }

    /** The log directory of broker {@code id}. */
    public Path logDir(int id) {
        return root.resolve("broker-" + id);
    }

    @Override
    public synchronized void close() {
        for (Broker broker : new ArrayList<>(brokers)) {
            broker.close();
        }
        brokers.clear();
        byId.clear();
        try {
            zookeeper.close();
        } catch (IOException e) {
            // best effort: the test is over
        }
        deleteRecursively(root);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
