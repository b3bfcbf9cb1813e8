package io.runnel.broker.internal.group;

import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.CommittedOffset;
import io.runnel.api.coordination.GroupStore;
import io.runnel.broker.internal.metadata.MetadataCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.runnel.broker.internal.group.GroupErrors.unwrap;
import static java.util.Objects.requireNonNull;

/**
 * Keeps what the coordinator holds from growing without bound: removes the committed offsets of
 * deleted topics, deletes groups without members whose last commit (or last member leaving) is
 * older than {@code offsets.retention.minutes}, and forgets idle groups that were never stored.
 * Only groups this broker coordinates are touched.
 *
 * <p>Thread safe: no state of its own; a group is read and unloaded under its monitor. The
 * coordinator runs it on its timer thread.
 */
final class GroupRetention {
    private static final Logger log = LoggerFactory.getLogger(GroupRetention.class);

    private final int brokerId;
    private final GroupStore store;
    private final MetadataCache cache;
    private final GroupConfig config;
    private final CoordinatorChoice coordinatorChoice;
    private final GroupRegistry registry;

    GroupRetention(int brokerId, GroupStore store, MetadataCache cache, GroupConfig config,
                   CoordinatorChoice coordinatorChoice, GroupRegistry registry) {
        this.brokerId = brokerId;
        this.store = requireNonNull(store, "store is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.config = requireNonNull(config, "config is null");
        this.coordinatorChoice = requireNonNull(coordinatorChoice, "coordinatorChoice is null");
        this.registry = requireNonNull(registry, "registry is null");
    }

    /**
     * For every group this broker coordinates: removes the offsets of topics that no longer exist
     * and, with {@code expire}, deletes a group without members whose last commit (or last member
     * leaving) is older than {@code offsets.retention.minutes}.
     */
    void cleanUp(boolean expire) {
        if (registry.isClosed()) {
            return;
        }
        if (expire) {
            forgetIdleGroups();
        }
        store.listGroups().thenAccept(ids -> {
            for (String id : ids) {
                if (coordinatorChoice.isCoordinator(id)) {
                    registry.group(id).thenCompose(g -> cleanUp(g, expire)).exceptionally(e -> {
                        log.warn("Group {}: clean-up failed: {}", id, unwrap(e).toString());
                        return null;
                    });
                }
            }
        }).exceptionally(e -> {
            log.warn("Broker {}: listing groups for clean-up failed: {}", brokerId, unwrap(e).toString());
            return null;
        });
    }

    /**
     * Drops from memory the groups with nothing stored, nothing going on and no request for a
     * check interval (made by requests that named a group nobody joined), so made-up group ids do
     * not pile up. They load again on use.
     */
    private void forgetIdleGroups() {
        long idleSince = System.currentTimeMillis() - config.retentionCheckIntervalMs();
        for (Group g : registry.loadedGroups()) {
            synchronized (g) {
                if (!g.unloaded && g.state == Group.State.EMPTY && g.storedVersion == -1 && !g.hasMembers()
                        && g.pendingMemberIds.isEmpty() && g.storing.isDone() && g.lastUsedMs < idleSince) {
                    registry.unload(g);
                }
            }
        }
    }

    private CompletableFuture<Void> cleanUp(Group g, boolean expire) {
        return store.fetchOffsets(g.groupId, Set.of()).thenCompose(offsets -> {
            Set<String> topics = cache.topicNames();
            Set<TopicPartition> deleted = new HashSet<>();
            long last;
            synchronized (g) {
                last = g.emptySinceMs;
            }
            for (Map.Entry<TopicPartition, CommittedOffset> e : offsets.entrySet()) {
                if (!topics.contains(e.getKey().topic())) {
                    deleted.add(e.getKey());
                } else {
                    last = Math.max(last, e.getValue().commitTimestamp());
                }
            }
            if (expire && System.currentTimeMillis() - last > config.offsetsRetentionMs()) {
                synchronized (g) {
                    if (g.unloaded || g.hasMembers() || g.state != Group.State.EMPTY) {
                        return CompletableFuture.completedFuture(null);
                    }
                    registry.unload(g);
                }
                log.info("Group {} has had no members or commits for {} ms and is removed", g.groupId,
                        config.offsetsRetentionMs());
                return store.deleteGroup(g.groupId);
            }
            if (!deleted.isEmpty()) {
                log.info("Group {}: removing offsets of deleted topics {}", g.groupId, deleted);
                return store.deleteOffsets(g.groupId, deleted);
            }
            return CompletableFuture.completedFuture(null);
        });
    }
}
