package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginConfig;
import io.runnel.api.PluginContext;
import io.runnel.api.RunnelException;
import io.runnel.api.coordination.BrokerRegistry;
import io.runnel.api.coordination.ControllerElection;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.coordination.GroupStore;
import io.runnel.api.coordination.MetadataStore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CoordinationBackend} on ZooKeeper, through one Curator client (one ZooKeeper session).
 * Znode layout in {@code docs/zookeeper.md}.
 *
 * <p>Listeners run on one "zookeeper-events" thread, in order. When the session expires, the
 * broker's registration goes with it (other brokers see it leave); when a new session is
 * established the registration is written again and every watch re-armed.
 */
final class ZooKeeperBackend implements CoordinationBackend {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperBackend.class);

    private final String connectString;
    private final String chroot;
    private final int connectionTimeoutMs;
    private final int sessionTimeoutMs;
    private final CuratorFramework client;
    private final ExecutorService events;
    private final Set<ZkWatch> watches = ConcurrentHashMap.newKeySet();
    private final List<Runnable> onNewSession = new CopyOnWriteArrayList<>();
    private final ZkBrokerRegistry brokers;
    private final ZkControllerElection election;
    private final ZkMetadataStore metadata;
    private final ZkGroupStore groups;
    private volatile boolean sessionLost;
    private volatile boolean closed;

    ZooKeeperBackend(PluginContext context, Map<String, String> config) {
        PluginConfig c = PluginConfig.of(config);
        String connect = c.string("zookeeper.connect", null);
        if (connect == null) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG,
                    "zookeeper.connect is not set: give host:port[,host:port...][/chroot]");
        }
        int slash = connect.indexOf('/');
        this.connectString = slash < 0 ? connect : connect.substring(0, slash);
        this.chroot = slash < 0 ? "" : connect.substring(slash);
        if (connectString.isBlank() || chroot.endsWith("/") || chroot.contains("//")) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + connect
                    + "' for zookeeper.connect: expected host:port[,host:port...][/chroot]");
        }
        this.sessionTimeoutMs = c.intValue("zookeeper.session.timeout.ms", 18_000, 1_000, 600_000);
        this.connectionTimeoutMs = c.intValue("zookeeper.connection.timeout.ms", sessionTimeoutMs, 100, 600_000);
        String label = context.brokerId().isPresent() ? "-" + context.brokerId().getAsInt() : "";
        this.events = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "zookeeper-events" + label);
            thread.setDaemon(true);
            return thread;
        });
        this.client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .namespace(chroot.isEmpty() ? null : chroot.substring(1))
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(connectionTimeoutMs)
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 2_000, 10))
                .build();
        this.brokers = new ZkBrokerRegistry(this);
        this.election = new ZkControllerElection(this);
        this.metadata = new ZkMetadataStore(this);
        this.groups = new ZkGroupStore(this);
        client.getConnectionStateListenable().addListener((c2, state) -> onConnectionState(state));
    }

    private void onConnectionState(ConnectionState state) {
        if (state == ConnectionState.LOST) {
            sessionLost = true;
            log.warn("ZooKeeper session to {} lost; this broker's registration is gone until it reconnects",
                    connectString + chroot);
        } else if (state == ConnectionState.RECONNECTED && sessionLost) {
            sessionLost = false;
            log.info("New ZooKeeper session established; re-registering and re-arming watches");
            onNewSession.forEach(Runnable::run);
            watches.forEach(ZkWatch::arm);
        }
    }

    @Override
    public CompletableFuture<Void> start() {
        client.start();
        return CompletableFuture.runAsync(() -> {
            try {
                if (!client.blockUntilConnected(connectionTimeoutMs, TimeUnit.MILLISECONDS)) {
                    throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "could not connect to ZooKeeper at "
                            + connectString + " within zookeeper.connection.timeout.ms=" + connectionTimeoutMs);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while connecting to ZooKeeper");
            }
            log.info("Connected to ZooKeeper at {}{}", connectString, chroot);
        });
    }

    CuratorFramework client() {
        return client;
    }

    ExecutorService events() {
        return events;
    }

    int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0L;
        }
    }

    /** Runs {@code action} whenever a new session replaces an expired one. */
    void onNewSession(Runnable action) {
        onNewSession.add(action);
    }

    ZkWatch register(ZkWatch watch) {
        watches.add(watch);
        watch.arm();
        return watch;
    }

    void unregister(ZkWatch watch) {
        watches.remove(watch);
    }

    @Override
    public BrokerRegistry brokers() {
        return brokers;
    }

    @Override
    public ControllerElection controllerElection() {
        return election;
    }

    @Override
    public MetadataStore metadata() {
        return metadata;
    }

    @Override
    public GroupStore groups() {
        return groups;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watches.forEach(ZkWatch::close);
        election.close();
        client.close();
        events.shutdown();
        try {
            events.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("Closed the ZooKeeper session to {}{}", connectString, chroot);
    }
}
