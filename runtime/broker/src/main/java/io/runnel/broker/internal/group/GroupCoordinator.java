package io.runnel.broker.internal.group;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.coordination.GroupStore;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.protocol.ConsumerProtocol;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.message.DeleteGroups;
import io.runnel.protocol.message.DescribeGroups;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.protocol.message.Heartbeat;
import io.runnel.protocol.message.JoinGroup;
import io.runnel.protocol.message.LeaveGroup;
import io.runnel.protocol.message.ListGroups;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.SyncGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static io.runnel.broker.internal.group.GroupErrors.errorFor;
import static io.runnel.broker.internal.group.GroupErrors.joinError;
import static java.util.Objects.requireNonNull;

/**
 * The group coordinator: membership, generations and assignments of the consumer groups this
 * broker coordinates, and their committed offsets. See {@code docs/broker.md}, "Consumer groups".
 *
 * <p>The coordinator of a group is the live broker with the highest rendezvous hash of the group
 * id and the broker id ({@link CoordinatorChoice}), so when a broker goes only its groups move. A group is loaded from the
 * {@link GroupStore} on first use; its state is stored when a generation completes, with the
 * version it was loaded at, which fences a broker that still acts as coordinator after another
 * took over (it drops the group and answers {@code NOT_COORDINATOR}).
 *
 * <p>Unlike Kafka the coordinator runs the {@link io.runnel.api.assignor.PartitionAssignor}
 * itself ({@link AssignmentPlanner}): the join phase ends with every member's assignment computed and stored, so SyncGroup
 * never waits. A generation is cooperative when its assignor and every member support it: a
 * partition still owned by another member is then withheld from its new owner until it is given up.
 *
 * <p>This class is the façade: it routes the group APIs, checks that this broker coordinates the
 * group and that the request is valid, answers FindCoordinator, Describe/List/DeleteGroups, and
 * watches the metadata (groups that moved away, subscribed topics that changed). Its collaborators
 * do the rest: {@link CoordinatorChoice} (which broker coordinates), {@link GroupRegistry} (loading
 * and unloading groups), {@link GroupMembership} (join phase, generations, sessions),
 * {@link AssignmentPlanner} (assignor choice and assignments), {@link GroupOffsets} (commit and
 * fetch) and {@link GroupRetention} (expiry and clean-up).
 *
 * <p>Thread safe: a group's fields are guarded by its monitor; nothing blocks (the store answers
 * with futures, timers run on one scheduler thread).
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    /** The only protocol type the coordinator assigns for: the consumer protocol. */
    public static final String CONSUMER = "consumer";
    private static final long METADATA_CHECK_DELAY_MS = 50;

    private final int brokerId;
    private final GroupStore store;
    private final MetadataCache cache;
    private final GroupConfig config;
    private final CoordinatorChoice coordinatorChoice;
    private final AssignmentPlanner planner;
    private final ScheduledExecutorService timer;
    private final GroupRegistry registry;
    private final GroupOffsets offsets;
    private final GroupRetention retention;
    private final GroupMembership membership;
    private final AtomicBoolean metadataCheckScheduled = new AtomicBoolean();
    private volatile Set<String> knownTopics = Set.of();

    public GroupCoordinator(int brokerId, GroupStore store, MetadataCache cache, List<AssignorPlugin> assignors,
                            GroupConfig config) {
        this.brokerId = brokerId;
        this.store = requireNonNull(store, "store is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.config = requireNonNull(config, "config is null");
        this.coordinatorChoice = new CoordinatorChoice(brokerId, this.cache);
        this.planner = new AssignmentPlanner(assignors, this.cache);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "group-coordinator-" + brokerId);
            thread.setDaemon(true);
            return thread;
        });
        this.registry = new GroupRegistry(brokerId, this.store, this::restored);
        this.offsets = new GroupOffsets(this.store, this.cache, this.config);
        this.retention = new GroupRetention(brokerId, this.store, this.cache, this.config, coordinatorChoice, registry);
        this.membership = new GroupMembership(this.store, this.config, timer, planner, registry,
                this::scheduleMetadataCheck);
    }

    /** Starts watching the metadata (topic changes, coordinator moves) and the retention task. */
    public void start() {
        knownTopics = cache.topicNames();
        cache.addChangeListener(this::metadataChanged);
        timer.scheduleWithFixedDelay(() -> retention.cleanUp(true), config.retentionCheckIntervalMs(),
                config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /** Handles one of the group APIs. */
    public CompletableFuture<Optional<Message>> handle(Messages.Request request, SocketAddress client) {
        String clientId = request.header().clientId() == null ? "" : request.header().clientId();
        CompletableFuture<? extends Message> answer = switch (request.apiKey()) {
            case FIND_COORDINATOR -> CompletableFuture.completedFuture(findCoordinator(
                    (FindCoordinator.Request) request.body()));
            case JOIN_GROUP -> joinGroup((JoinGroup.Request) request.body(), clientId, host(client));
            case SYNC_GROUP -> syncGroup((SyncGroup.Request) request.body());
            case HEARTBEAT -> heartbeat((Heartbeat.Request) request.body());
            case LEAVE_GROUP -> leaveGroup((LeaveGroup.Request) request.body());
            case OFFSET_COMMIT -> offsetCommit((OffsetCommit.Request) request.body());
            case OFFSET_FETCH -> offsetFetch((OffsetFetch.Request) request.body());
            case DESCRIBE_GROUPS -> describeGroups((DescribeGroups.Request) request.body());
            case LIST_GROUPS -> listGroups();
            case DELETE_GROUPS -> deleteGroups((DeleteGroups.Request) request.body());
            default -> throw new IllegalArgumentException(request.apiKey() + " is not a group API");
        };
        return answer.thenApply(Optional::of);
    }

    private static String host(SocketAddress client) {
        if (client instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().toString();
        }
        return String.valueOf(client);
    }

    // ---------------------------------------------------------------- coordinator choice

    /** The live broker that coordinates {@code groupId} in this broker's view, if any broker is alive. */
    public OptionalInt coordinatorOf(String groupId) {
        return coordinatorChoice.coordinatorOf(groupId);
    }

    private boolean isCoordinator(String groupId) {
        return coordinatorChoice.isCoordinator(groupId);
    }

    FindCoordinator.Response findCoordinator(FindCoordinator.Request request) {
        if (request.keyType() != FindCoordinator.GROUP) {
            return findError(ErrorCode.INVALID_REQUEST, "unknown key type " + request.keyType() + "; 0 is a group");
        }
        if (checkGroupId(request.key()) != ErrorCode.NONE) {
            return findError(ErrorCode.INVALID_GROUP_ID, "invalid group id '" + request.key()
                    + "': it must not be empty, contain '/' or be '.' or '..'");
        }
        OptionalInt coordinator = coordinatorOf(request.key());
        Optional<String> endpoint = coordinator.isPresent() ? cache.broker(coordinator.getAsInt())
                .flatMap(b -> b.endpoints().values().stream().findFirst()) : Optional.empty();
        if (endpoint.isEmpty()) {
            return findError(ErrorCode.COORDINATOR_NOT_AVAILABLE, "no live broker");
        }
        String hostPort = endpoint.get();
        int colon = hostPort.lastIndexOf(':');
        return new FindCoordinator.Response(ErrorCode.NONE.code(), null, coordinator.getAsInt(),
                hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static FindCoordinator.Response findError(ErrorCode error, String message) {
        return new FindCoordinator.Response(error.code(), message, -1, "", -1);
    }

    // ---------------------------------------------------------------- loading

    /** The group, loaded from the store on first use (an empty group if nothing is stored). */
    private CompletableFuture<Group> group(String groupId) {
        return registry.group(groupId);
    }

    /** A group just loaded from the store: its members' sessions run again; topics may have changed meanwhile. */
    private void restored(Group g) {
        synchronized (g) {
            if (g.state == Group.State.STABLE) {
                for (Group.Member m : g.members.values()) {
                    membership.scheduleSession(g, m);
                }
            }
        }
        scheduleMetadataCheck();
    }

    /** Forgets the group here (under its lock): timers stop, waiting joins are told to find the coordinator. */
    private void unload(Group g) {
        registry.unload(g);
    }

    // ---------------------------------------------------------------- membership requests

    /** A group id must be non-empty and usable as a name in the store: no '/', not "." or "..". */
    private static ErrorCode checkGroupId(String groupId) {
        return groupId == null || groupId.isEmpty() || groupId.contains("/") || groupId.equals(".")
                || groupId.equals("..") ? ErrorCode.INVALID_GROUP_ID : ErrorCode.NONE;
    }

    private ErrorCode checkCoordinator(String groupId) {
        ErrorCode error = checkGroupId(groupId);
        if (error != ErrorCode.NONE) {
            return error;
        }
        if (registry.isClosed()) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        return isCoordinator(groupId) ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR;
    }

    CompletableFuture<JoinGroup.Response> joinGroup(JoinGroup.Request r, String clientId, String clientHost) {
        ErrorCode error = checkCoordinator(r.groupId());
        if (error == ErrorCode.NONE && (r.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || r.sessionTimeoutMs() > config.maxSessionTimeoutMs())) {
            error = ErrorCode.INVALID_SESSION_TIMEOUT;
        }
        if (error == ErrorCode.NONE && (!CONSUMER.equals(r.protocolType()) || r.protocols().isEmpty())) {
            error = ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error == ErrorCode.NONE) {
            for (JoinGroup.Protocol p : r.protocols()) {
                try {
                    ConsumerProtocol.Subscription s = ConsumerProtocol.decodeSubscription(p.metadata());
                    if (s.pattern() != null) {
                        Pattern.compile(s.pattern());
                    }
                } catch (RunnelException | PatternSyntaxException e) {
                    error = ErrorCode.INVALID_REQUEST;
                }
            }
        }
        if (error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(joinError(error, r.memberId()));
        }
        return group(r.groupId()).thenCompose(g -> membership.join(g, r, clientId, clientHost))
                .exceptionally(e -> joinError(errorFor(e, "JoinGroup " + r.groupId()), r.memberId()));
    }

    CompletableFuture<Heartbeat.Response> heartbeat(Heartbeat.Request r) {
        ErrorCode error = checkCoordinator(r.groupId());
        if (error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(new Heartbeat.Response(error.code()));
        }
        return group(r.groupId()).thenApply(g -> {
            synchronized (g) {
                ErrorCode e = GroupMembership.checkMember(g, r.memberId(), r.generationId());
                Group.Member m = g.members.get(r.memberId());
                if (!g.unloaded && m != null && m.pendingJoin == null) {
                    membership.scheduleSession(g, m);
                }
                return new Heartbeat.Response(e.code());
            }
        }).exceptionally(e -> new Heartbeat.Response(errorFor(e, "Heartbeat " + r.groupId()).code()));
    }

    CompletableFuture<SyncGroup.Response> syncGroup(SyncGroup.Request r) {
        ByteBuffer none = ByteBuffer.allocate(0);
        ErrorCode error = checkCoordinator(r.groupId());
        if (error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(new SyncGroup.Response(error.code(), none));
        }
        return group(r.groupId()).thenApply(g -> {
            synchronized (g) {
                ErrorCode e = GroupMembership.checkMember(g, r.memberId(), r.generationId());
                if (e != ErrorCode.NONE) {
                    return new SyncGroup.Response(e.code(), none);
                }
                Group.Member m = g.members.get(r.memberId());
                if (m.pendingJoin == null) {
                    membership.scheduleSession(g, m);
                }
                return new SyncGroup.Response(ErrorCode.NONE.code(), m.assignment);
            }
        }).exceptionally(e -> new SyncGroup.Response(errorFor(e, "SyncGroup " + r.groupId()).code(), none));
    }

    CompletableFuture<LeaveGroup.Response> leaveGroup(LeaveGroup.Request r) {
        ErrorCode error = checkCoordinator(r.groupId());
        if (error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(new LeaveGroup.Response(error.code()));
        }
        return group(r.groupId()).thenApply(g -> {
            synchronized (g) {
                if (g.unloaded) {
                    return new LeaveGroup.Response(ErrorCode.NOT_COORDINATOR.code());
                }
                Group.Member m = g.members.get(r.memberId());
                if (m == null) {
                    return new LeaveGroup.Response(ErrorCode.UNKNOWN_MEMBER_ID.code());
                }
                log.info("Group {}: member {} leaves", g.groupId, m.memberId);
                membership.removeMember(g, m, "member " + m.memberId + " left");
                return new LeaveGroup.Response(ErrorCode.NONE.code());
            }
        }).exceptionally(e -> new LeaveGroup.Response(errorFor(e, "LeaveGroup " + r.groupId()).code()));
    }

    // ---------------------------------------------------------------- offsets

    CompletableFuture<OffsetCommit.Response> offsetCommit(OffsetCommit.Request r) {
        ErrorCode error = checkCoordinator(r.groupId());
        if (error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(GroupOffsets.commitAnswer(r, Map.of(), error));
        }
        return group(r.groupId()).thenCompose(g -> {
            ErrorCode check;
            synchronized (g) {
                if (g.unloaded) {
                    check = ErrorCode.NOT_COORDINATOR;
                } else if (r.memberId().isEmpty()) {
                    // A consumer that assigns itself partitions (generation -1): only for a group without members.
                    check = r.generationId() < 0 && !g.hasMembers() ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
                } else {
                    Group.Member m = g.members.get(r.memberId());
                    if (m == null) {
                        check = ErrorCode.UNKNOWN_MEMBER_ID;
                    } else if (r.generationId() != g.generationId) {
                        check = ErrorCode.ILLEGAL_GENERATION;
                    } else if (g.state == Group.State.COMPLETING_REBALANCE) {
                        check = ErrorCode.REBALANCE_IN_PROGRESS;
                    } else {
                        // Commits of the current generation are allowed while it rebalances (KIP-62 revocation).
                        check = ErrorCode.NONE;
                        if (m.pendingJoin == null) {
                            membership.scheduleSession(g, m);
                        }
                    }
                }
            }
            if (check != ErrorCode.NONE) {
                return CompletableFuture.completedFuture(GroupOffsets.commitAnswer(r, Map.of(), check));
            }
            return offsets.commit(r);
        }).exceptionally(e -> GroupOffsets.commitAnswer(r, Map.of(), errorFor(e, "OffsetCommit " + r.groupId())));
    }

    CompletableFuture<OffsetFetch.Response> offsetFetch(OffsetFetch.Request r) {
        ErrorCode error = checkCoordinator(r.groupId());
        if (error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(new OffsetFetch.Response(error.code(), List.of()));
        }
        return offsets.fetch(r);
    }

    // ---------------------------------------------------------------- describe, list, delete

    CompletableFuture<DescribeGroups.Response> describeGroups(DescribeGroups.Request r) {
        List<CompletableFuture<DescribeGroups.Group>> each = new ArrayList<>();
        for (String groupId : r.groups()) {
            ErrorCode error = checkCoordinator(groupId);
            if (error != ErrorCode.NONE) {
                each.add(CompletableFuture.completedFuture(describeError(groupId, error)));
                continue;
            }
            each.add(group(groupId).thenApply(g -> {
                synchronized (g) {
                    if (g.unloaded) {
                        return describeError(groupId, ErrorCode.NOT_COORDINATOR);
                    }
                    List<DescribeGroups.Member> members = new ArrayList<>();
                    for (Group.Member m : g.members.values()) {
                        boolean settled = g.state == Group.State.STABLE;
                        members.add(new DescribeGroups.Member(m.memberId, m.clientId, m.clientHost,
                                g.protocol == null ? ByteBuffer.allocate(0) : m.metadata(g.protocol),
                                settled ? m.assignment : ByteBuffer.allocate(0)));
                    }
                    return new DescribeGroups.Group(ErrorCode.NONE.code(), groupId, g.state.wireName, g.protocolType,
                            g.protocol == null ? "" : g.protocol, members);
                }
            }).exceptionally(e -> describeError(groupId, errorFor(e, "DescribeGroups " + groupId))));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> new DescribeGroups.Response(each.stream().map(CompletableFuture::join).toList()));
    }

    private static DescribeGroups.Group describeError(String groupId, ErrorCode error) {
        return new DescribeGroups.Group(error.code(), groupId, Group.State.DEAD.wireName, "", "", List.of());
    }

    /** The groups this broker coordinates: every group in the store that hashes here, loaded to show its state. */
    CompletableFuture<ListGroups.Response> listGroups() {
        if (registry.isClosed()) {
            return CompletableFuture.completedFuture(new ListGroups.Response(
                    ErrorCode.COORDINATOR_NOT_AVAILABLE.code(), List.of()));
        }
        return store.listGroups().thenCompose(stored -> {
            Set<String> ids = new TreeSet<>(stored);
            ids.addAll(registry.ids());
            List<CompletableFuture<ListGroups.Group>> each = new ArrayList<>();
            for (String id : ids) {
                if (!isCoordinator(id)) {
                    continue;
                }
                each.add(group(id).thenApply(g -> {
                    synchronized (g) {
                        // A lookup of a group that does not exist (describe, offset fetch) leaves an
                        // empty group in memory: it exists only once stored or joined.
                        boolean exists = stored.contains(id) || g.hasMembers() || g.state != Group.State.EMPTY;
                        return g.unloaded || !exists ? null : new ListGroups.Group(id, g.protocolType, g.state.wireName);
                    }
                }).exceptionally(e -> null));
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> new ListGroups.Response(
                    ErrorCode.NONE.code(), each.stream().map(CompletableFuture::join).filter(x -> x != null).toList()));
        }).exceptionally(e -> new ListGroups.Response(errorFor(e, "ListGroups").code(), List.of()));
    }

    CompletableFuture<DeleteGroups.Response> deleteGroups(DeleteGroups.Request r) {
        List<CompletableFuture<DeleteGroups.Result>> each = new ArrayList<>();
        for (String groupId : new LinkedHashSet<>(r.groups())) {
            ErrorCode error = checkCoordinator(groupId);
            if (error != ErrorCode.NONE) {
                each.add(CompletableFuture.completedFuture(new DeleteGroups.Result(groupId, error.code())));
                continue;
            }
            each.add(group(groupId).thenCompose(g -> store.listGroups().thenCompose(stored -> {
                synchronized (g) {
                    if (g.unloaded) {
                        return CompletableFuture.completedFuture(ErrorCode.NOT_COORDINATOR);
                    }
                    if (g.hasMembers() || g.state != Group.State.EMPTY) {
                        return CompletableFuture.completedFuture(ErrorCode.NON_EMPTY_GROUP);
                    }
                    if (!stored.contains(groupId)) {
                        return CompletableFuture.completedFuture(ErrorCode.GROUP_ID_NOT_FOUND);
                    }
                    // Dropped first, so a join meanwhile is told to retry and then starts a new group.
                    unload(g);
                }
                log.info("Group {} is deleted", groupId);
                return store.deleteGroup(groupId).thenApply(v -> ErrorCode.NONE);
            })).exceptionally(e -> errorFor(e, "DeleteGroups " + groupId))
                    .thenApply(e -> new DeleteGroups.Result(groupId, e.code())));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> new DeleteGroups.Response(each.stream().map(CompletableFuture::join).toList()));
    }

    // ---------------------------------------------------------------- metadata and retention

    private void metadataChanged() {
        scheduleMetadataCheck();
    }

    private void scheduleMetadataCheck() {
        if (!registry.isClosed() && metadataCheckScheduled.compareAndSet(false, true)) {
            try {
                timer.schedule(this::checkMetadata, METADATA_CHECK_DELAY_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Drops groups that moved to another broker; rebalances groups whose subscribed topics changed. */
    private void checkMetadata() {
        metadataCheckScheduled.set(false);
        try {
            Set<String> now = cache.topicNames();
            Set<String> gone = new TreeSet<>(knownTopics);
            gone.removeAll(now);
            knownTopics = now;
            for (Group g : registry.loadedGroups()) {
                synchronized (g) {
                    if (g.unloaded) {
                        continue;
                    }
                    if (!isCoordinator(g.groupId)) {
                        log.info("Broker {} no longer coordinates group {} (now broker {})", brokerId, g.groupId,
                                coordinatorOf(g.groupId));
                        unload(g);
                        continue;
                    }
                    if (g.state == Group.State.STABLE && g.protocol != null) {
                        Map<String, Integer> counts = planner.subscribedPartitionCounts(g, g.protocol);
                        if (!counts.equals(g.assignedPartitionCounts)) {
                            membership.prepareRebalance(g, "subscribed topics changed: " + g.assignedPartitionCounts + " -> " + counts);
                        }
                    }
                }
            }
            if (!gone.isEmpty()) {
                log.info("Topics {} were deleted; removing their committed offsets", gone);
                retention.cleanUp(false);
            }
        } catch (RuntimeException e) {
            log.error("Broker {}: checking groups against the metadata failed", brokerId, e);
        }
    }

    // ---------------------------------------------------------------- close

    /** Stops the timers and tells waiting joins to find the coordinator again. Idempotent. */
    @Override
    public void close() {
        if (registry.isClosed()) {
            return;
        }
        registry.close();
        timer.shutdownNow();
    }
}
