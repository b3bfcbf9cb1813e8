package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.Subscription;
import io.runnel.api.coordination.ControllerElection;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Controller election with Curator's {@link LeaderLatch} on {@code /controller_election}. The winner
 * raises {@code /controller_epoch} by one with a versioned write, then writes the ephemeral
 * {@code /controller} ({@code brokerid}, {@code epoch}) that others read to find it.
 */
final class ZkControllerElection implements ControllerElection {
    private static final Logger log = LoggerFactory.getLogger(ZkControllerElection.class);

    private final ZooKeeperBackend backend;
    private final Set<LeaderLatch> latches = ConcurrentHashMap.newKeySet();
    private final ExecutorService electionThread = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "zookeeper-election");
        thread.setDaemon(true);
        return thread;
    });

    ZkControllerElection(ZooKeeperBackend backend) {
        this.backend = backend;
    }

    @Override
    public Subscription participate(int brokerId, Listener listener) {
        LeaderLatch latch = new LeaderLatch(backend.client(), ZkPaths.CONTROLLER_ELECTION, String.valueOf(brokerId),
                LeaderLatch.CloseMode.NOTIFY_LEADER);
        // Taking office does blocking ZooKeeper calls: on a thread of its own, not the events thread.
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                try {
                    OptionalLong epoch = takeOffice(latch, brokerId);
                    if (epoch.isPresent()) {
                        log.info("Broker {} is the controller, epoch {}", brokerId, epoch.getAsLong());
                        backend.events().execute(() -> listener.elected(epoch.getAsLong()));
                    }
                } catch (Exception e) {
                    log.error("Broker {} won the election but could not take office: {}", brokerId, e.toString());
                }
            }

            @Override
            public void notLeader() {
                log.info("Broker {} is no longer the controller", brokerId);
                backend.events().execute(listener::resigned);
            }
        }, electionThread);
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

    /**
     * Raises the controller epoch and writes /controller in one transaction that also checks our
     * latch node still exists: a callback that arrives after we lost the latch (say our session
     * expired while it waited) changes nothing. A /controller left by an expired session of ours is
     * replaced; one held by another live session is waited for while we still lead.
     *
     * @return the new epoch, or empty if we are no longer the leader
     */
    private OptionalLong takeOffice(LeaderLatch latch, int brokerId) throws Exception {
        CuratorFramework client = backend.client();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backend.sessionTimeoutMs() * 2L);
        while (latch.hasLeadership() && System.nanoTime() < deadline) {
            String ourPath = latch.getOurPath();
            if (ourPath == null) {
                return OptionalLong.empty();
            }
            List<CuratorOp> ops = new ArrayList<>();
            ops.add(client.transactionOp().check().forPath(ourPath));
            Stat epochStat = new Stat();
            long epoch;
            try {
                byte[] current = client.getData().storingStatIn(epochStat).forPath(ZkPaths.CONTROLLER_EPOCH);
                epoch = Long.parseLong(new String(current, StandardCharsets.UTF_8).trim()) + 1;
                ops.add(client.transactionOp().setData().withVersion(epochStat.getVersion())
                        .forPath(ZkPaths.CONTROLLER_EPOCH, bytes(epoch)));
            } catch (KeeperException.NoNodeException first) {
                epoch = 1;
                ops.add(client.transactionOp().create().forPath(ZkPaths.CONTROLLER_EPOCH, bytes(1)));
            }
            Stat controller = client.checkExists().forPath(ZkPaths.CONTROLLER);
            if (controller != null) {
                if (controller.getEphemeralOwner() != backend.sessionId()) {
                    Thread.sleep(100); // a previous controller's session has not ended yet; we still lead
                    continue;
                }
                ops.add(client.transactionOp().delete().withVersion(controller.getVersion()).forPath(ZkPaths.CONTROLLER));
            }
            ops.add(client.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.CONTROLLER,
                    ZkPaths.encode(Map.of("brokerid", String.valueOf(brokerId), "epoch", String.valueOf(epoch)))));
            try {
                client.transaction().forOperations(ops);
                return latch.hasLeadership() ? OptionalLong.of(epoch) : OptionalLong.empty();
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException
                     | KeeperException.NodeExistsException raced) {
                // lost the latch, or another writer got in between: look again
            }
        }
        return OptionalLong.empty();
    }

    private static byte[] bytes(long value) {
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
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
                if (latch.getId().equals(ZkPaths.decode(data).get("brokerid"))
                        && stat.getEphemeralOwner() == backend.sessionId()) {
                    backend.client().delete().withVersion(stat.getVersion()).forPath(ZkPaths.CONTROLLER);
                }
            }
        } catch (Exception e) {
            log.debug("Removing /controller while leaving the election: {}", e.toString());
        } finally {
            try {
                latch.close();
            } catch (IOException | RuntimeException e) {
                log.debug("Closing the leader latch: {}", e.toString());
            }
        }
    }

    void close() {
        for (LeaderLatch latch : latches) {
            close(latch);
        }
        latches.clear();
        electionThread.shutdown();
    }
}
