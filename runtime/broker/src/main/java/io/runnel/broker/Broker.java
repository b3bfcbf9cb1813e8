package io.runnel.broker;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginContext;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.election.LeaderElectionPolicy;
import io.runnel.api.placement.ReplicaPlacementPolicy;
import io.runnel.api.storage.StorageEngine;
import io.runnel.broker.internal.BrokerConfig;
import io.runnel.broker.internal.BrokerStorageContext;
import io.runnel.broker.internal.Listener;
import io.runnel.broker.internal.controller.Controller;
import io.runnel.broker.internal.group.AssignorPlugin;
import io.runnel.broker.internal.group.GroupConfig;
import io.runnel.broker.internal.group.GroupCoordinator;
import io.runnel.broker.internal.metadata.ControllerRequests;
import io.runnel.broker.internal.handler.ApiRequestHandler;
import io.runnel.broker.internal.handler.ConfigsHandler;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.MetadataWatcher;
import io.runnel.broker.internal.metadata.ProducerIdManager;
import io.runnel.broker.internal.metadata.TopicManager;
import io.runnel.broker.internal.network.SocketServer;
import io.runnel.broker.internal.partition.PartitionSettings;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginRegistry;
import io.runnel.runtime.PluginSelection;
import io.runnel.runtime.Spi;
import io.runnel.runtime.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Runnel broker: loads the plugins, checks the configuration, recovers the logs, joins the
 * cluster through the coordination backend and serves clients over the network.
 *
 * <p>Lifecycle: {@link #start} returns a running broker or fails with a {@link RunnelException}
 * (a {@link io.runnel.runtime.PluginLoadException} for plugin problems) having released whatever
 * it had opened; {@link #close()} stops serving, leaves the cluster and closes the logs cleanly.
 * Idempotent, bounded in time. Thread safe.
 *
 * @since 0.1
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final long CONTROLLED_SHUTDOWN_TIMEOUT_MS = 5_000;

    private final int brokerId;
    private final Deque<AutoCloseable> resources;
    private final InetSocketAddress boundAddress;
    private final String advertised;
    private final ReplicaManager replicas;
    private final Controller controller;
    private final boolean controlledShutdown;
    private boolean closed;

    private Broker(int brokerId, Deque<AutoCloseable> resources, InetSocketAddress boundAddress, String advertised,
                   ReplicaManager replicas, Controller controller, boolean controlledShutdown) {
        this.brokerId = brokerId;
        this.resources = resources;
        this.boundAddress = boundAddress;
        this.advertised = advertised;
        this.replicas = replicas;
        this.controller = controller;
        this.controlledShutdown = controlledShutdown;
    }

    /**
     * Starts a broker.
     *
     * @param properties the broker configuration ({@code server.properties} with overrides applied)
     * @param pluginsDir the distribution's {@code plugins/} folder of third-party plugins, if any
     * @throws RunnelException {@code INVALID_CONFIG} naming every bad key, or the error that stopped start-up
     */
    public static Broker start(Map<String, String> properties, Optional<Path> pluginsDir) {
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            return startWith(properties, pluginsDir, resources);
        } catch (RuntimeException | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    private static Broker startWith(Map<String, String> properties, Optional<Path> pluginsDir,
                                    Deque<AutoCloseable> resources) {
        PluginRegistry registry = PluginRegistry.load(pluginsDir);
        resources.push(registry);
        Set<String> pluginKeys = new HashSet<>();
        for (PluginInfo plugin : registry.plugins()) {
            pluginKeys.addAll(plugin.provider().configKeys());
        }
        Config config = BrokerConfig.parse(properties, pluginKeys);
        PluginSelection selection = PluginSelection.resolve(registry, properties);
        int brokerId = config.getInt(BrokerConfig.BROKER_ID);
        Listener listener = Listener.parse(BrokerConfig.LISTENERS, single(config.getList(BrokerConfig.LISTENERS),
                BrokerConfig.LISTENERS));
        Map<String, String> originals = config.originals();

        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, daemonThreads("broker-scheduler"));
        resources.push(scheduler::shutdownNow);
        PluginContext context = () -> OptionalInt.of(brokerId);

        BrokerStorageContext storageContext = new BrokerStorageContext(brokerId, logDirs(originals), scheduler);
        StorageEngine storage = selection.storageEngine().create(storageContext, originals);
        resources.push(storage);
        int recovered = storage.recover().size();
        log.info("Broker {}: {} partition log(s) on disk in {}", brokerId, recovered, storageContext.logDirs());

        Map<Integer, CompressionCodec> codecs = new HashMap<>();
        for (PluginInfo codecPlugin : registry.plugins(Spi.COMPRESSION_CODEC)) {
            CompressionCodec codec = codecPlugin.create(context, originals);
            resources.push(codec);
            codecs.put(codec.id(), codec);
        }
        ReplicaPlacementPolicy placement = selection.replicaPlacementPolicy().create(context, originals);
        resources.push(placement);
        LeaderElectionPolicy election = selection.leaderElectionPolicy().create(context, originals);
        resources.push(election);

        CoordinationBackend backend = selection.coordinationBackend().create(context, originals);
        resources.push(backend);
        await(backend.start(), "connecting to the coordination backend");

        MetadataCache cache = new MetadataCache();
        PartitionSettings defaults = new PartitionSettings(config.getInt(BrokerConfig.MESSAGE_MAX_BYTES),
                config.getInt(BrokerConfig.MIN_INSYNC_REPLICAS));
        ReplicaManager replicas = new ReplicaManager(brokerId, storage, defaults, backend.metadata(),
                id -> cache.broker(id).flatMap(b -> b.endpoints().values().stream().findFirst()),
                config.getLong(BrokerConfig.REPLICA_LAG_TIME_MAX_MS));
        resources.push(replicas);
        TopicManager topics = new TopicManager(backend, cache, placement, storage,
                config.getInt(BrokerConfig.NUM_PARTITIONS), config.getInt(BrokerConfig.DEFAULT_REPLICATION_FACTOR));
        ScheduledExecutorService delayed = Executors.newSingleThreadScheduledExecutor(daemonThreads("delayed-requests"));
        resources.push(delayed::shutdownNow);
        ExecutorService requestThreads = SocketServer.newRequestThreads(config.getInt(BrokerConfig.NUM_IO_THREADS));
        resources.push(requestThreads::shutdownNow);
        GroupCoordinator groups = groupCoordinator(brokerId, selection, context, originals, config, backend, cache,
                resources);
        ApiRequestHandler handler = new ApiRequestHandler(replicas, cache, topics,
                new ProducerIdManager(backend.metadata()), new ControllerRequests(backend.metadata()), codecs,
                config.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS), delayed, requestThreads,
                ConfigsHandler.create(brokerId, cache, config, topics.topicConfigKeys(), storage.topicConfigDefaults()),
                groups);
        resources.push(handler);

        // Load the cluster's metadata and give the partitions their roles before serving anyone,
        // so no client is answered from an empty view.
        MetadataWatcher watcher = new MetadataWatcher(backend, cache, replicas);
        resources.push(watcher);
        watcher.start();
        await(watcher.ready(), "loading the cluster metadata");
        await(replicas.applied(), "opening the partitions");
        groups.start();

        SocketServer server = new SocketServer(new SocketServer.Config(bindHost(listener.host()), listener.port(),
                config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES), config.getInt(BrokerConfig.MAX_INFLIGHT_PER_CONNECTION),
                config.getInt(BrokerConfig.NUM_IO_THREADS), config.getInt(BrokerConfig.NUM_NETWORK_THREADS)), handler,
                requestThreads);
        resources.push(server);
        InetSocketAddress bound;
        try {
            bound = server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.BROKER_NOT_AVAILABLE, "interrupted while binding " + listener.hostPort());
        } catch (Exception e) {
            // Netty throws the bind failure (an IOException) undeclared.
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "cannot listen on " + listener.hostPort() + " ("
                    + BrokerConfig.LISTENERS + "): " + e.getMessage(), e);
        }

        Listener advertised = advertisedListener(config, listener, bound);
        await(backend.brokers().register(new BrokerRegistration(brokerId, Map.of(advertised.name(), advertised.hostPort()),
                config.getOptionalString(BrokerConfig.BROKER_RACK))), "registering broker " + brokerId);
        await(cache.when(c -> c.isAlive(brokerId)), "seeing this broker's own registration");

        // Closed before the backend (resources close in reverse): leaving the election hands the
        // controllership on while this broker can still write.
        Controller controller = new Controller(brokerId, backend, cache, election, topics, new Controller.Settings(
                config.getBoolean(BrokerConfig.UNCLEAN_LEADER_ELECTION),
                config.getBoolean(BrokerConfig.AUTO_LEADER_REBALANCE),
                config.getInt(BrokerConfig.LEADER_IMBALANCE_PERCENTAGE),
                config.getLong(BrokerConfig.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS) * 1000));
        resources.push(controller);
        controller.start();
        log.info("Broker {} started: listening on {}, advertised as {}", brokerId, bound, advertised.hostPort());
        return new Broker(brokerId, resources, bound, advertised.hostPort(), replicas, controller,
                config.getBoolean(BrokerConfig.CONTROLLED_SHUTDOWN));
    }

    /** The group coordinator with the assignors of {@code group.assignors}, closed after the request handler. */
    private static GroupCoordinator groupCoordinator(int brokerId, PluginSelection selection, PluginContext context,
                                                     Map<String, String> originals, Config config,
                                                     CoordinationBackend backend, MetadataCache cache,
                                                     Deque<AutoCloseable> resources) {
        List<AssignorPlugin> assignors = new ArrayList<>();
        for (PluginInfo info : selection.groupAssignors()) {
            io.runnel.api.assignor.PartitionAssignor assignor = info.create(context, originals);
            resources.push(assignor);
            assignors.add(new AssignorPlugin(info.name(), assignor, info.classLoader()));
        }
        GroupCoordinator groups = new GroupCoordinator(brokerId, backend.groups(), cache, assignors, new GroupConfig(
                config.getInt(BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS), config.getInt(BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS),
                config.getInt(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS),
                TimeUnit.MINUTES.toMillis(config.getInt(BrokerConfig.OFFSETS_RETENTION_MINUTES)),
                config.getLong(BrokerConfig.OFFSETS_RETENTION_CHECK_INTERVAL_MS),
                config.getInt(BrokerConfig.OFFSET_METADATA_MAX_BYTES)));
        resources.push(groups);
        return groups;
    }

    private static String single(List<String> listeners, String key) {
        if (listeners.size() != 1) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value " + String.join(",", listeners) + " for "
                    + key + ": exactly one listener is supported, e.g. PLAINTEXT://127.0.0.1:9092");
        }
        return listeners.get(0);
    }

    private static Listener advertisedListener(Config config, Listener listener, InetSocketAddress bound) {
        Optional<List<String>> advertised = config.originals().containsKey(BrokerConfig.ADVERTISED_LISTENERS)
                ? Optional.of(config.getList(BrokerConfig.ADVERTISED_LISTENERS)) : Optional.empty();
        if (advertised.isPresent()) {
            return Listener.parse(BrokerConfig.ADVERTISED_LISTENERS, single(advertised.get(),
                    BrokerConfig.ADVERTISED_LISTENERS));
        }
        String host = listener.host();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            try {
                host = InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                host = "127.0.0.1";
            }
        }
        return new Listener(listener.name(), host, bound.getPort());
    }

    private static String bindHost(String host) {
        return host.isEmpty() ? "0.0.0.0" : host;
    }

    private static List<Path> logDirs(Map<String, String> originals) {
        String value = originals.getOrDefault("log.dirs", originals.getOrDefault("log.dir", "/tmp/runnel-logs"));
        List<Path> dirs = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                dirs.add(Path.of(part.trim()).toAbsolutePath().normalize());
            }
        }
        if (dirs.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + value + "' for log.dirs: name at "
                    + "least one directory");
        }
        return dirs;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future, String what) {
        try {
            return future.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.BROKER_NOT_AVAILABLE, "interrupted while " + what);
        } catch (TimeoutException e) {
            throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, what + " took longer than " + START_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RunnelException r) {
                throw new RunnelException(r.errorCode(), what + " failed: " + r.getMessage(), r);
            }
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, what + " failed: " + cause, cause);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + ids.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public int brokerId() {
        return brokerId;
    }

    /** The address the listener is bound to (with the real port when the configuration said 0). */
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /** {@code host:port} as registered for clients. */
    public String advertisedAddress() {
        return advertised;
    }

    /**
     * This broker's replica of a partition's log, for tests and tools (read only: writing to it
     * bypasses replication); empty if the broker hosts no replica of it.
     */
    public Optional<io.runnel.api.storage.PartitionLog> partitionLog(String topic, int partition) {
        return replicas.partition(new io.runnel.api.TopicPartition(topic, partition))
                .map(io.runnel.broker.internal.partition.Partition::log);
    }

    /** The high watermark this broker's replica of a partition knows; empty if it hosts none. */
    public java.util.OptionalLong highWatermark(String topic, int partition) {
        return replicas.partition(new io.runnel.api.TopicPartition(topic, partition))
                .map(p -> java.util.OptionalLong.of(p.highWatermark())).orElse(java.util.OptionalLong.empty());
    }

    /**
     * Stops serving, leaves the cluster and closes every log cleanly, in the reverse order of start.
     * First, with {@code controlled.shutdown.enable} (the default), hands the partitions this broker
     * leads to other live in-sync replicas, for at most a few seconds, so that clients find the new
     * leaders at once instead of after the controller notices the broker is gone.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Broker {} shutting down", brokerId);
        replicas.stopReplicating();
        if (controlledShutdown) {
            try {
                int moved = controller.moveLeadershipsAway(CONTROLLED_SHUTDOWN_TIMEOUT_MS);
                log.info("Broker {}: controlled shutdown moved {} leadership(s) away", brokerId, moved);
            } catch (RuntimeException e) {
                log.warn("Broker {}: controlled shutdown failed, leaving it to the controller: {}", brokerId, e.toString());
            }
        }
        closeAll(resources);
        log.info("Broker {} stopped", brokerId);
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("Error while closing {}: {}", resource, e.toString());
            }
        }
    }
}
