package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.Subscription;
import io.runnel.api.coordination.ControllerElection;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Controller election with Curator's {@link LeaderLatch} on {@code /controller_election}. The winner
 * raises {@code /controller_epoch} by one with a versioned write, then writes the ephemeral
 * {@code /controller} ({@code brokerid}, {@code epoch}) that others read to find it.
 */
final class ZkControllerElection implements ControllerElection {
    private static final Logger log = LoggerFactory.getLogger(ZkControllerElection.class);

    private final ZooKeeperBackend backend;
    private final Set<LeaderLatch> latches = ConcurrentHashMap.newKeySet();

    ZkControllerElection(ZooKeeperBackend backend) {
        this.backend = backend;
    }

    @Override
    public Subscription participate(int brokerId, Listener listener) {
        LeaderLatch latch = new LeaderLatch(backend.client(), ZkPaths.CONTROLLER_ELECTION, String.valueOf(brokerId),
                LeaderLatch.CloseMode.NOTIFY_LEADER);
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                try {
                    long epoch = bumpEpoch(backend.client());
                    backend.client().create().orSetData().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                            .forPath(ZkPaths.CONTROLLER, ZkPaths.encode(Map.of("brokerid", String.valueOf(brokerId),
                                    "epoch", String.valueOf(epoch))));
                    log.info("Broker {} is the controller, epoch {}", brokerId, epoch);
                    listener.elected(epoch);
                } catch (Exception e) {
                    log.error("Broker {} won the election but could not take office: {}", brokerId, e.toString());
                }
            }

            @Override
            public void notLeader() {
                log.info("Broker {} is no longer the controller", brokerId);
                listener.resigned();
            }
        }, backend.events());
        try {
            latch.start();
        } catch (Exception e) {
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "cannot join the controller election: " + e, e);
        }
        latches.add(latch);
        return () -> {
            if (latches.remove(latch)) {
                close(latch);
            }
        };
    }

    private static long bumpEpoch(CuratorFramework client) throws Exception {
        while (true) {
            Stat stat = new Stat();
            try {
                byte[] data = client.getData().storingStatIn(stat).forPath(ZkPaths.CONTROLLER_EPOCH);
                long next = Long.parseLong(new String(data, StandardCharsets.UTF_8).trim()) + 1;
                client.setData().withVersion(stat.getVersion())
                        .forPath(ZkPaths.CONTROLLER_EPOCH, String.valueOf(next).getBytes(StandardCharsets.UTF_8));
                return next;
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().creatingParentContainersIfNeeded()
                            .forPath(ZkPaths.CONTROLLER_EPOCH, "1".getBytes(StandardCharsets.UTF_8));
                    return 1;
                } catch (KeeperException.NodeExistsException raced) {
                    // another winner of an earlier term created it: read it again
                }
            } catch (KeeperException.BadVersionException raced) {
                // read it again
            }
        }
    }

    @Override
    public CompletableFuture<OptionalInt> currentController() {
        return ZkAsync.run(cb -> backend.client().getData().inBackground(cb).forPath(ZkPaths.CONTROLLER)).thenApply(e -> {
            if (ZkAsync.code(e) == KeeperException.Code.NONODE) {
                return OptionalInt.empty();
            }
            if (!ZkAsync.ok(e)) {
                throw ZkAsync.error("read", ZkPaths.CONTROLLER, e);
            }
            String id = ZkPaths.decode(e.getData()).get("brokerid");
            return id == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(id));
        });
    }

    private void close(LeaderLatch latch) {
        try {
            // While still leader, remove our /controller; after the latch closes a successor may
            // already have written its own.
            if (latch.hasLeadership()) {
                Stat stat = new Stat();
                byte[] data = backend.client().getData().storingStatIn(stat).forPath(ZkPaths.CONTROLLER);
                if (latch.getId().equals(ZkPaths.decode(data).get("brokerid"))) {
                    backend.client().delete().withVersion(stat.getVersion()).forPath(ZkPaths.CONTROLLER);
                }
            }
            latch.close();
        } catch (KeeperException.NoNodeException ignored) {
            // already gone with the session
        } catch (IOException | RuntimeException e) {
            log.debug("Leaving the controller election: {}", e.toString());
        } catch (Exception e) {
            log.debug("Leaving the controller election: {}", e.toString());
        }
    }

    void close() {
        for (LeaderLatch latch : latches) {
            close(latch);
        }
        latches.clear();
    }
}
