package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.CommittedOffset;
import io.runnel.api.coordination.GroupStore;
import io.runnel.api.coordination.Versioned;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Consumer groups under {@code /consumers/<group>}: {@code state} (the coordinator's group state,
 * versioned) and {@code offsets/<topic>/<partition>} ({@code offset}, {@code leaderEpoch},
 * {@code timestamp}, {@code metadata}). A commit of many partitions is one ZooKeeper multi-op
 * transaction, so one round trip; partitions committed for the first time are created first.
 */
final class ZkGroupStore implements GroupStore {
    private final ZooKeeperBackend backend;

    ZkGroupStore(ZooKeeperBackend backend) {
        this.backend = backend;
    }

    @Override
    public CompletableFuture<List<String>> listGroups() {
        return backend.metadata().children(ZkPaths.CONSUMERS);
    }

    @Override
    public CompletableFuture<Optional<Versioned<byte[]>>> loadState(String groupId) {
        return backend.metadata().get(ZkPaths.groupState(groupId));
    }

    @Override
    public CompletableFuture<Integer> storeState(String groupId, byte[] state, int expectedVersion) {
        String path = ZkPaths.groupState(groupId);
        return expectedVersion < 0 ? backend.metadata().create(path, state)
                : backend.metadata().compareAndSet(path, state, expectedVersion);
    }

    static byte[] encode(CommittedOffset offset) {
        Map<String, String> values = new HashMap<>();
        values.put("offset", String.valueOf(offset.offset()));
        values.put("leaderEpoch", String.valueOf(offset.leaderEpoch()));
        values.put("timestamp", String.valueOf(offset.commitTimestamp()));
        values.put("metadata", offset.metadata());
        return ZkPaths.encode(values);
    }

    static CommittedOffset decode(byte[] data) {
        Map<String, String> values = ZkPaths.decode(data);
        return new CommittedOffset(Long.parseLong(values.getOrDefault("offset", "-1")),
                Integer.parseInt(values.getOrDefault("leaderEpoch", "-1")),
                values.getOrDefault("metadata", ""), Long.parseLong(values.getOrDefault("timestamp", "-1")));
    }

    @Override
    public CompletableFuture<Void> commitOffsets(String groupId, Map<TopicPartition, CommittedOffset> offsets) {
        if (offsets.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return transaction(groupId, offsets).thenCompose(e -> {
            if (ZkAsync.ok(e)) {
                return CompletableFuture.completedFuture(null);
            }
            if (ZkAsync.code(e) != KeeperException.Code.NONODE) {
                throw ZkAsync.error("offset commit", ZkPaths.groupOffsets(groupId), e);
            }
            // First commit of some partitions: create-or-set each, then we are done.
            List<CompletableFuture<CuratorEvent>> writes = new ArrayList<>();
            offsets.forEach((tp, offset) -> {
                String path = ZkPaths.offset(groupId, tp.topic(), tp.partition());
                writes.add(ZkAsync.run(cb -> backend.client().create().orSetData().creatingParentContainersIfNeeded()
                        .withMode(CreateMode.PERSISTENT).inBackground(cb).forPath(path, encode(offset))));
            });
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenAccept(done -> {
                for (CompletableFuture<CuratorEvent> write : writes) {
                    if (!ZkAsync.ok(write.join())) {
                        throw ZkAsync.error("offset commit", ZkPaths.groupOffsets(groupId), write.join());
                    }
                }
            });
        });
    }

    private CompletableFuture<CuratorEvent> transaction(String groupId, Map<TopicPartition, CommittedOffset> offsets) {
        List<CuratorOp> ops = new ArrayList<>();
        try {
            for (Map.Entry<TopicPartition, CommittedOffset> entry : offsets.entrySet()) {
                TopicPartition tp = entry.getKey();
                ops.add(backend.client().transactionOp().setData()
                        .forPath(ZkPaths.offset(groupId, tp.topic(), tp.partition()), encode(entry.getValue())));
            }
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        return ZkAsync.run(cb -> backend.client().transaction().inBackground(cb).forOperations(ops));
    }

    @Override
    public CompletableFuture<Map<TopicPartition, CommittedOffset>> fetchOffsets(String groupId,
                                                                               Set<TopicPartition> partitions) {
        CompletableFuture<List<TopicPartition>> wanted = partitions.isEmpty() ? allPartitions(groupId)
                : CompletableFuture.completedFuture(List.copyOf(partitions));
        return wanted.thenCompose(list -> {
            Map<TopicPartition, CompletableFuture<Optional<Versioned<byte[]>>>> reads = new HashMap<>();
            for (TopicPartition tp : list) {
                reads.put(tp, backend.metadata().get(ZkPaths.offset(groupId, tp.topic(), tp.partition())));
            }
            return CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
                Map<TopicPartition, CommittedOffset> result = new TreeMap<>();
                reads.forEach((tp, read) -> read.join().ifPresent(v -> result.put(tp, decode(v.value()))));
                return result;
            });
        });
    }

    private CompletableFuture<List<TopicPartition>> allPartitions(String groupId) {
        String offsets = ZkPaths.groupOffsets(groupId);
        return backend.metadata().children(offsets).thenCompose(topics -> {
            List<CompletableFuture<List<TopicPartition>>> perTopic = new ArrayList<>();
            for (String topic : topics) {
                perTopic.add(backend.metadata().children(offsets + "/" + topic).thenApply(names -> {
                    List<TopicPartition> tps = new ArrayList<>();
                    for (String name : names) {
                        tps.add(new TopicPartition(topic, Integer.parseInt(name)));
                    }
                    return tps;
                }));
            }
            return CompletableFuture.allOf(perTopic.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<TopicPartition> all = new ArrayList<>();
                perTopic.forEach(f -> all.addAll(f.join()));
                return all;
            });
        });
    }

    @Override
    public CompletableFuture<Void> deleteOffsets(String groupId, Set<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return deleteIfExists(ZkPaths.groupOffsets(groupId));
        }
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            deletes.add(deleteIfExists(ZkPaths.offset(groupId, tp.topic(), tp.partition())));
        }
        return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletableFuture<Void> deleteGroup(String groupId) {
        return deleteIfExists(ZkPaths.group(groupId));
    }

    private CompletableFuture<Void> deleteIfExists(String path) {
        return ZkAsync.run(cb -> backend.client().delete().deletingChildrenIfNeeded().inBackground(cb).forPath(path))
                .thenAccept(e -> {
                    if (!ZkAsync.ok(e) && ZkAsync.code(e) != KeeperException.Code.NONODE) {
                        throw ZkAsync.error("delete", path, e);
                    }
                });
    }
}
