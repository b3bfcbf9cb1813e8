package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.Subscription;
import io.runnel.api.coordination.MetadataStore;
import io.runnel.api.coordination.Versioned;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** {@link MetadataStore} on znodes: value = data, version = the znode's data version. */
final class ZkMetadataStore implements MetadataStore {
    private final ZooKeeperBackend backend;

    ZkMetadataStore(ZooKeeperBackend backend) {
        this.backend = backend;
    }

    @Override
    public CompletableFuture<Optional<Versioned<byte[]>>> get(String path) {
        ZkPaths.checkPath(path);
        return ZkAsync.run(cb -> backend.client().getData().inBackground(cb).forPath(path)).thenApply(e -> {
            if (ZkAsync.ok(e)) {
                return Optional.of(new Versioned<>(e.getData(), e.getStat().getVersion()));
            }
            if (ZkAsync.code(e) == KeeperException.Code.NONODE) {
                return Optional.empty();
            }
            throw ZkAsync.error("read", path, e);
        });
    }

    @Override
    public CompletableFuture<Integer> create(String path, byte[] data) {
        ZkPaths.checkPath(path);
        return ZkAsync.run(cb -> backend.client().create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                .inBackground(cb).forPath(path, data)).thenApply(e -> {
                    if (ZkAsync.ok(e)) {
                        return 0;
                    }
                    throw ZkAsync.error("create", path, e);
                });
    }

    @Override
    public CompletableFuture<Integer> compareAndSet(String path, byte[] data, int expectedVersion) {
        ZkPaths.checkPath(path);
        if (expectedVersion < 0) {
            // ZooKeeper would read -1 as "any version": an unconditional write is not a compare-and-set.
            return CompletableFuture.failedFuture(new io.runnel.api.RunnelException(io.runnel.api.ErrorCode.INVALID_REQUEST,
                    "compare-and-set of " + path + " needs a version, got " + expectedVersion));
        }
        return ZkAsync.run(cb -> backend.client().setData().withVersion(expectedVersion).inBackground(cb)
                .forPath(path, data)).thenApply(e -> {
                    if (ZkAsync.ok(e)) {
                        return e.getStat().getVersion();
                    }
                    throw ZkAsync.error("compare-and-set (expected version " + expectedVersion + ")", path, e);
                });
    }

    /** One multi-op transaction: check the guard's version, then set the data with its version. */
    @Override
    public CompletableFuture<Integer> compareAndSet(String path, byte[] data, int expectedVersion, String guardPath,
                                                    int guardVersion) {
        ZkPaths.checkPath(path);
        ZkPaths.checkPath(guardPath);
        if (expectedVersion < 0 || guardVersion < 0) {
            return CompletableFuture.failedFuture(new io.runnel.api.RunnelException(io.runnel.api.ErrorCode.INVALID_REQUEST,
                    "guarded compare-and-set of " + path + " needs versions, got " + expectedVersion + " and guard "
                            + guardVersion));
        }
        List<CuratorOp> ops;
        try {
            ops = List.of(backend.client().transactionOp().check().withVersion(guardVersion).forPath(guardPath),
                    backend.client().transactionOp().setData().withVersion(expectedVersion).forPath(path, data));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        return ZkAsync.run(cb -> backend.client().transaction().inBackground(cb).forOperations(ops)).thenApply(e -> {
            if (ZkAsync.ok(e)) {
                List<CuratorTransactionResult> results = e.getOpResults();
                return results.get(results.size() - 1).getResultStat().getVersion();
            }
            throw ZkAsync.error("compare-and-set (expected version " + expectedVersion + ", guard " + guardPath
                    + " at version " + guardVersion + ")", path, e);
        });
    }

    @Override
    public CompletableFuture<Void> delete(String path, int expectedVersion) {
        ZkPaths.checkPath(path);
        // A versioned delete removes a leaf only: deleting children first could leave them gone when
        // the version check on the node itself then fails.
        return ZkAsync.run(cb -> (expectedVersion < 0
                ? backend.client().delete().deletingChildrenIfNeeded().inBackground(cb)
                : backend.client().delete().withVersion(expectedVersion).inBackground(cb)).forPath(path)).thenApply(e -> {
                    if (ZkAsync.ok(e)) {
                        return null;
                    }
                    throw ZkAsync.error("delete (expected version " + expectedVersion + ")", path, e);
                });
    }

    @Override
    public CompletableFuture<List<String>> children(String path) {
        ZkPaths.checkPath(path);
        return ZkAsync.run(cb -> backend.client().getChildren().inBackground(cb).forPath(path)).thenApply(e -> {
            if (ZkAsync.ok(e)) {
                List<String> names = new ArrayList<>(e.getChildren());
                names.sort(null);
                return List.copyOf(names);
            }
            if (ZkAsync.code(e) == KeeperException.Code.NONODE) {
                return List.of();
            }
            throw ZkAsync.error("list", path, e);
        });
    }

    @Override
    public Subscription watch(String path, Consumer<Optional<Versioned<byte[]>>> listener) {
        ZkPaths.checkPath(path);
        ZkWatch[] self = new ZkWatch[1];
        self[0] = ZkWatch.data(backend.client(), path, listener, backend.events(), () -> backend.unregister(self[0]));
        return backend.register(self[0]);
    }

    @Override
    public Subscription watchChildren(String path, Consumer<List<String>> listener) {
        ZkPaths.checkPath(path);
        ZkWatch[] self = new ZkWatch[1];
        self[0] = ZkWatch.children(backend.client(), path, listener, backend.events(), () -> backend.unregister(self[0]));
        return backend.register(self[0]);
    }
}
