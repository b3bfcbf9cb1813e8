package io.runnel.client.internal.consumer;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.Node;
import io.runnel.client.consumer.CommitFailedException;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.OffsetCommitCallback;
import io.runnel.client.internal.network.MetadataManager;
import io.runnel.client.internal.network.NetworkClient;
import io.runnel.protocol.ConsumerProtocol;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.protocol.message.Heartbeat;
import io.runnel.protocol.message.JoinGroup;
import io.runnel.protocol.message.LeaveGroup;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.SyncGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The consumer's side of a consumer group ({@code docs/protocol.md}, "Consumer groups"): finds the
 * coordinator, joins (JoinGroup, then SyncGroup for the assignment the coordinator computed),
 * heartbeats, commits and fetches offsets, and leaves.
 *
 * <p>Threads: everything but heartbeats runs on the application thread inside {@code poll},
 * {@code commit*} and {@code close}: rebalances, listener calls and commit callbacks. The
 * heartbeat thread only sends heartbeats, flags what it learns ({@link #rejoinNeeded},
 * {@link #memberLost}) and, when {@code poll} was not called within {@code max.poll.interval.ms},
 * leaves the group. JoinGroup, SyncGroup, Heartbeat and LeaveGroup travel on a network client of
 * their own (its own connection to the coordinator), so a JoinGroup that waits for the join phase
 * holds up no fetch; commits and offset fetches use the consumer's main connections, so they are
 * not held up behind a waiting JoinGroup either.
 *
 * <p>A JoinGroup is sent without blocking {@code poll}: the consumer goes on consuming what it
 * keeps (cooperative) while the join phase runs, and picks the answer up on a later {@code poll}.
 */
public final class ConsumerCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerCoordinator.class);
    private static final String PROTOCOL_TYPE = "consumer";

    /** Group settings. */
    public record Settings(String groupId, int sessionTimeoutMs, int rebalanceTimeoutMs, int heartbeatIntervalMs,
                           List<String> assignors, boolean autoCommit, int autoCommitIntervalMs, int requestTimeoutMs,
                           long retryBackoffMs) {
    }

    private record Generation(int id, String memberId) {
        static final Generation NONE = new Generation(-1, "");
    }

    private record PendingCallback(OffsetCommitCallback callback, Map<TopicPartition, OffsetAndMetadata> offsets,
                                   Exception error) {
    }

    private final Settings settings;
    private final NetworkClient network;
    private final NetworkClient groupNetwork;
    private final MetadataManager metadata;
    private final List<InetSocketAddress> bootstrap;
    private final Fetcher<?, ?> fetcher;
    private final Thread heartbeatThread;
    private final ConcurrentLinkedQueue<PendingCallback> callbacks = new ConcurrentLinkedQueue<>();

    private final Object lock = new Object();
    private volatile InetSocketAddress coordinator;
    private Generation generation = Generation.NONE; // guarded by lock
    private String memberId = ""; // guarded by lock; kept across rejoins, "" after UNKNOWN_MEMBER_ID
    private boolean cooperativeGeneration; // application thread
    private volatile boolean rejoinNeeded;
    private volatile boolean memberLost;
    private volatile boolean joining; // a JoinGroup or SyncGroup is under way: no heartbeats
    private volatile long lastPollNanos = System.nanoTime();
    private volatile boolean closed;

    private List<String> topics = List.of(); // application thread
    private Pattern pattern;
    private ConsumerRebalanceListener listener;
    private volatile boolean subscribed; // also read where async commit answers arrive
    private CompletableFuture<Message> joinFuture;
    private boolean revokedForJoin;
    private final Set<TopicPartition> awaitingCommitted = new LinkedHashSet<>();
    private long nextJoinNanos;
    private CompletableFuture<InetSocketAddress> lookup; // a coordinator lookup poll started
    private long nextLookupNanos;
    private long nextAutoCommitNanos;

    public ConsumerCoordinator(Settings settings, NetworkClient network, NetworkClient groupNetwork,
                               MetadataManager metadata, List<InetSocketAddress> bootstrap, Fetcher<?, ?> fetcher) {
        this.settings = settings;
        this.network = network;
        this.groupNetwork = groupNetwork;
        this.metadata = metadata;
        this.bootstrap = List.copyOf(bootstrap);
        this.fetcher = fetcher;
        this.nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.autoCommitIntervalMs());
        this.heartbeatThread = new Thread(this::heartbeatLoop, "runnel-heartbeat-" + settings.groupId());
        this.heartbeatThread.setDaemon(true);
        this.heartbeatThread.start();
    }

    public String groupId() {
        return settings.groupId();
    }

    public boolean subscribed() {
        return subscribed;
    }

    /** The subscribed topics, or for a pattern the topics of the assigned partitions. */
    public Set<String> subscription() {
        if (!subscribed) {
            return Set.of();
        }
        if (pattern == null) {
            return Set.copyOf(topics);
        }
        Set<String> out = new LinkedHashSet<>();
        fetcher.assignment().forEach(tp -> out.add(tp.topic()));
        return out;
    }

    /** Subscribes (or changes the subscription, which rejoins the group). */
    public void subscribe(List<String> topics, Pattern pattern, ConsumerRebalanceListener listener) {
        this.topics = List.copyOf(topics);
        this.pattern = pattern;
        this.listener = listener == null ? new ConsumerRebalanceListener() {
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            }

            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        } : listener;
        this.subscribed = true;
        this.rejoinNeeded = true;
        if (!this.topics.isEmpty()) {
            metadata.addTopics(this.topics);
        }
    }

    /** Gives up the partitions (committing first with auto-commit) and leaves the group. */
    public void unsubscribe() {
        if (!subscribed) {
            return;
        }
        leave(true);
        subscribed = false;
        topics = List.of();
        pattern = null;
        fetcher.assign(Set.of());
    }

    /** True while the member has no settled assignment (joining, or a rejoin is due). */
    public boolean rebalancing() {
        return subscribed && (rejoinNeeded || joining || joinFuture != null || memberLost);
    }

    /**
     * The group's share of a {@code poll}: delivers commit callbacks, handles a lost membership,
     * advances a rebalance (revoking, joining, syncing, fetching committed offsets, calling the
     * listener) and auto-commits. Blocks only for the coordinator lookup, SyncGroup and OffsetFetch.
     */
    public void poll(long deadlineNanos) {
        lastPollNanos = System.nanoTime();
        runCallbacks();
        if (!subscribed) {
            maybeAutoCommit();
            return;
        }
        if (memberLost) {
            memberLost = false;
            Set<TopicPartition> lost = Set.copyOf(fetcher.assignment());
            synchronized (lock) {
                generation = Generation.NONE;
                memberId = "";
            }
            if (joinFuture != null) {
                joinFuture.cancel(false);
                joinFuture = null;
            }
            joining = false;
            fetcher.assign(Set.of());
            if (!lost.isEmpty()) {
                log.info("Group {}: lost partitions {} (no longer a member)", settings.groupId(), lost);
                listener.onPartitionsLost(lost);
            }
            rejoinNeeded = true;
        }
        if (!awaitingCommitted.isEmpty()) {
            initPositions();
        }
        if (joinFuture == null && !rejoinNeeded) {
            maybeAutoCommit();
            return;
        }
        if (coordinator == null && !lookupCoordinator(deadlineNanos)) {
            return;
        }
        if (joinFuture == null) {
            if (System.nanoTime() - nextJoinNanos < 0) {
                return;
            }
            startJoin();
        }
        if (joinFuture != null && joinFuture.isDone()) {
            completeJoin(deadlineNanos);
        }
    }

    /** Waits up to {@code nanos} for the JoinGroup answer or the coordinator lookup, or just waits. */
    public void awaitJoin(long nanos) {
        CompletableFuture<?> f = joinFuture != null ? joinFuture : lookup;
        if (f == null) {
            java.util.concurrent.locks.LockSupport.parkNanos(nanos); // a back-off before the next attempt
            return;
        }
        try {
            f.get(nanos, TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            // looked at by completeJoin
        }
    }

    private void startJoin() {
        if (!cooperativeGeneration && !revokedForJoin) {
            // eager: commit, then give up everything before rejoining
            Set<TopicPartition> owned = Set.copyOf(fetcher.assignment());
            if (!owned.isEmpty()) {
                commitPositionsBeforeRevoke(owned);
                log.info("Group {}: revoking {} before rejoining", settings.groupId(), owned);
                listener.onPartitionsRevoked(owned);
                fetcher.assign(Set.of());
            }
            revokedForJoin = true;
        }
        rejoinNeeded = false;
        joining = true;
        ConsumerProtocol.Subscription subscription = new ConsumerProtocol.Subscription(topics,
                pattern == null ? null : pattern.pattern(), List.copyOf(fetcher.assignment()), null, true);
        List<JoinGroup.Protocol> protocols = new ArrayList<>();
        for (String assignor : settings.assignors()) {
            protocols.add(new JoinGroup.Protocol(assignor, ConsumerProtocol.encodeSubscription(subscription)));
        }
        String id;
        synchronized (lock) {
            id = memberId;
        }
        JoinGroup.Request request = new JoinGroup.Request(settings.groupId(), settings.sessionTimeoutMs(),
                settings.rebalanceTimeoutMs(), id, PROTOCOL_TYPE, protocols);
        log.debug("Group {}: joining as '{}' via {}", settings.groupId(), id, coordinator);
        joinFuture = groupNetwork.send(coordinator, request, settings.rebalanceTimeoutMs() + settings.requestTimeoutMs());
    }

    private void completeJoin(long deadlineNanos) {
        CompletableFuture<Message> f = joinFuture;
        joinFuture = null;
        JoinGroup.Response response;
        try {
            response = (JoinGroup.Response) f.join();
        } catch (RuntimeException e) {
            log.debug("Group {}: JoinGroup failed: {}", settings.groupId(), e.toString());
            coordinatorUnknown();
            retryJoin(true);
            return;
        }
        ErrorCode error = ErrorCode.forCode(response.errorCode());
        switch (error) {
            case NONE -> {
                Generation joined = new Generation(response.generationId(), response.memberId());
                synchronized (lock) {
                    memberId = response.memberId();
                    generation = joined;
                }
                log.info("Group {}: joined generation {} as {} (assignor {})", settings.groupId(), joined.id(),
                        joined.memberId(), response.protocolName());
                sync(joined, deadlineNanos);
            }
            case MEMBER_ID_REQUIRED -> {
                synchronized (lock) {
                    memberId = response.memberId();
                }
                retryJoin(false);
                startJoin();
            }
            case UNKNOWN_MEMBER_ID -> {
                synchronized (lock) {
                    memberId = "";
                    generation = Generation.NONE;
                }
                retryJoin(false);
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                coordinatorUnknown();
                retryJoin(true);
            }
            case REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION -> retryJoin(false);
            default -> {
                joining = false;
                rejoinNeeded = true;
                nextJoinNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.retryBackoffMs());
                throw error.exception("joining group " + settings.groupId() + " failed: " + error.description());
            }
        }
    }

    private void retryJoin(boolean backoff) {
        joining = false;
        rejoinNeeded = true;
        nextJoinNanos = System.nanoTime() + (backoff ? TimeUnit.MILLISECONDS.toNanos(settings.retryBackoffMs()) : 0);
    }

    private void sync(Generation joined, long deadlineNanos) {
        SyncGroup.Response response;
        try {
            response = (SyncGroup.Response) groupNetwork.send(coordinator, new SyncGroup.Request(settings.groupId(),
                    joined.id(), joined.memberId()), settings.requestTimeoutMs()).join();
        } catch (RuntimeException e) {
            log.debug("Group {}: SyncGroup failed: {}", settings.groupId(), e.toString());
            coordinatorUnknown();
            retryJoin(true);
            return;
        }
        ErrorCode error = ErrorCode.forCode(response.errorCode());
        switch (error) {
            case NONE -> {
            }
            case UNKNOWN_MEMBER_ID -> {
                synchronized (lock) {
                    memberId = "";
                    generation = Generation.NONE;
                }
                retryJoin(false);
                return;
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                coordinatorUnknown();
                retryJoin(true);
                return;
            }
            case REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION -> {
                retryJoin(false);
                return;
            }
            default -> {
                retryJoin(true);
                throw error.exception("SyncGroup of group " + settings.groupId() + " failed: " + error.description());
            }
        }
        ConsumerProtocol.Assignment assignment = ConsumerProtocol.decodeAssignment(response.assignment());
        apply(assignment, deadlineNanos);
    }

    private void apply(ConsumerProtocol.Assignment assignment, long deadlineNanos) {
        Set<TopicPartition> owned = new LinkedHashSet<>(fetcher.assignment());
        Set<TopicPartition> target = new LinkedHashSet<>(assignment.partitions());
        Set<TopicPartition> revoked = new LinkedHashSet<>(owned);
        revoked.removeAll(target);
        Set<TopicPartition> added = new LinkedHashSet<>(target);
        added.removeAll(owned);
        cooperativeGeneration = assignment.cooperative();
        revokedForJoin = false;
        if (!revoked.isEmpty()) {
            // cooperative: hand over what moves, then rejoin at once so that it can be reassigned
            commitPositionsBeforeRevoke(revoked);
            log.info("Group {}: revoking {}", settings.groupId(), revoked);
            listener.onPartitionsRevoked(revoked);
            rejoinNeeded = true;
        }
        metadata.addTopics(target.stream().map(TopicPartition::topic).toList());
        fetcher.assign(target);
        awaitingCommitted.retainAll(target);
        awaitingCommitted.addAll(added);
        fetcher.hold(added);
        joining = false;
        initPositions();
        log.info("Group {}: assigned {} ({})", settings.groupId(), target, cooperativeGeneration ? "cooperative" : "eager");
        nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.autoCommitIntervalMs());
        listener.onPartitionsAssigned(cooperativeGeneration ? added : target);
    }

    /**
     * Starts newly assigned partitions at the group's committed offsets; those without one are
     * released to {@code auto.offset.reset}. A failed lookup is retried on the next poll, the
     * partitions held without a position meanwhile.
     */
    private void initPositions() {
        awaitingCommitted.retainAll(fetcher.assignment()); // revoked or lost meanwhile
        awaitingCommitted.removeIf(fetcher::hasPosition); // sought by the application meanwhile
        if (awaitingCommitted.isEmpty()) {
            return;
        }
        Set<TopicPartition> lookup = Set.copyOf(awaitingCommitted);
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = fetchCommitted(lookup, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs()));
        } catch (RunnelException e) {
            if (!e.retriable()) {
                throw e;
            }
            log.warn("Group {}: fetching the committed offsets of {} failed, will retry: {}", settings.groupId(), lookup,
                    e.toString());
            return;
        }
        committed.forEach((tp, o) -> {
            if (o != null && awaitingCommitted.contains(tp) && !fetcher.hasPosition(tp)) {
                fetcher.seek(tp, o.offset());
                log.debug("Group {}: {} starts at committed offset {}", settings.groupId(), tp, o.offset());
            }
        });
        fetcher.release(lookup);
        awaitingCommitted.removeAll(lookup);
    }

    private void commitPositionsBeforeRevoke(Set<TopicPartition> partitions) {
        if (!settings.autoCommit()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        fetcher.positions().forEach((tp, p) -> {
            if (partitions.contains(tp)) {
                offsets.put(tp, new OffsetAndMetadata(p));
            }
        });
        if (offsets.isEmpty()) {
            return;
        }
        try {
            commitSync(offsets, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs()));
        } catch (RuntimeException e) {
            log.warn("Group {}: committing {} before giving them up failed: {}", settings.groupId(), offsets, e.toString());
        }
    }

    private void maybeAutoCommit() {
        if (!settings.autoCommit() || System.nanoTime() - nextAutoCommitNanos < 0) {
            return;
        }
        nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.autoCommitIntervalMs());
        Map<TopicPartition, OffsetAndMetadata> offsets = currentPositions();
        if (!offsets.isEmpty()) {
            commitAsync(offsets, (o, e) -> {
                if (e != null) {
                    log.warn("Group {}: auto-commit of {} failed: {}", settings.groupId(), o, e.toString());
                }
            });
        }
    }

    /** The positions of the assigned partitions, as offsets to commit. */
    public Map<TopicPartition, OffsetAndMetadata> currentPositions() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        fetcher.positions().forEach((tp, p) -> offsets.put(tp, new OffsetAndMetadata(p)));
        return offsets;
    }

    private Generation commitGeneration() {
        if (!subscribed) {
            return Generation.NONE; // a consumer that assigns itself partitions
        }
        synchronized (lock) {
            return generation;
        }
    }

    /**
     * Commits, retrying on a moved coordinator and on a generation that is just being stored, until
     * the deadline.
     *
     * @throws CommitFailedException when the member is not the group's current one
     */
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, long deadlineNanos) {
        runCallbacks();
        if (offsets.isEmpty()) {
            return;
        }
        while (true) {
            if (coordinator == null && !findCoordinator(deadlineNanos)) {
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "committing offsets of group "
                        + settings.groupId() + ": no coordinator found in time");
            }
            Generation gen = commitGeneration();
            ErrorCode retry;
            try {
                OffsetCommit.Response response = (OffsetCommit.Response) Fetcher.await(
                        network.send(coordinator, commitRequest(gen, offsets), settings.requestTimeoutMs()),
                        deadlineNanos, "committing offsets of group " + settings.groupId());
                retry = commitResult(response, gen);
                if (retry == null) {
                    return;
                }
            } catch (RunnelException e) {
                if (!e.retriable() || System.nanoTime() - deadlineNanos >= 0) {
                    throw e;
                }
                retry = ErrorCode.NETWORK_EXCEPTION;
            }
            if (retry != ErrorCode.REBALANCE_IN_PROGRESS) {
                coordinatorUnknown();
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                throw retry == ErrorCode.REBALANCE_IN_PROGRESS
                        ? new CommitFailedException(retry, "commit of group " + settings.groupId()
                                + " refused: a rebalance is in progress")
                        : new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "committing offsets of group "
                                + settings.groupId() + " did not succeed in time (last: " + retry + ")");
            }
            sleep(settings.retryBackoffMs());
        }
    }

    /** Commits without waiting; {@code callback} runs on a later poll/commitSync/close. */
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        if (offsets.isEmpty()) {
            if (callback != null) {
                callbacks.add(new PendingCallback(callback, offsets, null));
            }
            return;
        }
        InetSocketAddress address = coordinator;
        if (address == null) {
            if (!findCoordinator(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs()))) {
                Exception e = new RunnelException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "no coordinator for group "
                        + settings.groupId());
                if (callback != null) {
                    callbacks.add(new PendingCallback(callback, offsets, e));
                }
                return;
            }
            address = coordinator;
        }
        Generation gen = commitGeneration();
        network.send(address, commitRequest(gen, offsets), settings.requestTimeoutMs()).whenComplete((r, t) -> {
            Exception error = null;
            if (t != null) {
                error = t instanceof Exception ex ? ex : new RuntimeException(t);
                coordinatorUnknown();
            } else {
                try {
                    ErrorCode retry = commitResult((OffsetCommit.Response) r, gen);
                    if (retry != null) {
                        if (retry != ErrorCode.REBALANCE_IN_PROGRESS) {
                            coordinatorUnknown();
                        }
                        error = retry == ErrorCode.REBALANCE_IN_PROGRESS
                                ? new CommitFailedException(retry, "commit refused: a rebalance is in progress")
                                : retry.exception("commit of group " + settings.groupId() + " failed: " + retry.description());
                    }
                } catch (RuntimeException e) {
                    error = e;
                }
            }
            if (callback != null) {
                callbacks.add(new PendingCallback(callback, offsets, error));
            }
        });
    }

    private OffsetCommit.Request commitRequest(Generation gen, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<String, List<OffsetCommit.PartitionData>> byTopic = new LinkedHashMap<>();
        offsets.forEach((tp, o) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                .add(new OffsetCommit.PartitionData(tp.partition(), o.offset(), -1, o.metadata())));
        List<PerTopic<OffsetCommit.PartitionData>> topics = new ArrayList<>();
        byTopic.forEach((t, ps) -> topics.add(new PerTopic<>(t, ps)));
        return new OffsetCommit.Request(settings.groupId(), gen.id(), gen.memberId(), topics);
    }

    /**
     * @return null when every partition was committed; a retriable cause to retry on
     * @throws CommitFailedException for a fenced member, the partition's error otherwise
     */
    private ErrorCode commitResult(OffsetCommit.Response response, Generation gen) {
        ErrorCode retry = null;
        for (PerTopic<OffsetCommit.PartitionResult> topic : response.topics()) {
            for (OffsetCommit.PartitionResult p : topic.partitions()) {
                ErrorCode error = ErrorCode.forCode(p.errorCode());
                switch (error) {
                    case NONE -> {
                    }
                    case ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID -> {
                        if (subscribed) {
                            if (error == ErrorCode.UNKNOWN_MEMBER_ID) {
                                flagLost(gen);
                            } else {
                                rejoinNeeded = true;
                            }
                        }
                        throw new CommitFailedException(error, "commit of group " + settings.groupId()
                                + " refused: generation " + gen.id() + " member '" + gen.memberId()
                                + "' is not the group's current member (" + error + "); its partitions may belong"
                                + " to another member now");
                    }
                    case REBALANCE_IN_PROGRESS, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS,
                         NETWORK_EXCEPTION, REQUEST_TIMED_OUT -> retry = error;
                    default -> throw error.exception("committing " + topic.name() + "-" + p.partition() + " in group "
                            + settings.groupId() + ": " + error.description());
                }
            }
        }
        return retry;
    }

    /** The committed offsets (null where none), retrying on a moved coordinator until the deadline. */
    public Map<TopicPartition, OffsetAndMetadata> fetchCommitted(Set<TopicPartition> partitions, long deadlineNanos) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<PerTopic<Integer>> topics = new ArrayList<>();
        byTopic.forEach((t, ps) -> topics.add(new PerTopic<>(t, ps)));
        while (true) {
            if (coordinator == null && !findCoordinator(deadlineNanos)) {
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "fetching committed offsets of group "
                        + settings.groupId() + ": no coordinator found in time");
            }
            ErrorCode retry;
            try {
                OffsetFetch.Response response = (OffsetFetch.Response) Fetcher.await(network.send(coordinator,
                        new OffsetFetch.Request(settings.groupId(), topics), settings.requestTimeoutMs()),
                        deadlineNanos, "fetching committed offsets of group " + settings.groupId());
                retry = ErrorCode.forCode(response.errorCode());
                if (retry == ErrorCode.NONE) {
                    Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
                    partitions.forEach(tp -> out.put(tp, null));
                    for (PerTopic<OffsetFetch.PartitionData> topic : response.topics()) {
                        for (OffsetFetch.PartitionData p : topic.partitions()) {
                            ErrorCode error = ErrorCode.forCode(p.errorCode());
                            if (error != ErrorCode.NONE) {
                                if (error.retriable()) {
                                    retry = error;
                                    continue;
                                }
                                throw error.exception("committed offset of " + topic.name() + "-" + p.partition()
                                        + " in group " + settings.groupId() + ": " + error.description());
                            }
                            if (p.offset() >= 0) {
                                out.put(new TopicPartition(topic.name(), p.partition()),
                                        new OffsetAndMetadata(p.offset(), p.metadata()));
                            }
                        }
                    }
                    if (retry == ErrorCode.NONE) {
                        return out;
                    }
                } else if (!retry.retriable()) {
                    throw retry.exception("fetching committed offsets of group " + settings.groupId() + ": "
                            + retry.description());
                }
            } catch (RunnelException e) {
                if (!e.retriable() || System.nanoTime() - deadlineNanos >= 0) {
                    throw e;
                }
                retry = e.errorCode();
            }
            coordinatorUnknown();
            if (System.nanoTime() - deadlineNanos >= 0) {
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "fetching committed offsets of group "
                        + settings.groupId() + " did not succeed in time (last: " + retry + ")");
            }
            sleep(settings.retryBackoffMs());
        }
    }

    private void runCallbacks() {
        PendingCallback pending;
        while ((pending = callbacks.poll()) != null) {
            try {
                pending.callback().onComplete(pending.offsets(), pending.error());
            } catch (RuntimeException e) {
                log.warn("Commit callback failed", e);
            }
        }
    }

    /**
     * Finds the coordinator without blocking past {@code deadlineNanos}: a lookup that is not done
     * by then goes on, and a later poll picks its answer up. After a failed lookup the next one
     * waits {@code retry.backoff.ms}.
     */
    private boolean lookupCoordinator(long deadlineNanos) {
        if (lookup == null) {
            if (System.nanoTime() - nextLookupNanos < 0) {
                return false;
            }
            lookup = new CompletableFuture<>();
            lookupFrom(candidates(), 0, lookup);
        }
        try {
            InetSocketAddress found = lookup.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            lookup = null;
            coordinator = found;
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            lookup = null;
            nextLookupNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.retryBackoffMs());
            if (e.getCause() instanceof RunnelException re && !re.retriable()) {
                throw new RunnelException(re.errorCode(), re.getMessage(), re);
            }
            metadata.refresh();
            return false;
        }
    }

    private void lookupFrom(List<InetSocketAddress> candidates, int index, CompletableFuture<InetSocketAddress> result) {
        if (index >= candidates.size() || closed) {
            result.completeExceptionally(new RunnelException(ErrorCode.COORDINATOR_NOT_AVAILABLE,
                    "no broker named a coordinator for group " + settings.groupId() + "; asked " + candidates));
            return;
        }
        InetSocketAddress candidate = candidates.get(index);
        network.send(candidate, new FindCoordinator.Request(settings.groupId(), FindCoordinator.GROUP),
                settings.requestTimeoutMs()).whenComplete((r, t) -> {
                    if (t == null) {
                        FindCoordinator.Response response = (FindCoordinator.Response) r;
                        ErrorCode error = ErrorCode.forCode(response.errorCode());
                        if (error == ErrorCode.NONE) {
                            InetSocketAddress found = new InetSocketAddress(response.host(), response.port());
                            log.info("Group {}: coordinator is broker {} at {}", settings.groupId(), response.nodeId(),
                                    found);
                            result.complete(found);
                            return;
                        }
                        if (!error.retriable()) {
                            result.completeExceptionally(error.exception("finding the coordinator of group "
                                    + settings.groupId() + ": " + error.description()));
                            return;
                        }
                    }
                    lookupFrom(candidates, index + 1, result);
                });
    }

    /** The brokers to ask for the coordinator: those of the metadata, then the bootstrap ones. */
    private List<InetSocketAddress> candidates() {
        List<InetSocketAddress> candidates = new ArrayList<>();
        for (Node node : metadata.cluster().nodes().values()) {
            candidates.add(MetadataManager.address(node));
        }
        for (InetSocketAddress b : bootstrap) {
            if (!candidates.contains(b)) {
                candidates.add(b);
            }
        }
        return candidates;
    }

    /** Finds the coordinator (asking the known brokers, then the bootstrap ones) until the deadline. */
    private boolean findCoordinator(long deadlineNanos) {
        while (true) {
            for (InetSocketAddress candidate : candidates()) {
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                if (remainingMs <= 0 || closed) {
                    return false;
                }
                try {
                    FindCoordinator.Response response = (FindCoordinator.Response) network.send(candidate,
                            new FindCoordinator.Request(settings.groupId(), FindCoordinator.GROUP),
                            settings.requestTimeoutMs()) // a shorter one would close the shared connection
                            .get(Math.max(1, remainingMs), TimeUnit.MILLISECONDS);
                    ErrorCode error = ErrorCode.forCode(response.errorCode());
                    if (error == ErrorCode.NONE) {
                        InetSocketAddress found = new InetSocketAddress(response.host(), response.port());
                        if (!found.equals(coordinator)) {
                            log.info("Group {}: coordinator is broker {} at {}", settings.groupId(), response.nodeId(), found);
                        }
                        coordinator = found;
                        return true;
                    }
                    if (!error.retriable()) {
                        throw error.exception("finding the coordinator of group " + settings.groupId() + ": "
                                + error.description());
                    }
                    log.debug("Group {}: FindCoordinator from {}: {}", settings.groupId(), candidate, error);
                } catch (RunnelException e) {
                    if (!e.retriable()) {
                        throw e;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (Exception e) {
                    log.debug("Group {}: FindCoordinator from {} failed: {}", settings.groupId(), candidate, e.toString());
                }
            }
            if (System.nanoTime() - deadlineNanos >= 0 || closed) {
                return false;
            }
            metadata.refresh();
            sleep(settings.retryBackoffMs());
        }
    }

    private void coordinatorUnknown() {
        InetSocketAddress old = coordinator;
        if (old != null) {
            log.debug("Group {}: coordinator {} unknown again", settings.groupId(), old);
            coordinator = null;
        }
    }

    private void flagLost(Generation gen) {
        synchronized (lock) {
            if (!gen.memberId().equals(memberId)) {
                return; // already rejoined since
            }
            generation = Generation.NONE;
            memberId = "";
        }
        memberLost = true;
    }

    private void heartbeatLoop() {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatIntervalMs());
        while (!closed) {
            synchronized (heartbeatThread) {
                try {
                    heartbeatThread.wait(settings.heartbeatIntervalMs());
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (closed) {
                return;
            }
            Generation gen;
            synchronized (lock) {
                gen = generation;
            }
            if (gen.id() < 0 || joining) {
                continue;
            }
            if (System.nanoTime() - lastPollNanos > TimeUnit.MILLISECONDS.toNanos(settings.rebalanceTimeoutMs())) {
                log.warn("Group {}: poll() was not called within max.poll.interval.ms={}; leaving the group so that"
                        + " others take over the partitions", settings.groupId(), settings.rebalanceTimeoutMs());
                sendLeave(gen.memberId());
                flagLost(gen);
                continue;
            }
            InetSocketAddress address = coordinator;
            if (address == null) {
                try {
                    findCoordinator(System.nanoTime() + intervalNanos);
                } catch (RuntimeException e) {
                    log.debug("Group {}: finding the coordinator failed: {}", settings.groupId(), e.toString());
                }
                continue;
            }
            ErrorCode error;
            try {
                Heartbeat.Response response = (Heartbeat.Response) groupNetwork.send(address,
                        new Heartbeat.Request(settings.groupId(), gen.id(), gen.memberId()), settings.requestTimeoutMs())
                        .get(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
                error = ErrorCode.forCode(response.errorCode());
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                error = ErrorCode.NETWORK_EXCEPTION;
            }
            synchronized (lock) {
                if (!gen.equals(generation)) {
                    continue; // rejoined meanwhile: the answer is about the old generation
                }
            }
            switch (error) {
                case NONE -> {
                }
                case REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION -> {
                    log.info("Group {}: heartbeat says {}; rejoining", settings.groupId(), error);
                    rejoinNeeded = true;
                }
                case UNKNOWN_MEMBER_ID -> {
                    log.info("Group {}: member {} is no longer known to the coordinator", settings.groupId(),
                            gen.memberId());
                    flagLost(gen);
                }
                default -> {
                    log.debug("Group {}: heartbeat failed with {}; finding the coordinator again", settings.groupId(), error);
                    if (address.equals(coordinator)) {
                        coordinatorUnknown();
                    }
                }
            }
        }
    }

    private void sendLeave(String id) {
        InetSocketAddress address = coordinator;
        if (address == null || id.isEmpty()) {
            return;
        }
        try {
            groupNetwork.send(address, new LeaveGroup.Request(settings.groupId(), id), settings.requestTimeoutMs())
                    .get(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("Group {}: LeaveGroup failed: {}", settings.groupId(), e.toString());
        }
    }

    /** Commits (auto-commit), revokes and sends LeaveGroup. */
    private void leave(boolean revoke) {
        Set<TopicPartition> owned = Set.copyOf(fetcher.assignment());
        commitPositionsBeforeRevoke(owned);
        if (revoke && !owned.isEmpty() && listener != null) {
            listener.onPartitionsRevoked(owned);
        }
        if (joinFuture != null) {
            joinFuture.cancel(false);
            joinFuture = null;
        }
        String id;
        synchronized (lock) {
            id = memberId;
            generation = Generation.NONE;
            memberId = "";
        }
        joining = false;
        rejoinNeeded = false;
        memberLost = false;
        cooperativeGeneration = false;
        revokedForJoin = false;
        sendLeave(id);
    }

    /**
     * Commits the positions (auto-commit), revokes and leaves the group when subscribed, and stops
     * the heartbeat thread. Bounded by the request timeout per step.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (subscribed) {
                leave(true);
            } else if (settings.autoCommit() && !fetcher.assignment().isEmpty()) {
                try {
                    commitSync(currentPositions(),
                            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs()));
                } catch (RuntimeException e) {
                    log.warn("Group {}: commit on close failed: {}", settings.groupId(), e.toString());
                }
            }
            runCallbacks();
        } finally {
            closed = true;
            synchronized (heartbeatThread) {
                heartbeatThread.notifyAll();
            }
        }
    }

    /**
     * Waits for the heartbeat thread to end after {@link #close}; call once the group network client
     * is closed, which fails a heartbeat in flight at once.
     */
    public void awaitStopped() {
        try {
            heartbeatThread.join(settings.requestTimeoutMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Test hook: stops heartbeats and forgets the group without leaving it, as if the process had
     * died, so that the coordinator removes the member after its session timeout.
     */
    public void crashForTest() {
        closed = true;
        synchronized (heartbeatThread) {
            heartbeatThread.notifyAll();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // back-off between retries
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "interrupted", e);
        }
    }
}
