package io.runnel.broker.internal.group;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.GroupStore;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.protocol.ConsumerProtocol;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.JoinGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static io.runnel.broker.internal.group.GroupErrors.joinError;
import static io.runnel.broker.internal.group.GroupErrors.unwrap;
import static io.runnel.broker.internal.group.GroupRegistry.cancel;
import static java.util.Objects.requireNonNull;

/**
 * A group's membership and generations: the join phase (new member ids, waiting joins, the
 * initial rebalance delay and the rebalance timeout), completing it with the
 * {@link AssignmentPlanner}'s assignment, storing each generation in the {@link GroupStore} with
 * the version it was loaded at (a lost race drops the group here: another broker took over), and
 * the members' session timeouts. Rebalances start when a member joins, leaves or expires, or when
 * the coordinator sees the subscribed topics change.
 *
 * <p>Thread safe: every method taking a {@link Group} is called under that group's monitor (join
 * takes it itself), and the timer and store callbacks take it themselves. Timers run on the coordinator's one scheduler
 * thread; nothing blocks.
 */
final class GroupMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);

    private final GroupStore store;
    private final GroupConfig config;
    private final ScheduledExecutorService timer;
    private final AssignmentPlanner planner;
    private final GroupRegistry registry;
    private final Runnable generationSettled;

    /**
     * @param generationSettled called (under the group's lock) when a stored generation becomes
     *                          stable; topics may have changed while it was computed and stored
     */
    GroupMembership(GroupStore store, GroupConfig config, ScheduledExecutorService timer, AssignmentPlanner planner,
                    GroupRegistry registry, Runnable generationSettled) {
        this.store = requireNonNull(store, "store is null");
        this.config = requireNonNull(config, "config is null");
        this.timer = requireNonNull(timer, "timer is null");
        this.planner = requireNonNull(planner, "planner is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.generationSettled = requireNonNull(generationSettled, "generationSettled is null");
    }

    /**
     * A JoinGroup the coordinator has validated (takes the group's lock). Answers at once for a new
     * member (MEMBER_ID_REQUIRED), an error, or a rejoin that changes nothing; otherwise the answer
     * waits for the join phase to end.
     */
    CompletableFuture<JoinGroup.Response> join(Group g, JoinGroup.Request r, String clientId, String clientHost) {
        synchronized (g) {
            if (g.unloaded) {
                return CompletableFuture.completedFuture(joinError(ErrorCode.NOT_COORDINATOR, r.memberId()));
            }
            List<String> names = r.protocols().stream().map(JoinGroup.Protocol::name).toList();
            Set<String> candidates = planner.acceptedByAll(g, r.memberId(), names);
            if (candidates.isEmpty() || (g.hasMembers() && !g.protocolType.equals(r.protocolType()))) {
                return CompletableFuture.completedFuture(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, r.memberId()));
            }
            if (r.memberId().isEmpty()) {
                String id = (clientId.isEmpty() ? "member" : clientId) + "-" + UUID.randomUUID();
                g.pendingMemberIds.put(id, timer.schedule(() -> {
                    synchronized (g) {
                        g.pendingMemberIds.remove(id);
                    }
                }, r.sessionTimeoutMs(), TimeUnit.MILLISECONDS));
                return CompletableFuture.completedFuture(joinError(ErrorCode.MEMBER_ID_REQUIRED, id));
            }
            Group.Member m = g.members.get(r.memberId());
            List<GroupState.Protocol> protocols = r.protocols().stream()
                    .map(p -> new GroupState.Protocol(p.name(), p.metadata())).toList();
            if (m == null) {
                ScheduledFuture<?> pending = g.pendingMemberIds.remove(r.memberId());
                if (pending == null) {
                    return CompletableFuture.completedFuture(joinError(ErrorCode.UNKNOWN_MEMBER_ID, r.memberId()));
                }
                cancel(pending);
                m = new Group.Member(r.memberId());
                g.members.put(m.memberId, m);
                log.info("Group {}: member {} joins", g.groupId, m.memberId);
            } else if (g.state == Group.State.STABLE && protocols.equals(m.protocols)
                    && m.rebalanceTimeoutMs == (r.rebalanceTimeoutMs() > 0 ? r.rebalanceTimeoutMs() : r.sessionTimeoutMs())
                    && m.sessionTimeoutMs == r.sessionTimeoutMs()) {
                // Nothing changed (a retry, or a rejoin without reason): the current generation stands.
                scheduleSession(g, m);
                return CompletableFuture.completedFuture(new JoinGroup.Response(ErrorCode.NONE.code(), g.generationId,
                        g.protocol, g.leader, m.memberId));
            }
            m.clientId = clientId;
            m.clientHost = clientHost;
            m.sessionTimeoutMs = r.sessionTimeoutMs();
            // Like Kafka's JoinGroup v0, a member without a rebalance timeout gets its session timeout.
            m.rebalanceTimeoutMs = r.rebalanceTimeoutMs() > 0 ? r.rebalanceTimeoutMs() : r.sessionTimeoutMs();
            m.protocols = protocols;
            if (m.pendingJoin != null) {
                m.pendingJoin.complete(joinError(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
            }
            CompletableFuture<Message> answer = new CompletableFuture<>();
            m.pendingJoin = answer;
            // A member waiting in the join phase does not expire; its session restarts with the generation.
            cancel(m.sessionTimer);
            m.sessionToken++;
            if (g.members.size() == 1 || g.protocolType.isEmpty()) {
                g.protocolType = r.protocolType();
            }
            switch (g.state) {
                case EMPTY, STABLE -> prepareRebalance(g, "member " + m.memberId + " joined");
                case COMPLETING_REBALANCE -> g.rebalanceAgain = true;
                default -> {
                }
            }
            maybeCompleteJoin(g);
            return answer.thenApply(JoinGroup.Response.class::cast);
        }
    }

    /** Starts a rebalance (under the group's lock): members must rejoin within the rebalance timeout. */
    void prepareRebalance(Group g, String reason) {
        boolean initial = g.state == Group.State.EMPTY;
        g.state = Group.State.PREPARING_REBALANCE;
        long now = System.currentTimeMillis();
        int delay = initial ? config.initialRebalanceDelayMs() : 0;
        g.joinNotBeforeMs = now + delay;
        int timeout = delay;
        for (Group.Member m : g.members.values()) {
            timeout = Math.max(timeout, m.rebalanceTimeoutMs);
        }
        cancel(g.joinDeadline);
        g.joinDeadline = timer.schedule(() -> {
            synchronized (g) {
                if (!g.unloaded) {
                    completeJoin(g);
                }
            }
        }, timeout, TimeUnit.MILLISECONDS);
        if (delay > 0) {
            timer.schedule(() -> {
                synchronized (g) {
                    if (!g.unloaded) {
                        maybeCompleteJoin(g);
                    }
                }
            }, delay, TimeUnit.MILLISECONDS);
        }
        log.info("Group {}: rebalance from generation {} ({})", g.groupId, g.generationId, reason);
    }

    private void maybeCompleteJoin(Group g) {
        if (g.state != Group.State.PREPARING_REBALANCE || System.currentTimeMillis() < g.joinNotBeforeMs) {
            return;
        }
        for (Group.Member m : g.members.values()) {
            if (m.pendingJoin == null) {
                return;
            }
        }
        completeJoin(g);
    }

    /**
     * Ends the join phase (under the group's lock): members that did not rejoin are removed, the
     * assignor runs, the generation is bumped and stored; the joins are answered once it is stored.
     */
    private void completeJoin(Group g) {
        if (g.state != Group.State.PREPARING_REBALANCE) {
            return;
        }
        cancel(g.joinDeadline);
        g.joinDeadline = null;
        for (Group.Member m : new ArrayList<>(g.members.values())) {
            if (m.pendingJoin == null) {
                log.info("Group {}: member {} did not rejoin in time and is removed", g.groupId, m.memberId);
                g.members.remove(m.memberId);
                cancel(m.sessionTimer);
            }
        }
        Map<Group.Member, CompletableFuture<Message>> waiting = new LinkedHashMap<>();
        for (Group.Member m : g.members.values()) {
            waiting.put(m, m.pendingJoin);
            m.pendingJoin = null;
        }
        g.generationId++;
        if (!g.hasMembers()) {
            g.state = Group.State.EMPTY;
            g.protocol = null;
            g.leader = "";
            g.emptySinceMs = System.currentTimeMillis();
            g.assignedPartitionCounts = Map.of();
            log.info("Group {} is empty at generation {}", g.groupId, g.generationId);
            storeState(g, waiting);
            return;
        }
        AssignmentPlanner.Plan plan = planner.plan(g);
        String protocol = plan.protocol();
        Map<String, List<TopicPartition>> assignment = plan.assignment();
        Map<String, Integer> counts = plan.partitionCounts();
        boolean cooperative = plan.cooperative();
        if (assignment == null) {
            ErrorCode error = protocol == null ? ErrorCode.INCONSISTENT_GROUP_PROTOCOL : ErrorCode.UNKNOWN_SERVER_ERROR;
            for (Map.Entry<Group.Member, CompletableFuture<Message>> e : waiting.entrySet()) {
                g.members.remove(e.getKey().memberId);
                e.getValue().complete(joinError(error, e.getKey().memberId));
            }
            g.state = Group.State.EMPTY;
            g.protocol = null;
            g.leader = "";
            g.emptySinceMs = System.currentTimeMillis();
            storeState(g, Map.of());
            return;
        }
        g.protocol = protocol;
        if (!g.members.containsKey(g.leader)) {
            g.leader = g.members.keySet().iterator().next();
        }
        for (Group.Member m : g.members.values()) {
            m.assignment = ConsumerProtocol.encodeAssignment(new ConsumerProtocol.Assignment(
                    assignment.getOrDefault(m.memberId, List.of()), null, cooperative));
        }
        g.assignedPartitionCounts = counts;
        g.emptySinceMs = -1;
        g.state = Group.State.COMPLETING_REBALANCE;
        log.info("Group {}: generation {} with {} member(s), assignor {} ({}), leader {}", g.groupId, g.generationId,
                g.members.size(), protocol, cooperative ? "cooperative" : "eager", g.leader);
        storeState(g, waiting);
    }

    /** Stores the group's state (under its lock); writes of one group go one after the other. */
    private void storeState(Group g, Map<Group.Member, CompletableFuture<Message>> waiting) {
        List<GroupState.StoredMember> members = new ArrayList<>();
        for (Group.Member m : g.members.values()) {
            members.add(new GroupState.StoredMember(m.memberId, m.clientId, m.clientHost, m.sessionTimeoutMs,
                    m.rebalanceTimeoutMs, m.protocols, m.assignment));
        }
        byte[] bytes = new GroupState(g.generationId, g.protocolType, g.protocol, g.leader, g.emptySinceMs, members)
                .encode();
        int generation = g.generationId;
        g.storing = g.storing.handle((x, y) -> (Void) null).thenCompose(v -> {
            int expected;
            synchronized (g) {
                expected = g.storedVersion;
            }
            return store.storeState(g.groupId, bytes, expected).handle((version, e) -> {
                stored(g, generation, waiting, version, e);
                return (Void) null;
            });
        });
    }

    private void stored(Group g, int generation, Map<Group.Member, CompletableFuture<Message>> waiting,
                        Integer version, Throwable failure) {
        synchronized (g) {
            if (g.unloaded) {
                waiting.forEach((m, f) -> f.complete(joinError(ErrorCode.NOT_COORDINATOR, m.memberId)));
                return;
            }
            if (failure != null) {
                Throwable cause = unwrap(failure);
                ErrorCode error = cause instanceof VersionConflictException ? ErrorCode.NOT_COORDINATOR
                        : ErrorCode.COORDINATOR_NOT_AVAILABLE;
                log.warn("Group {}: storing generation {} failed ({}); the group is dropped here", g.groupId, generation,
                        cause.toString());
                registry.unload(g);
                waiting.forEach((m, f) -> f.complete(joinError(error, m.memberId)));
                return;
            }
            g.storedVersion = version;
            if (g.state == Group.State.COMPLETING_REBALANCE && g.generationId == generation) {
                g.state = Group.State.STABLE;
                // Topics may have changed while the assignment was computed and stored.
                generationSettled.run();
            }
            for (Map.Entry<Group.Member, CompletableFuture<Message>> e : waiting.entrySet()) {
                Group.Member m = e.getKey();
                if (g.members.get(m.memberId) == m) {
                    e.getValue().complete(new JoinGroup.Response(ErrorCode.NONE.code(), generation, g.protocol, g.leader,
                            m.memberId));
                    if (m.pendingJoin == null) {
                        scheduleSession(g, m);
                    }
                } else {
                    e.getValue().complete(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
                }
            }
            boolean rejoining = g.members.values().stream().anyMatch(m -> m.pendingJoin != null);
            if (g.state == Group.State.STABLE && (g.rebalanceAgain || rejoining)) {
                g.rebalanceAgain = false;
                prepareRebalance(g, "members changed while generation " + generation + " was stored");
                maybeCompleteJoin(g);
            } else if (g.state == Group.State.EMPTY && rejoining) {
                prepareRebalance(g, "members joined while the group was emptied");
                maybeCompleteJoin(g);
            }
        }
    }

    /** Under the group's lock: (re)starts the member's session timeout. */
    void scheduleSession(Group g, Group.Member m) {
        cancel(m.sessionTimer);
        long token = ++m.sessionToken;
        m.sessionTimer = timer.schedule(() -> sessionExpired(g, m.memberId, token), m.sessionTimeoutMs,
                TimeUnit.MILLISECONDS);
    }

    private void sessionExpired(Group g, String memberId, long token) {
        synchronized (g) {
            Group.Member m = g.members.get(memberId);
            if (g.unloaded || m == null || m.sessionToken != token || m.pendingJoin != null) {
                return;
            }
            log.info("Group {}: member {} missed its session timeout of {} ms and is removed", g.groupId, memberId,
                    m.sessionTimeoutMs);
            removeMember(g, m, "session timeout of " + memberId);
        }
    }

    /** Under the group's lock: removes the member (left or expired) and rebalances the others. */
    void removeMember(Group g, Group.Member m, String reason) {
        g.members.remove(m.memberId);
        cancel(m.sessionTimer);
        if (m.pendingJoin != null) {
            m.pendingJoin.complete(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
            m.pendingJoin = null;
        }
        switch (g.state) {
            case STABLE, EMPTY -> {
                prepareRebalance(g, reason);
                maybeCompleteJoin(g);
            }
            case PREPARING_REBALANCE -> maybeCompleteJoin(g);
            case COMPLETING_REBALANCE -> g.rebalanceAgain = true;
            default -> {
            }
        }
    }

    /** Under the group's lock: the member, or the error for a request naming {@code memberId} and {@code generation}. */
    static ErrorCode checkMember(Group g, String memberId, int generation) {
        if (g.unloaded) {
            return ErrorCode.NOT_COORDINATOR;
        }
        Group.Member m = g.members.get(memberId);
        if (m == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (g.state == Group.State.PREPARING_REBALANCE || g.state == Group.State.COMPLETING_REBALANCE) {
            return ErrorCode.REBALANCE_IN_PROGRESS;
        }
        return generation == g.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
}
