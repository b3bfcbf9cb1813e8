package io.runnel.broker.internal.controller;

import io.runnel.api.Subscription;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.api.coordination.ControllerElection;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.api.coordination.Versioned;
import io.runnel.api.election.Election;
import io.runnel.api.election.ElectionRequest;
import io.runnel.api.election.LeaderElectionPolicy;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.MetadataPaths;
import io.runnel.broker.internal.metadata.PartitionState;
import io.runnel.broker.internal.metadata.TopicAssignment;
import io.runnel.broker.internal.metadata.TopicManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The cluster controller. Every broker runs one and takes part in the backend's
 * {@link ControllerElection}; the one elected (with a controller epoch one higher than any before)
 * keeps every partition led:
 *
 * <ul>
 *   <li>a partition whose leader is not a live broker (or that has none) gets a new leader from the
 *       {@link LeaderElectionPolicy} plugin among its live in-sync replicas, given how many
 *       partitions each broker leads now; the leader epoch goes up by one and the ISR shrinks to
 *       its live members;</li>
 *   <li>with no live in-sync replica the partition goes offline (leader -1, ISR kept as it was, so
 *       the last in-sync replica may lead again when it comes back) unless
 *       {@code unclean.leader.election.enable} is on (broker setting, or the topic's own), when the
 *       first live replica leads with the ISR reset to itself;</li>
 *   <li>an existing topic whose partition has no state znode (a creator that died half-way) gets
 *       one.</li>
 * </ul>
 *
 * <p>It works level-triggered: any change in the {@link MetadataCache} (brokers, topics, states)
 * schedules one pass over every partition on the controller's own thread, and so does taking
 * office, so a new controller finishes whatever its predecessor left half-done. The cache only
 * picks the candidates; each write re-reads the state znode and is a compare-and-set on the
 * version read.
 *
 * <p>Fencing: on taking office the controller reads {@code /controller_epoch} (which the election
 * raised to our epoch) and keeps its version; every state update is a compare-and-set on the state's
 * version guarded, in the same transaction, by that version of {@code /controller_epoch}
 * ({@link io.runnel.api.coordination.MetadataStore#compareAndSet(String, byte[], int, String, int)}).
 * Once a successor raised the epoch, none of our writes lands; the conflict makes us read the guard
 * again and stop acting. We also never overwrite a state written by a higher controller epoch. The
 * creation of a missing state znode is not guarded (a create cannot overwrite anything).
 *
 * <p>{@link #moveLeadershipsAway} is the controlled shutdown of this broker and runs on whatever
 * broker closes, controller or not.
 *
 * <p>Thread safe: the passes run on one thread; the election callbacks only flip flags.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    private static final long WRITE_TIMEOUT_MS = 10_000;
    private static final long RETRY_MS = 500;
    /** How long a topic's partition may have no state before the controller writes one (its creator writes it first). */
    private static final long MISSING_STATE_GRACE_MS = 3_000;

    private final int brokerId;
    private final CoordinationBackend backend;
    private final MetadataCache cache;
    private final LeaderElectionPolicy policy;
    private final boolean uncleanDefault;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "controller");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean passQueued = new AtomicBoolean();
    /** Partitions seen without a state znode, and when first; controller thread only. */
    private final Map<TopicPartition, Long> missingSince = new HashMap<>();
    /** Our controller epoch while we are controller, -1 otherwise. */
    private final AtomicLong epoch = new AtomicLong(-1);
    /** The epoch whose /controller_epoch version we know, and that version; controller thread only. */
    private long guardEpoch = -1;
    private int guardVersion = -1;
    private volatile boolean closed;
    private Subscription participation;

    public Controller(int brokerId, CoordinationBackend backend, MetadataCache cache, LeaderElectionPolicy policy,
                      boolean uncleanDefault) {
        this.brokerId = brokerId;
        this.backend = backend;
        this.cache = cache;
        this.policy = policy;
        this.uncleanDefault = uncleanDefault;
    }

    /** Joins the controller election; call once this broker is registered. */
    public synchronized void start() {
        cache.addChangeListener(this::schedulePass);
        participation = backend.controllerElection().participate(brokerId, new ControllerElection.Listener() {
            @Override
            public void elected(long controllerEpoch) {
                epoch.set(controllerEpoch);
                log.info("Broker {} acts as controller, epoch {}", brokerId, controllerEpoch);
                schedulePass();
            }

            @Override
            public void resigned() {
                long was = epoch.getAndSet(-1);
                if (was != -1) {
                    log.info("Broker {} stops acting as controller (epoch {})", brokerId, was);
                }
            }
        });
    }

    /** Whether this broker is the controller now (as far as it knows). */
    public boolean isActive() {
        return epoch.get() != -1;
    }

    private void schedulePass() {
        if (closed || epoch.get() == -1 || !passQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                passQueued.set(false);
                pass();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            passQueued.set(false);
        }
    }

    /** One look at every partition; on the controller thread. */
    private void pass() {
        long ourEpoch = epoch.get();
        if (closed || ourEpoch == -1) {
            return;
        }
        boolean retry = false;
        try {
            if (!loadGuard(ourEpoch)) {
                return;
            }
        } catch (RuntimeException e) {
            log.warn("Controller: cannot read {}: {}; trying again", MetadataPaths.CONTROLLER_EPOCH, e.toString());
            thread.schedule(this::schedulePass, RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        Set<Integer> live = liveBrokers();
        Map<Integer, Integer> leaderCounts = leaderCounts(live);
        missingSince.keySet().removeIf(tp -> cache.topic(tp.topic()).isEmpty());
        long lookAgainMs = -1; // one delayed pass for all partitions still within their grace
        for (String topic : cache.topicNames()) {
            Optional<MetadataCache.TopicMetadata> metadata = cache.topic(topic);
            if (metadata.isEmpty()) {
                continue;
            }
            TopicAssignment assignment = metadata.get().assignment();
            for (int p = 0; p < assignment.partitionCount(); p++) {
                Optional<PartitionState> cached = metadata.get().state(p);
                TopicPartition tp = new TopicPartition(topic, p);
                if (cached.isEmpty()) {
                    long now = System.nanoTime();
                    long since = missingSince.computeIfAbsent(tp, k -> now);
                    long waited = TimeUnit.NANOSECONDS.toMillis(now - since);
                    if (waited < MISSING_STATE_GRACE_MS) {
                        long wait = MISSING_STATE_GRACE_MS - waited + 10;
                        lookAgainMs = lookAgainMs == -1 ? wait : Math.min(lookAgainMs, wait);
                        continue;
                    }
                } else {
                    missingSince.remove(tp);
                    if (live.contains(cached.get().leader())) {
                        continue;
                    }
                }
                try {
                    if (!handle(assignment, p, live, leaderCounts, ourEpoch)) {
                        return; // fenced, or a conflict that already queued a new pass
                    }
                } catch (RuntimeException e) {
                    log.warn("Controller: could not settle the leader of {}-{}: {}; trying again", topic, p,
                            e.toString());
                    retry = true;
                }
            }
        }
        if (retry) {
            lookAgainMs = lookAgainMs == -1 ? RETRY_MS : Math.min(lookAgainMs, RETRY_MS);
        }
        if (lookAgainMs != -1 && !closed) {
            thread.schedule(this::schedulePass, lookAgainMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Settles one partition from a fresh read of its state.
     *
     * @return false if we have been fenced and must stop
     */
    private boolean handle(TopicAssignment assignment, int partition, Set<Integer> live,
                           Map<Integer, Integer> leaderCounts, long ourEpoch) {
        String topic = assignment.topic();
        TopicPartition tp = new TopicPartition(topic, partition);
        List<Integer> replicas = assignment.replicas().get(partition);
        String path = MetadataPaths.partitionState(topic, partition);
        Optional<Versioned<byte[]>> read = await(backend.metadata().get(path));
        if (read.isEmpty()) {
            if (!stillExists(assignment)) {
                return true;
            }
            // A topic whose creator died before writing this state: a partition without data yet.
            Optional<Election> election = elect(new ElectionRequest(tp, ElectionRequest.Reason.NEW_PARTITION,
                    replicas, Set.copyOf(replicas), live, leaderCounts, OptionalInt.empty(), false));
            if (election.isEmpty()) {
                return true;
            }
            int leader = election.get().leader();
            // No data yet, so every live replica is in sync, as at topic creation.
            List<Integer> isr = new java.util.ArrayList<>(List.of(leader));
            replicas.stream().filter(r -> r != leader && live.contains(r)).forEach(isr::add);
            PartitionState state = new PartitionState(leader, 0, isr, (int) ourEpoch);
            try {
                await(backend.metadata().create(path, state.encode()));
                leaderCounts.merge(leader, 1, Integer::sum);
                log.info("Controller: created the missing state of {}: leader {}", tp, leader);
            } catch (RuntimeException e) {
                if (!(unwrap(e) instanceof VersionConflictException)) {
                    throw e;
                }
            }
            return true;
        }
        PartitionState current = PartitionState.decode(read.get().value(), path);
        if (current.controllerEpoch() > ourEpoch) {
            log.warn("Controller (epoch {}): {} was written by controller epoch {}; stepping down", ourEpoch, tp,
                    current.controllerEpoch());
            epoch.compareAndSet(ourEpoch, -1);
            return false;
        }
        if (current.leader() != PartitionState.NO_LEADER && live.contains(current.leader())) {
            return true; // settled since the cache saw it
        }
        Set<Integer> isr = new LinkedHashSet<>(current.isr());
        boolean unclean = uncleanAllowed(assignment);
        Optional<Election> election = elect(new ElectionRequest(tp, ElectionRequest.Reason.LEADER_LOST, replicas, isr,
                live, leaderCounts, OptionalInt.empty(), unclean));
        PartitionState next;
        if (election.isPresent()) {
            int leader = election.get().leader();
            List<Integer> newIsr;
            if (election.get().unclean()) {
                newIsr = List.of(leader);
            } else {
                newIsr = current.isr().stream().filter(live::contains).collect(Collectors.toCollection(ArrayList::new));
                if (!newIsr.contains(leader)) {
                    newIsr.add(leader);
                }
            }
            next = new PartitionState(leader, current.leaderEpoch() + 1, newIsr, (int) ourEpoch);
        } else if (current.leader() != PartitionState.NO_LEADER) {
            // Nobody may lead: offline. The ISR is kept so its last member may lead again cleanly.
            next = new PartitionState(PartitionState.NO_LEADER, current.leaderEpoch() + 1, current.isr(), (int) ourEpoch);
        } else {
            return true; // offline, and still nobody to elect
        }
        try {
            // Atomic with the check that /controller_epoch is still at the version we took office with.
            await(backend.metadata().compareAndSet(path, next.encode(), read.get().version(),
                    MetadataPaths.CONTROLLER_EPOCH, guardVersion));
        } catch (RuntimeException e) {
            if (unwrap(e) instanceof VersionConflictException) {
                // The state changed under us, or a successor raised the epoch: the next pass reads
                // the guard again and tells which.
                guardEpoch = -1;
                schedulePass();
                return false;
            }
            throw e;
        }
        if (current.leader() != PartitionState.NO_LEADER) {
            leaderCounts.merge(current.leader(), -1, Integer::sum);
        }
        if (next.leader() == PartitionState.NO_LEADER) {
            log.warn("Controller: {} is offline: no live in-sync replica (ISR {}, live brokers {}){}", tp,
                    current.isr(), live, unclean ? "" : "; unclean.leader.election.enable is off");
        } else {
            leaderCounts.merge(next.leader(), 1, Integer::sum);
            if (election.get().unclean()) {
                log.warn("Controller: UNCLEAN election for {}: leader {} was not in the ISR {}; records may be lost",
                        tp, next.leader(), current.isr());
            }
            log.info("Controller: {} leader {} -> {}, leader epoch {}, ISR {}", tp, current.leader(), next.leader(),
                    next.leaderEpoch(), next.isr());
        }
        return true;
    }

    /**
     * Controlled shutdown: hands every partition this broker leads to another live in-sync replica
     * (picked by the policy, never an unclean one), each with a compare-and-set that raises the
     * leader epoch and takes this broker out of the ISR. Partitions with no other live in-sync
     * replica stay as they are. Gives up at the deadline; called by {@code Broker.close()} before
     * the broker leaves the cluster.
     *
     * @return how many partitions were moved
     */
    public int moveLeadershipsAway(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Set<Integer> live = liveBrokers();
        live.remove(brokerId);
        Map<Integer, Integer> leaderCounts = leaderCounts(live);
        int moved = 0;
        for (String topic : cache.topicNames()) {
            Optional<MetadataCache.TopicMetadata> metadata = cache.topic(topic);
            if (metadata.isEmpty()) {
                continue;
            }
            TopicAssignment assignment = metadata.get().assignment();
            for (int p = 0; p < assignment.partitionCount(); p++) {
                Optional<PartitionState> cached = metadata.get().state(p);
                if (cached.isEmpty() || cached.get().leader() != brokerId) {
                    continue;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    log.warn("Controlled shutdown of broker {}: out of time, {} partition(s) moved", brokerId, moved);
                    return moved;
                }
                try {
                    if (moveAway(assignment, p, live, leaderCounts, left)) {
                        moved++;
                    }
                } catch (RuntimeException e) {
                    log.warn("Controlled shutdown of broker {}: could not move {}-{}: {}", brokerId, topic, p,
                            e.toString());
                }
            }
        }
        return moved;
    }

    private boolean moveAway(TopicAssignment assignment, int partition, Set<Integer> live,
                             Map<Integer, Integer> leaderCounts, long timeoutMs) {
        TopicPartition tp = new TopicPartition(assignment.topic(), partition);
        String path = MetadataPaths.partitionState(assignment.topic(), partition);
        Optional<Versioned<byte[]>> read = await(backend.metadata().get(path), timeoutMs);
        if (read.isEmpty()) {
            return false;
        }
        PartitionState current = PartitionState.decode(read.get().value(), path);
        if (current.leader() != brokerId) {
            return false;
        }
        Set<Integer> otherIsr = new LinkedHashSet<>(current.isr());
        otherIsr.remove(brokerId);
        Optional<Election> election = elect(new ElectionRequest(tp, ElectionRequest.Reason.LEADER_LOST,
                assignment.replicas().get(partition), otherIsr, live, leaderCounts, OptionalInt.empty(), false));
        if (election.isEmpty() || election.get().unclean() || !otherIsr.contains(election.get().leader())) {
            log.info("Controlled shutdown of broker {}: {} has no other live in-sync replica (ISR {}); it stays",
                    brokerId, tp, current.isr());
            return false;
        }
        int leader = election.get().leader();
        List<Integer> isr = current.isr().stream().filter(b -> b != brokerId).toList();
        // The controller epoch stays the one that wrote the state: this is not a controller write.
        PartitionState next = new PartitionState(leader, current.leaderEpoch() + 1, isr, current.controllerEpoch());
        await(backend.metadata().compareAndSet(path, next.encode(), read.get().version()), timeoutMs);
        leaderCounts.merge(leader, 1, Integer::sum);
        log.info("Controlled shutdown of broker {}: {} leader -> {}, leader epoch {}, ISR {}", brokerId, tp, leader,
                next.leaderEpoch(), isr);
        return true;
    }

    private Optional<Election> elect(ElectionRequest request) {
        Optional<Election> election = policy.elect(request);
        if (election.isPresent()) {
            Election e = election.get();
            boolean valid = request.replicas().contains(e.leader()) && request.liveBrokers().contains(e.leader())
                    && (request.isr().contains(e.leader()) || (e.unclean() && request.uncleanAllowed()));
            if (!valid) {
                log.error("Leader election policy chose broker {} for {} against its contract (replicas {}, ISR {}, "
                        + "live {}, unclean allowed {}); ignored", e.leader(), request.partition(), request.replicas(),
                        request.isr(), request.liveBrokers(), request.uncleanAllowed());
                return Optional.empty();
            }
            if (!request.isr().contains(e.leader()) && !e.unclean()) {
                return Optional.of(Election.unclean(e.leader()));
            }
        }
        return election;
    }

    private boolean uncleanAllowed(TopicAssignment assignment) {
        String topicValue = assignment.configs().get(TopicManager.UNCLEAN_LEADER_ELECTION);
        return topicValue == null ? uncleanDefault : Boolean.parseBoolean(topicValue.trim());
    }

    private boolean stillExists(TopicAssignment assignment) {
        Optional<Versioned<byte[]>> topic = await(backend.metadata().get(MetadataPaths.topic(assignment.topic())));
        return topic.isPresent() && TopicAssignment.decode(assignment.topic(), topic.get().value()).topicId()
                .equals(assignment.topicId());
    }

    /**
     * Reads {@code /controller_epoch} once per epoch and keeps its version, which guards every state
     * write. Another epoch there means a successor took office: we stop acting.
     */
    private boolean loadGuard(long ourEpoch) {
        if (guardEpoch == ourEpoch) {
            return true;
        }
        Optional<Versioned<byte[]>> stored = await(backend.metadata().get(MetadataPaths.CONTROLLER_EPOCH));
        long current = stored.isEmpty() ? -1
                : Long.parseLong(new String(stored.get().value(), StandardCharsets.UTF_8).trim());
        if (current != ourEpoch) {
            log.warn("Controller epoch {} is stale ({} holds {}); broker {} stops acting as controller", ourEpoch,
                    MetadataPaths.CONTROLLER_EPOCH, current, brokerId);
            epoch.compareAndSet(ourEpoch, -1);
            return false;
        }
        guardEpoch = ourEpoch;
        guardVersion = stored.get().version();
        return true;
    }

    private Set<Integer> liveBrokers() {
        Set<Integer> live = new LinkedHashSet<>();
        for (BrokerRegistration b : cache.brokers()) {
            live.add(b.brokerId());
        }
        return live;
    }

    private Map<Integer, Integer> leaderCounts(Set<Integer> live) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (String topic : cache.topicNames()) {
            cache.topic(topic).ifPresent(t -> t.states().values().forEach(s -> {
                if (live.contains(s.leader())) {
                    counts.merge(s.leader(), 1, Integer::sum);
                }
            }));
        }
        return counts;
    }

    private static <T> T await(CompletableFuture<T> future) {
        return await(future, WRITE_TIMEOUT_MS);
    }

    private static <T> T await(CompletableFuture<T> future, long timeoutMs) {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the coordination backend did not answer within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Leaves the election (handing the controllership on) and stops the controller thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        epoch.set(-1);
        if (participation != null) {
            participation.close();
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
