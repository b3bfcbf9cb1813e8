package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.Subscription;
import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.api.coordination.BrokerRegistry;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Brokers register as ephemeral znodes {@code /brokers/ids/<id>}, which vanish when their session
 * ends. Value: {@code endpoint.<listener>=host:port} per listener and, if set, {@code rack}.
 */
final class ZkBrokerRegistry implements BrokerRegistry {
    private static final Logger log = LoggerFactory.getLogger(ZkBrokerRegistry.class);

    private final ZooKeeperBackend backend;
    private volatile BrokerRegistration registered;

    ZkBrokerRegistry(ZooKeeperBackend backend) {
        this.backend = backend;
        backend.onNewSession(() -> {
            BrokerRegistration again = registered;
            if (again != null) {
                register(again).whenComplete((ok, e) -> {
                    if (e != null) {
                        log.error("Could not re-register broker {} after a new ZooKeeper session: {}",
                                again.brokerId(), e.getMessage());
                    }
                });
            }
        });
    }

    static byte[] encode(BrokerRegistration registration) {
        Map<String, String> values = new LinkedHashMap<>();
        registration.endpoints().forEach((name, address) -> values.put("endpoint." + name, address));
        registration.rack().ifPresent(rack -> values.put("rack", rack));
        return ZkPaths.encode(values);
    }

    static BrokerRegistration decode(int id, byte[] data) {
        Map<String, String> values = ZkPaths.decode(data);
        Map<String, String> endpoints = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("endpoint.")) {
                endpoints.put(k.substring("endpoint.".length()), v);
            }
        });
        return new BrokerRegistration(id, endpoints, Optional.ofNullable(values.get("rack")));
    }

    @Override
    public CompletableFuture<Void> register(BrokerRegistration registration) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backend.sessionTimeoutMs() * 3L / 2);
        return register(registration, deadline);
    }

    /**
     * A znode with our very registration under another session is this broker's previous life
     * (a restart, or a session that just expired) that ZooKeeper has not removed yet: wait for it
     * to go, up to the session timeout. A different registration is another broker: fail at once.
     */
    private CompletableFuture<Void> register(BrokerRegistration registration, long deadline) {
        String path = ZkPaths.broker(registration.brokerId());
        byte[] data = encode(registration);
        return ZkAsync.run(cb -> backend.client().getData().inBackground(cb).forPath(path)).thenCompose(existing -> {
            if (ZkAsync.ok(existing)) {
                long owner = existing.getStat().getEphemeralOwner();
                if (owner != backend.sessionId()) {
                    if (Arrays.equals(existing.getData(), data) && System.nanoTime() < deadline) {
                        log.debug("Broker {} znode is still held by the old session 0x{}; waiting for it to expire",
                                registration.brokerId(), Long.toHexString(owner));
                        return CompletableFuture.supplyAsync(() -> null,
                                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
                                .thenCompose(retry -> register(registration, deadline))
                                .thenApply(done -> null);
                    }
                    throw taken(registration.brokerId(), owner);
                }
                return ZkAsync.run(cb -> backend.client().setData().inBackground(cb).forPath(path, data));
            }
            if (ZkAsync.code(existing) != KeeperException.Code.NONODE) {
                throw ZkAsync.error("read", path, existing);
            }
            return ZkAsync.run(cb -> backend.client().create().creatingParentContainersIfNeeded()
                    .withMode(CreateMode.EPHEMERAL).inBackground(cb).forPath(path, data));
        }).thenAccept(done -> {
            if (done == null) {
                return; // registered by a retry
            }
            if (ZkAsync.code(done) == KeeperException.Code.NODEEXISTS) {
                throw taken(registration.brokerId(), -1L);
            }
            if (!ZkAsync.ok(done)) {
                throw ZkAsync.error("register", path, done);
            }
            registered = registration;
            log.info("Registered broker {} at {} in ZooKeeper", registration.brokerId(), registration.endpoints());
        });
    }

    private static RunnelException taken(int id, long owner) {
        return new RunnelException(ErrorCode.INVALID_CONFIG, "broker.id " + id + " is already registered by a live broker"
                + (owner > 0 ? " (ZooKeeper session 0x" + Long.toHexString(owner) + ")" : "")
                + "; every broker needs its own broker.id");
    }

    @Override
    public CompletableFuture<List<BrokerRegistration>> liveBrokers() {
        return ZkAsync.run(cb -> backend.client().getChildren().inBackground(cb).forPath(ZkPaths.BROKER_IDS))
                .thenCompose(e -> {
                    if (ZkAsync.code(e) == KeeperException.Code.NONODE) {
                        return CompletableFuture.completedFuture(List.of());
                    }
                    if (!ZkAsync.ok(e)) {
                        throw ZkAsync.error("list", ZkPaths.BROKER_IDS, e);
                    }
                    return read(e.getChildren());
                });
    }

    private CompletableFuture<List<BrokerRegistration>> read(List<String> ids) {
        List<CompletableFuture<Optional<BrokerRegistration>>> reads = new ArrayList<>();
        for (String name : ids) {
            int id;
            try {
                id = Integer.parseInt(name);
            } catch (NumberFormatException ignored) {
                continue;
            }
            String path = ZkPaths.broker(id);
            reads.add(ZkAsync.run(cb -> backend.client().getData().inBackground(cb).forPath(path)).thenApply(e -> {
                if (ZkAsync.code(e) == KeeperException.Code.NONODE) {
                    return Optional.empty(); // left while we were reading
                }
                if (!ZkAsync.ok(e)) {
                    throw ZkAsync.error("read", path, e);
                }
                return Optional.of(decode(id, e.getData()));
            }));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<BrokerRegistration> brokers = new ArrayList<>();
            for (CompletableFuture<Optional<BrokerRegistration>> read : reads) {
                read.join().ifPresent(brokers::add);
            }
            brokers.sort(Comparator.comparingInt(BrokerRegistration::brokerId));
            return List.copyOf(brokers);
        });
    }

    @Override
    public Subscription watch(Consumer<List<BrokerRegistration>> listener) {
        // Reads run asynchronously (the events thread never waits on ZooKeeper); a result is passed
        // on only if no later change has been passed on already, so the listener sees states in order.
        java.util.concurrent.atomic.AtomicLong issued = new java.util.concurrent.atomic.AtomicLong();
        long[] delivered = {0};
        ZkWatch[] self = new ZkWatch[1];
        self[0] = ZkWatch.children(backend.client(), ZkPaths.BROKER_IDS, (List<String> ids) -> {
            long seq = issued.incrementAndGet();
            read(ids).whenComplete((brokers, failure) -> backend.events().execute(() -> {
                if (failure != null) {
                    log.warn("Could not read the live brokers after a change: {}", failure.toString());
                } else if (seq > delivered[0]) {
                    delivered[0] = seq;
                    listener.accept(brokers);
                }
            }));
        }, backend.events(), () -> backend.unregister(self[0]));
        return backend.register(self[0]);
    }

}
