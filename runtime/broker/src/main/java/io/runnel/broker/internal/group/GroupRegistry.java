package io.runnel.broker.internal.group;

import io.runnel.api.ErrorCode;
import io.runnel.api.coordination.GroupStore;
import io.runnel.api.coordination.Versioned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

import static io.runnel.broker.internal.group.GroupErrors.joinError;
import static java.util.Objects.requireNonNull;

/**
 * The groups this broker holds in memory: each is loaded from the {@link GroupStore} on first use
 * (an empty group if nothing is stored) and stays until it is unloaded (deleted, expired, moved to
 * another coordinator, or the broker closes). Loading restores the stored generation; a group with
 * members and an assignor comes back {@link Group.State#STABLE}.
 *
 * <p>Thread safe: the map is concurrent and loads of one group id are shared; a group's fields are
 * read and written under its monitor. {@link #unload} must be called under the group's monitor.
 */
final class GroupRegistry {
    private static final Logger log = LoggerFactory.getLogger(GroupRegistry.class);

    private final int brokerId;
    private final GroupStore store;
    private final Consumer<Group> onLoad;
    private final ConcurrentHashMap<String, CompletableFuture<Group>> groups = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param onLoad called with each freshly loaded group before anyone else sees it (not under its
     *               monitor); the coordinator restarts the members' sessions there
     */
    GroupRegistry(int brokerId, GroupStore store, Consumer<Group> onLoad) {
        this.brokerId = brokerId;
        this.store = requireNonNull(store, "store is null");
        this.onLoad = requireNonNull(onLoad, "onLoad is null");
    }

    /** The group, loaded from the store on first use (an empty group if nothing is stored). */
    CompletableFuture<Group> group(String groupId) {
        CompletableFuture<Group> existing = groups.get(groupId);
        if (existing != null) {
            Group loaded = existing.getNow(null);
            if (loaded != null) {
                loaded.lastUsedMs = System.currentTimeMillis();
            }
            return existing;
        }
        CompletableFuture<Group> mine = new CompletableFuture<>();
        existing = groups.putIfAbsent(groupId, mine);
        if (existing != null) {
            return existing;
        }
        CompletableFuture<Optional<Versioned<byte[]>>> loading;
        try {
            loading = store.loadState(groupId);
        } catch (RuntimeException e) {
            loading = CompletableFuture.failedFuture(e);
        }
        loading.whenComplete((stored, e) -> {
            if (e != null) {
                groups.remove(groupId, mine);
                mine.completeExceptionally(e);
                return;
            }
            try {
                Group g = loaded(groupId, stored);
                onLoad.accept(g);
                mine.complete(g);
            } catch (RuntimeException x) {
                groups.remove(groupId, mine);
                mine.completeExceptionally(x);
            }
        });
        return mine;
    }

    /** The ids of the groups loaded or loading here. */
    Set<String> ids() {
        return groups.keySet();
    }

    /** The groups loaded here (not those still loading), at the time of the call. */
    List<Group> loadedGroups() {
        List<Group> loaded = new ArrayList<>();
        for (CompletableFuture<Group> f : groups.values()) {
            Group g = f.getNow(null);
            if (g != null) {
                loaded.add(g);
            }
        }
        return loaded;
    }

    private Group loaded(String groupId, Optional<Versioned<byte[]>> stored) {
        Group g = new Group(groupId);
        if (stored.isEmpty()) {
            return g;
        }
        GroupState state = GroupState.decode(groupId, stored.get().value());
        synchronized (g) {
            g.storedVersion = stored.get().version();
            g.generationId = state.generationId();
            g.protocolType = state.protocolType();
            g.protocol = state.protocol();
            g.leader = state.leader();
            g.emptySinceMs = state.emptySinceMs();
            for (GroupState.StoredMember s : state.members()) {
                Group.Member m = new Group.Member(s.memberId());
                m.clientId = s.clientId();
                m.clientHost = s.clientHost();
                m.sessionTimeoutMs = s.sessionTimeoutMs();
                m.rebalanceTimeoutMs = s.rebalanceTimeoutMs();
                m.protocols = s.protocols();
                m.assignment = s.assignment();
                g.members.put(m.memberId, m);
            }
            if (g.hasMembers() && g.protocol != null) {
                g.state = Group.State.STABLE;
                g.assignedPartitionCounts = AssignmentPlanner.assignedCounts(g);
            } else {
                g.members.clear();
            }
            log.info("Broker {} coordinates group {} from generation {} with {} member(s)", brokerId, groupId,
                    g.generationId, g.members.size());
        }
        return g;
    }

    /** Forgets the group here (under its lock): timers stop, waiting joins are told to find the coordinator. */
    void unload(Group g) {
        if (g.unloaded) {
            return;
        }
        g.unloaded = true;
        g.state = Group.State.DEAD;
        groups.computeIfPresent(g.groupId, (id, f) -> f.getNow(null) == g ? null : f);
        cancel(g.joinDeadline);
        for (ScheduledFuture<?> pending : g.pendingMemberIds.values()) {
            cancel(pending);
        }
        g.pendingMemberIds.clear();
        for (Group.Member m : g.members.values()) {
            cancel(m.sessionTimer);
            if (m.pendingJoin != null) {
                m.pendingJoin.complete(joinError(ErrorCode.NOT_COORDINATOR, m.memberId));
                m.pendingJoin = null;
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Unloads every group; afterwards {@link #isClosed()} is true. Idempotent. */
    void close() {
        closed = true;
        for (Group g : loadedGroups()) {
            synchronized (g) {
                unload(g);
            }
        }
    }

    static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
