package io.runnel.broker.internal.controller;

import io.runnel.api.ErrorCode;
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
import io.runnel.broker.internal.metadata.ControllerRequestText;
import io.runnel.broker.internal.metadata.ControllerRequests;
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
 * <p>It also carries out the requests any broker queues for it under
 * {@code /admin/controller_requests} ({@link ControllerRequests}): topic creation and added
 * partitions (replicas placed by the {@code replica.placement.policy} plugin, on this thread;
 * the topic znode written with a compare-and-set guarded by the controller epoch), and preferred
 * or unclean leader elections. With {@code auto.leader.rebalance.enable} it checks every
 * {@code leader.imbalance.check.interval.seconds} whether a broker's share of its preferred
 * partitions led elsewhere is above {@code leader.imbalance.per.broker.percentage}, and if so
 * gives those partitions preferred elections.
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
    /**
     * How long after its deadline an answered request whose requester never deleted it is kept (a
     * margin for the brokers' clocks); deleted at the next look at the requests after that.
     */
    private static final long ABANDONED_RESULT_MS = 5_000;
    private static final int MAX_WRITE_ATTEMPTS = 5;
    /** How long the controller waits for a new topic's (or new partitions') first states: many writes. */
    private static final long FIRST_STATES_TIMEOUT_MS = 60_000;

    private final int brokerId;
    private final CoordinationBackend backend;
    private final MetadataCache cache;
    private final LeaderElectionPolicy policy;
    private final TopicManager topics;
    private final Settings settings;
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
    private Subscription requestsWatch;
    /** The children of {@code /admin/controller_requests} as last seen. */
    private volatile List<String> requestNames = List.of();
    private final AtomicBoolean requestsQueued = new AtomicBoolean();

    /**
     * The controller's settings.
     *
     * @param uncleanDefault the broker's {@code unclean.leader.election.enable}
     * @param autoRebalance {@code auto.leader.rebalance.enable}
     * @param imbalancePercentage {@code leader.imbalance.per.broker.percentage}
     * @param imbalanceCheckIntervalMs {@code leader.imbalance.check.interval.seconds}, in ms
     */
    public record Settings(boolean uncleanDefault, boolean autoRebalance, int imbalancePercentage,
                           long imbalanceCheckIntervalMs) {
    }

    public Controller(int brokerId, CoordinationBackend backend, MetadataCache cache, LeaderElectionPolicy policy,
                      TopicManager topics, Settings settings) {
        this.brokerId = brokerId;
        this.backend = backend;
        this.cache = cache;
        this.policy = policy;
        this.topics = topics;
        this.settings = settings;
        this.uncleanDefault = settings.uncleanDefault();
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
                scheduleRequests();
            }

            @Override
            public void resigned() {
                long was = epoch.getAndSet(-1);
                if (was != -1) {
                    log.info("Broker {} stops acting as controller (epoch {})", brokerId, was);
                }
            }
        });
        requestsWatch = backend.metadata().watchChildren(MetadataPaths.CONTROLLER_REQUESTS, names -> {
            requestNames = names;
            scheduleRequests();
        });
        if (settings.autoRebalance()) {
            long every = settings.imbalanceCheckIntervalMs();
            thread.scheduleWithFixedDelay(this::checkLeaderImbalance, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether this broker is the controller now (as far as it knows). */
    public boolean isActive() {
        return epoch.get() != -1;
    }

    private void schedulePass() {
        runOnceQueued(passQueued, this::pass);
    }

    /**
     * Runs {@code task} on the controller thread while this broker is controller; asked again
     * before it ran, it still runs once ({@code queued} says it is waiting).
     */
    private void runOnceQueued(AtomicBoolean queued, Runnable task) {
        if (closed || epoch.get() == -1 || !queued.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                queued.set(false);
                task.run();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.set(false);
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

    // ------------------------------------------------------------------ requests to the controller

    private void scheduleRequests() {
        if (!requestNames.isEmpty()) {
            runOnceQueued(requestsQueued, this::processRequests);
        }
    }

    /** Handles every pending {@code /admin/controller_requests} child; on the controller thread. */
    private void processRequests() {
        long ourEpoch = epoch.get();
        if (closed || ourEpoch == -1) {
            return;
        }
        for (String name : requestNames) {
            try {
                if (!loadGuard(ourEpoch) || !processRequest(name, ourEpoch)) {
                    return; // fenced: the successor finds the request still pending
                }
            } catch (RuntimeException e) {
                // The backend did not answer, most likely; a request whose requester gave up is dropped then.
                log.warn("Controller: could not handle request {}: {}; trying again", name, e.toString());
                thread.schedule(this::scheduleRequests, RETRY_MS, TimeUnit.MILLISECONDS);
                return;
            }
        }
    }

    /**
     * Handles one request znode and writes its result into it.
     *
     * @return false if we have been fenced and must stop
     */
    private boolean processRequest(String name, long ourEpoch) {
        String path = MetadataPaths.controllerRequest(name);
        Optional<Versioned<byte[]>> read = await(backend.metadata().get(path));
        if (read.isEmpty()) {
            return true;
        }
        Map<String, String> request;
        long deadline;
        try {
            request = ControllerRequestText.decode(read.get().value(), path);
            deadline = Long.parseLong(request.getOrDefault(ControllerRequestText.DEADLINE_MS, "0").trim());
        } catch (RuntimeException e) {
            log.warn("Controller: dropping malformed request {}: {}", path, e.getMessage());
            deleteQuietly(path);
            return true;
        }
        if (ControllerRequestText.isDone(request)) {
            if (System.currentTimeMillis() > deadline + ABANDONED_RESULT_MS) {
                deleteQuietly(path); // answered, but its requester stopped waiting before it collected the result
            }
            return true;
        }
        // A request past its deadline is still carried out (its requester answered REQUEST_TIMED_OUT).

        String type = request.getOrDefault(ControllerRequestText.TYPE, "");
        Map<String, String> result = switch (type) {
            case ControllerRequests.ELECT_LEADERS -> electLeaders(request, ourEpoch);
            case ControllerRequests.CREATE_PARTITIONS -> createPartitions(request, ourEpoch);
            case ControllerRequests.CREATE_TOPIC -> createTopic(request, ourEpoch);
            default -> Map.of(ControllerRequests.ERROR, String.valueOf(ErrorCode.INVALID_REQUEST.code()),
                    ControllerRequests.MESSAGE, "unknown controller request type '" + type + "'");
        };
        if (result == null) {
            return false;
        }
        Map<String, String> answered = new HashMap<>(request);
        answered.putAll(result);
        answered.put(ControllerRequestText.DONE, "true");
        try {
            await(backend.metadata().compareAndSet(path, ControllerRequestText.encode(answered), read.get().version()));
            long collectBy = deadline + ABANDONED_RESULT_MS - System.currentTimeMillis();
            if (collectBy < 0) {
                deleteQuietly(path); // nobody waits for this answer any more
            } else {
                // Look again once the requester must have collected it, and delete it if it did not.
                thread.schedule(this::scheduleRequests, collectBy + 10, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            log.info("Controller: could not write the result of request {} (its requester may have given up): {}",
                    name, e.toString());
        }
        return true;
    }

    private void deleteQuietly(String path) {
        backend.metadata().delete(path, -1).exceptionally(e -> null);
    }

    /** An election's outcome for one partition. */
    private record Outcome(ErrorCode error, String message, int leaderEpoch) {
        static Outcome of(ErrorCode error, String message) {
            return new Outcome(error, message, -1);
        }
    }

    private enum Write { WRITTEN, CONFLICT, FENCED }

    /** A guarded state write; on a conflict, tells a changed state from a successor's epoch. */
    private Write writeState(String path, PartitionState next, int version, long ourEpoch) {
        try {
            await(backend.metadata().compareAndSet(path, next.encode(), version, MetadataPaths.CONTROLLER_EPOCH,
                    guardVersion));
            return Write.WRITTEN;
        } catch (RuntimeException e) {
            if (!(unwrap(e) instanceof VersionConflictException)) {
                throw e;
            }
            guardEpoch = -1;
            return loadGuard(ourEpoch) ? Write.CONFLICT : Write.FENCED;
        }
    }

    /** ELECT_LEADERS: a preferred or unclean election for each listed partition. Null if fenced. */
    private Map<String, String> electLeaders(Map<String, String> request, long ourEpoch) {
        boolean unclean = ControllerRequests.UNCLEAN.equals(request.get(ControllerRequests.ELECTION));
        Set<Integer> live = liveBrokers();
        Map<Integer, Integer> leaderCounts = leaderCounts(live);
        Map<String, String> result = new HashMap<>();
        for (TopicPartition tp : ControllerRequests.parsePartitions(request.getOrDefault(ControllerRequests.PARTITIONS, ""))) {
            Outcome outcome = unclean ? electUnclean(tp, live, leaderCounts, ourEpoch)
                    : electPreferred(tp, live, ourEpoch, "preferred leader election");
            if (outcome == null) {
                return null;
            }
            String key = ControllerRequests.key(tp);
            result.put(ControllerRequests.ERROR + "." + key, String.valueOf(outcome.error().code()));
            if (outcome.message() != null) {
                result.put(ControllerRequests.MESSAGE + "." + key, outcome.message());
            }
            if (outcome.leaderEpoch() >= 0) {
                result.put(ControllerRequests.LEADER_EPOCH + "." + key, String.valueOf(outcome.leaderEpoch()));
            }
        }
        return result;
    }

    /**
     * Moves the leadership of {@code tp} to its preferred (first) replica if that one is alive and
     * in the ISR, asking the election policy with reason {@code PREFERRED}; the leader epoch goes up
     * by one and the ISR stays. Null if fenced.
     */
    private Outcome electPreferred(TopicPartition tp, Set<Integer> live, long ourEpoch, String why) {
        Optional<List<Integer>> replicas = replicasOf(tp);
        if (replicas.isEmpty()) {
            return Outcome.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic-partition " + tp + " does not exist");
        }
        int preferred = replicas.get().get(0);
        return rewriteState(tp, ourEpoch, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, current -> {
            if (current.leader() == preferred) {
                return Step.stop(new Outcome(ErrorCode.ELECTION_NOT_NEEDED, "the preferred replica " + preferred
                        + " leads " + tp + " already", current.leaderEpoch()));
            }
            boolean alive = live.contains(preferred);
            boolean inSync = current.isr().contains(preferred);
            if (!alive || !inSync) {
                String reason = !alive && !inSync ? "is not alive and not in the ISR " + current.isr()
                        : !alive ? "is not alive" : "is not in the ISR " + current.isr();
                return Step.stop(Outcome.of(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "the preferred replica "
                        + preferred + " of " + tp + " " + reason));
            }
            OptionalInt currentLeader = live.contains(current.leader()) ? OptionalInt.of(current.leader())
                    : OptionalInt.empty();
            Optional<Election> election = elect(new ElectionRequest(tp, ElectionRequest.Reason.PREFERRED,
                    replicas.get(), new LinkedHashSet<>(current.isr()), live, leaderCounts(live), currentLeader, false));
            if (election.isEmpty() || election.get().unclean()) {
                return Step.stop(Outcome.of(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
                        "the leader election policy elected nobody for " + tp));
            }
            int leader = election.get().leader();
            if (leader == current.leader()) {
                return Step.stop(new Outcome(ErrorCode.ELECTION_NOT_NEEDED, "the leader election policy keeps " + leader
                        + " as the leader of " + tp, current.leaderEpoch()));
            }
            PartitionState next = new PartitionState(leader, current.leaderEpoch() + 1, current.isr(), (int) ourEpoch);
            return Step.write(next, () -> log.info("Controller: {}: {} leader {} -> {}, leader epoch {}, ISR {}", why, tp,
                    current.leader(), leader, next.leaderEpoch(), next.isr()));
        });
    }

    /**
     * Elects a leader for a partition that has no live one, from outside the ISR if no ISR member
     * is alive (whatever {@code unclean.leader.election.enable} says). Null if fenced.
     */
    private Outcome electUnclean(TopicPartition tp, Set<Integer> live, Map<Integer, Integer> leaderCounts,
                                 long ourEpoch) {
        Optional<List<Integer>> replicas = replicasOf(tp);
        if (replicas.isEmpty()) {
            return Outcome.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic-partition " + tp + " does not exist");
        }
        return rewriteState(tp, ourEpoch, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, current -> {
            if (current.leader() != PartitionState.NO_LEADER && live.contains(current.leader())) {
                return Step.stop(new Outcome(ErrorCode.ELECTION_NOT_NEEDED, "broker " + current.leader() + " leads " + tp,
                        current.leaderEpoch()));
            }
            Optional<Election> election = elect(new ElectionRequest(tp, ElectionRequest.Reason.LEADER_LOST,
                    replicas.get(), new LinkedHashSet<>(current.isr()), live, leaderCounts, OptionalInt.empty(), true));
            if (election.isEmpty()) {
                return Step.stop(Outcome.of(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "no replica of " + tp
                        + " is alive (replicas " + replicas.get() + ", live brokers " + live + ")"));
            }
            int leader = election.get().leader();
            boolean unclean = election.get().unclean();
            List<Integer> newIsr;
            if (unclean) {
                newIsr = List.of(leader);
            } else {
                newIsr = current.isr().stream().filter(live::contains).collect(Collectors.toCollection(ArrayList::new));
                if (!newIsr.contains(leader)) {
                    newIsr.add(leader);
                }
            }
            PartitionState next = new PartitionState(leader, current.leaderEpoch() + 1, newIsr, (int) ourEpoch);
            return Step.write(next, () -> {
                leaderCounts.merge(leader, 1, Integer::sum);
                if (unclean) {
                    log.warn("Controller: UNCLEAN election (requested) for {}: leader {} was not in the ISR {}; "
                            + "records may be lost", tp, leader, current.isr());
                }
                log.info("Controller: requested election: {} leader {} -> {}, leader epoch {}, ISR {}", tp,
                        current.leader(), leader, next.leaderEpoch(), next.isr());
            });
        });
    }

    /** What a state rewrite makes of the state it read: stop with an outcome, or write {@code next}. */
    private record Step(Outcome stop, PartitionState next, Runnable onWritten) {
        static Step stop(Outcome outcome) {
            return new Step(outcome, null, null);
        }

        static Step write(PartitionState next, Runnable onWritten) {
            return new Step(null, next, onWritten);
        }
    }

    /**
     * Reads the state of {@code tp} and writes what {@code decide} makes of it, with a
     * compare-and-set guarded by this controller's epoch; on a version conflict it reads and
     * decides again, at most {@code MAX_WRITE_ATTEMPTS} times. Null if fenced (the state was
     * written by a newer controller, or the guard failed).
     *
     * @param noState the error when the partition has no state yet
     */
    private Outcome rewriteState(TopicPartition tp, long ourEpoch, ErrorCode noState,
                                 java.util.function.Function<PartitionState, Step> decide) {
        String path = MetadataPaths.partitionState(tp.topic(), tp.partition());
        for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
            Optional<Versioned<byte[]>> read = await(backend.metadata().get(path));
            if (read.isEmpty()) {
                return Outcome.of(noState, tp + " has no state yet");
            }
            PartitionState current = PartitionState.decode(read.get().value(), path);
            if (current.controllerEpoch() > ourEpoch) {
                stepDown(ourEpoch, tp, current);
                return null;
            }
            Step step = decide.apply(current);
            if (step.stop() != null) {
                return step.stop();
            }
            switch (writeState(path, step.next(), read.get().version(), ourEpoch)) {
                case WRITTEN -> {
                    step.onWritten().run();
                    return new Outcome(ErrorCode.NONE, null, step.next().leaderEpoch());
                }
                case FENCED -> {
                    return null;
                }
                case CONFLICT -> {
                    // the state changed under us: look again
                }
            }
        }
        return Outcome.of(ErrorCode.REQUEST_TIMED_OUT, "the state of " + tp + " kept changing; try again");
    }

    private Optional<List<Integer>> replicasOf(TopicPartition tp) {
        return cache.topic(tp.topic()).map(MetadataCache.TopicMetadata::assignment)
                .map(a -> a.replicas().get(tp.partition())).filter(r -> !r.isEmpty());
    }

    private void stepDown(long ourEpoch, TopicPartition tp, PartitionState current) {
        log.warn("Controller (epoch {}): {} was written by controller epoch {}; stepping down", ourEpoch, tp,
                current.controllerEpoch());
        epoch.compareAndSet(ourEpoch, -1);
    }

    /**
     * CREATE_PARTITIONS: places the added partitions' replicas with the placement plugin, writes the
     * topic with a compare-and-set on the version read (guarded by our controller epoch), then
     * each new partition's first state. Null if fenced.
     */
    private Map<String, String> createPartitions(Map<String, String> request, long ourEpoch) {
        String topic = request.getOrDefault(ControllerRequests.TOPIC, "");
        String topicId = request.getOrDefault(ControllerRequests.TOPIC_ID, "");
        boolean validateOnly = Boolean.parseBoolean(request.getOrDefault(ControllerRequests.VALIDATE_ONLY, "false"));
        String path = MetadataPaths.topic(topic);
        try {
            int count = Integer.parseInt(request.getOrDefault(ControllerRequests.COUNT, "").trim());
            for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
                Optional<Versioned<byte[]>> read = await(backend.metadata().get(path));
                TopicAssignment current = read.isEmpty() ? null : TopicAssignment.decode(topic, read.get().value());
                if (current == null || (!topicId.isEmpty() && !topicId.equals(current.topicId()))) {
                    return ControllerRequests.error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic
                            + "' does not exist");
                }
                TopicAssignment next = topics.withPartitions(current, count);
                if (validateOnly) {
                    return ControllerRequests.error(ErrorCode.NONE, null);
                }
                try {
                    await(backend.metadata().compareAndSet(path, next.encode(), read.get().version(),
                            MetadataPaths.CONTROLLER_EPOCH, guardVersion));
                } catch (RuntimeException e) {
                    if (!(unwrap(e) instanceof VersionConflictException)) {
                        throw e;
                    }
                    guardEpoch = -1;
                    if (!loadGuard(ourEpoch)) {
                        return null;
                    }
                    continue; // the topic changed (another request added partitions?): decide again
                }
                log.info("Controller: topic {} goes from {} to {} partition(s); new replicas {}", topic,
                        current.partitionCount(), count, next.replicas().entrySet().stream()
                                .filter(e -> e.getKey() >= current.partitionCount())
                                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
                writeFirstStates(next, current.partitionCount(), ourEpoch);
                return ControllerRequests.error(ErrorCode.NONE, null);
            }
            return ControllerRequests.error(ErrorCode.REQUEST_TIMED_OUT, "topic '" + topic
                    + "' kept changing; try again");
        } catch (NumberFormatException e) {
            return ControllerRequests.error(ErrorCode.INVALID_REQUEST, "bad partition count: " + e.getMessage());
        } catch (io.runnel.api.RunnelException e) {
            return ControllerRequests.error(e.errorCode(), e.getMessage());
        }
    }

    /**
     * CREATE_TOPIC: checks the topic, places its replicas with the placement plugin, creates the
     * topic znode (the commit point: a name taken meanwhile is {@code TOPIC_ALREADY_EXISTS}) and
     * each partition's first state.
     */
    private Map<String, String> createTopic(Map<String, String> request, long ourEpoch) {
        try {
            TopicManager.NewTopic topic = ControllerRequests.decodeNewTopic(request);
            Optional<TopicAssignment> created = await(topics.createAssignment(topic));
            if (created.isPresent()) {
                writeFirstStates(created.get(), 0, ourEpoch);
            }
            return ControllerRequests.error(ErrorCode.NONE, null);
        } catch (io.runnel.api.RunnelException e) {
            return ControllerRequests.error(e.errorCode(), e.getMessage());
        } catch (IllegalArgumentException e) {
            return ControllerRequests.error(ErrorCode.INVALID_REQUEST, e.getMessage());
        }
    }

    /**
     * Writes the first state of partitions {@code first ..} of a topic whose znode is written
     * already (the commit point): a failure here is logged, not answered, since the topic or its
     * new partitions exist; a pass writes the states still missing after the grace period.
     */
    private void writeFirstStates(TopicAssignment assignment, int first, long ourEpoch) {
        try {
            await(topics.writeInitialStates(assignment, first, (int) ourEpoch), FIRST_STATES_TIMEOUT_MS);
        } catch (RuntimeException e) {
            log.warn("Controller: could not write the first states of {} (from partition {}): {}; they are written "
                    + "once found missing", assignment.topic(), first, e.toString());
            thread.schedule(this::schedulePass, MISSING_STATE_GRACE_MS + 10, TimeUnit.MILLISECONDS);
        }
    }

    // ------------------------------------------------------------------ automatic leader rebalancing

    /**
     * Every {@code leader.imbalance.check.interval.seconds}: for each live broker, the share of the
     * partitions it is the preferred replica of that another broker leads; above
     * {@code leader.imbalance.per.broker.percentage}, each of those whose preferred replica is in
     * the ISR gets a preferred election. On the controller thread; does nothing unless we are
     * controller.
     */
    private void checkLeaderImbalance() {
        long ourEpoch = epoch.get();
        if (closed || ourEpoch == -1) {
            return;
        }
        try {
            if (!loadGuard(ourEpoch)) {
                return;
            }
            Set<Integer> live = liveBrokers();
            Map<Integer, Integer> preferredOf = new HashMap<>();
            Map<Integer, List<TopicPartition>> notLed = new java.util.TreeMap<>();
            for (String topic : cache.topicNames()) {
                Optional<MetadataCache.TopicMetadata> metadata = cache.topic(topic);
                if (metadata.isEmpty()) {
                    continue;
                }
                TopicAssignment assignment = metadata.get().assignment();
                for (int p = 0; p < assignment.partitionCount(); p++) {
                    List<Integer> replicas = assignment.replicas().get(p);
                    Optional<PartitionState> state = metadata.get().state(p);
                    if (replicas == null || replicas.isEmpty() || state.isEmpty() || !live.contains(replicas.get(0))) {
                        continue;
                    }
                    int preferred = replicas.get(0);
                    preferredOf.merge(preferred, 1, Integer::sum);
                    if (state.get().leader() != preferred) {
                        notLed.computeIfAbsent(preferred, b -> new ArrayList<>()).add(new TopicPartition(topic, p));
                    }
                }
            }
            for (Map.Entry<Integer, List<TopicPartition>> e : notLed.entrySet()) {
                int broker = e.getKey();
                double imbalance = 100.0 * e.getValue().size() / preferredOf.get(broker);
                if (imbalance <= settings.imbalancePercentage()) {
                    continue;
                }
                log.info("Controller: broker {} is the preferred leader of {} partition(s) and leads {} of them "
                        + "(imbalance {}% > {}%): moving leaderships back", broker, preferredOf.get(broker),
                        preferredOf.get(broker) - e.getValue().size(), Math.round(imbalance),
                        settings.imbalancePercentage());
                for (TopicPartition tp : e.getValue()) {
                    boolean inSync = cache.partitionState(tp).map(s -> s.isr().contains(broker)).orElse(false);
                    if (!inSync) {
                        continue;
                    }
                    Outcome outcome = electPreferred(tp, live, ourEpoch, "leader rebalance");
                    if (outcome == null || epoch.get() != ourEpoch) {
                        return;
                    }
                    if (outcome.error() != ErrorCode.NONE) {
                        log.debug("Controller: leader rebalance of {}: {}", tp, outcome.message());
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("Controller: leader imbalance check failed: {}", e.toString());
        }
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
        if (requestsWatch != null) {
            requestsWatch.close();
        }
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
