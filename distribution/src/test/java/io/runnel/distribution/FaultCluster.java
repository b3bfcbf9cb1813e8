package io.runnel.distribution;

import io.runnel.client.PartitionInfo;
import io.runnel.client.admin.ClusterDescription;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * ZooKeeper and {@value #BROKERS} brokers as OS processes from the unpacked distribution, each
 * broker behind a {@link LinkProxy} that it advertises (clients and the other brokers' replica
 * fetchers reach it through the proxy; it listens on its own port), and reaching ZooKeeper through
 * a proxy of its own. Knows each broker's process, so a nemesis can SIGKILL, SIGSTOP / SIGCONT or
 * restart it, and cut it off from its peers or from ZooKeeper.
 * {@link #close()} stops everything it started (SIGCONT first for a stopped broker) and the proxies.
 */
final class FaultCluster implements Closeable {
    static final int BROKERS = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    final Settings settings;
    private final Distribution dist;
    private final Path work;
    private final int zkPort;
    private final int[] ports = new int[BROKERS];
    private final LinkProxy[] proxies = new LinkProxy[BROKERS];
    private final LinkProxy[] zkProxies = new LinkProxy[BROKERS];
    private final Process[] brokers = new Process[BROKERS];
    private final boolean[] stopped = new boolean[BROKERS];
    private final int[] starts = new int[BROKERS];
    private final Map<String, String> brokerOverrides = new java.util.LinkedHashMap<>();
    private Process zookeeper;

    /** The cluster's timing settings; the fault test's bounds follow from them. */
    record Settings(int sessionTimeoutMs, int zkTickTimeMs, int replicaLagTimeMaxMs) {
    }

    FaultCluster(Distribution dist, Path work, Settings settings) throws IOException {
        this.dist = dist;
        this.work = Files.createDirectories(work);
        this.settings = settings;
        this.zkPort = freePort();
        for (int i = 0; i < BROKERS; i++) {
            ports[i] = freePort();
            proxies[i] = new LinkProxy("broker-" + i, new InetSocketAddress("127.0.0.1", ports[i]), true);
            zkProxies[i] = new LinkProxy("zookeeper-for-" + i, new InetSocketAddress("127.0.0.1", zkPort), false);
        }
    }

    /** Adds a broker setting ({@code --override key=value}) for every start from now on; call before {@link #start()}. */
    FaultCluster brokerOverride(String key, String value) {
        brokerOverrides.put(key, value);
        return this;
    }

    /** Starts ZooKeeper and the brokers and waits until every broker sees all of them and a controller. */
    void start() throws IOException {
        Path zkConfig = work.resolve("zookeeper.properties");
        // tickTime bounds how late ZooKeeper notices an expired session (it checks once a tick); the
        // default 2000 ms would add up to 2 s to every fail-over after a crash. Sessions may be
        // 2 to 20 ticks long, so 500 ms allows the brokers' session timeout.
        Files.writeString(zkConfig, "dataDir=" + work.resolve("zookeeper") + "\nclientPort=" + zkPort
                + "\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\nadmin.enableServer=false\n"
                + "4lw.commands.whitelist=ruok,srvr,stat\ntickTime=" + settings.zkTickTimeMs() + "\n");
        zookeeper = startProcess(work.resolve("zookeeper.log"), "zookeeper-start", zkConfig.toString());
        for (int i = 0; i < BROKERS; i++) {
            brokers[i] = startBroker(i);
        }
        for (int i = 0; i < BROKERS; i++) {
            int id = i;
            Waits.until("broker " + id + " to see " + BROKERS + " brokers and a controller", START_TIMEOUT, () -> {
                ClusterDescription c = admin(id, a -> a.describeCluster());
                return c.nodes().size() == BROKERS && c.controllerId() >= 0;
            });
        }
    }

    private Process startBroker(int id) throws IOException {
        starts[id]++;
        List<String> args = new ArrayList<>(List.of("server-start", dist.home.resolve("config/server.properties").toString(),
                "--override", "broker.id=" + id,
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + ports[id],
                "--override", "advertised.listeners=PLAINTEXT://" + proxies[id].address(),
                "--override", "log.dirs=" + work.resolve("broker-" + id),
                "--override", "zookeeper.connect=" + zkProxies[id].address(),
                "--override", "zookeeper.session.timeout.ms=" + settings.sessionTimeoutMs(),
                "--override", "replica.lag.time.max.ms=" + settings.replicaLagTimeMaxMs(),
                "--override", "min.insync.replicas=2",
                "--override", "unclean.leader.election.enable=false",
                "--override", "auto.create.topics.enable=false"));
        brokerOverrides.forEach((key, value) -> args.addAll(List.of("--override", key + "=" + value)));
        return startProcess(work.resolve("broker-" + id + "." + starts[id] + ".log"), args.toArray(String[]::new));
    }

    private Process startProcess(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(dist.home.resolve("bin/runnel").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dist.home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("RUNNEL_HEAP_OPTS", "-Xms64m -Xmx384m");
        return builder.start();
    }

    /** Creates the topic (replication factor 3, min.insync.replicas 2) and waits for full ISRs. */
    void createTopic(String topic, int partitions) {
        admin(0, a -> a.createTopics(List.of(new NewTopic(topic, partitions, (short) BROKERS,
                Map.of("min.insync.replicas", "2", "unclean.leader.election.enable", "false")))).get(topic));
        awaitFullIsr(topic, START_TIMEOUT);
    }

    /** Waits until every partition has a leader and all replicas in its ISR, as every broker sees it. */
    void awaitFullIsr(String topic, Duration timeout) {
        Waits.until("every partition of " + topic + " to have a leader and " + BROKERS + " in-sync replicas", timeout,
                () -> {
                    for (int id = 0; id < BROKERS; id++) {
                        for (PartitionInfo p : partitions(id, topic)) {
                            if (p.leader() == null || p.isr().size() != BROKERS) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
    }

    /** The topic's partitions as broker {@code id} describes them (its metadata cache). */
    List<PartitionInfo> partitions(int id, String topic) {
        TopicDescription d = admin(id, a -> a.describeTopics(List.of(topic))).get(topic);
        return d.partitions();
    }

    /** The leader of the partition as broker {@code askedBroker} sees it, if it names one. */
    Optional<Integer> leader(int askedBroker, String topic, int partition) {
        for (PartitionInfo p : partitions(askedBroker, topic)) {
            if (p.partition() == partition) {
                return Optional.ofNullable(p.leader()).map(n -> n.id());
            }
        }
        return Optional.empty();
    }

    /** Bootstrap list: every broker's advertised (proxy) address. */
    String bootstrap() {
        return IntStream.range(0, BROKERS).mapToObj(i -> proxies[i].address()).collect(Collectors.joining(","));
    }

    /** SIGKILL (Process.destroyForcibly on Unix), then waits for the process to be gone. */
    void kill(int id) throws IOException, InterruptedException {
        Process p = brokers[id];
        if (stopped[id]) {
            cont(id);
        }
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("broker " + id + " (pid " + p.pid() + ") did not die within 30 s of SIGKILL");
        }
        // Its TCP connections died with it; the proxy's halves of them too.
        proxies[id].closeConnections();
    }

    /** Starts broker {@code id} again from its data folder (same ports). */
    void restart(int id) throws IOException {
        if (brokers[id].isAlive()) {
            throw new IllegalStateException("broker " + id + " is still running");
        }
        brokers[id] = startBroker(id);
    }

    /** {@code kill -STOP}: the broker freezes, its sockets stay open, its ZooKeeper session expires later. */
    void stop(int id) throws IOException, InterruptedException {
        signal(id, "STOP");
        stopped[id] = true;
    }

    /** {@code kill -CONT}: the stopped broker runs again, believing what it believed when stopped. */
    void cont(int id) throws IOException, InterruptedException {
        signal(id, "CONT");
        stopped[id] = false;
    }

    private void signal(int id, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(brokers[id].pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + brokers[id].pid() + " failed");
        }
    }

    /**
     * Black-holes every replication link between broker {@code victim} and the others: its
     * fetchers' connections to them and theirs to it. Clients still reach every broker.
     */
    void isolateFromPeers(int victim) {
        String victimFetcher = "replica-fetcher-" + victim;
        for (int id = 0; id < BROKERS; id++) {
            if (id == victim) {
                proxies[id].blackHole(clientId -> clientId.startsWith("replica-fetcher-") && !clientId.equals(victimFetcher));
            } else {
                proxies[id].blackHole(clientId -> clientId.equals(victimFetcher));
            }
        }
    }

    /**
     * Black-holes broker {@code victim}'s connections to ZooKeeper (it reaches ZooKeeper through
     * a proxy of its own): its session expires there while it still runs and still reaches the
     * other brokers and the clients.
     */
    void cutFromZooKeeper(int victim) {
        zkProxies[victim].blackHole(clientId -> true);
    }

    /** Ends every cut: new connections go through again; the black-holed ones are closed. */
    void heal() {
        for (LinkProxy proxy : proxies) {
            proxy.heal();
        }
        for (LinkProxy proxy : zkProxies) {
            proxy.heal();
        }
    }

    boolean isAlive(int id) {
        return brokers[id].isAlive();
    }

    Path work() {
        return work;
    }

    /** The last lines of broker {@code id}'s current log, for failure messages. */
    String logTail(int id, int lines) {
        try {
            List<String> all = Files.readAllLines(work.resolve("broker-" + id + "." + starts[id] + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Runs {@code call} with a fresh admin client bootstrapped on broker {@code id} alone; short timeouts. */
    <T> T admin(int id, AdminCall<T> call) {
        Map<String, String> config = new HashMap<>();
        config.put("bootstrap.servers", proxies[id].address());
        config.put("request.timeout.ms", "2000");
        config.put("default.api.timeout.ms", "3000");
        try (RunnelAdmin admin = RunnelAdmin.create(config)) {
            return call.apply(admin).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("broker " + id + ": " + e, e);
        }
    }

    interface AdminCall<T> {
        java.util.concurrent.CompletableFuture<T> apply(RunnelAdmin admin);
    }

    @Override
    public void close() {
        for (int i = 0; i < BROKERS; i++) {
            Process p = brokers[i];
            if (p != null && p.isAlive()) {
                if (stopped[i]) {
                    try {
                        cont(i);
                    } catch (Exception | AssertionError e) {
                        // SIGKILL below works on a stopped process too
                    }
                }
                p.destroyForcibly();
            }
        }
        for (Process p : brokers) {
            awaitExit(p);
        }
        if (zookeeper != null) {
            zookeeper.destroyForcibly();
            awaitExit(zookeeper);
        }
        for (LinkProxy proxy : proxies) {
            if (proxy != null) {
                proxy.close();
            }
        }
        for (LinkProxy proxy : zkProxies) {
            if (proxy != null) {
                proxy.close();
            }
        }
    }

    private static void awaitExit(Process p) {
        if (p == null) {
            return;
        }
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
