package io.runnel.distribution;

import io.runnel.api.TopicPartition;
import io.runnel.client.admin.ConsumerGroupDescription;
import io.runnel.client.admin.MemberDescription;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.api.RunnelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer groups across a real crash (docs/reliability.md, "Consumer groups"): ZooKeeper and 3
 * brokers as processes ({@link FaultCluster}), an {@code acks=all} producer ({@link FaultProducer})
 * writing unique values to 6 partitions (replication factor 3, min.insync.replicas 2), and 3
 * at-least-once members of one group (process, then {@code commitSync} of what was processed).
 * The group's coordinator broker is SIGKILLed. Required: every partition is processed and committed
 * again within a bound; no successful commit is below a commit that succeeded before it started, and
 * the offsets the coordinator serves never go backwards; after the group settles each partition has
 * exactly one owner; every acknowledged record is processed at least once; after the killed broker
 * restarts the group is still served.
 */
@Timeout(300)
class GroupFailoverIT extends DistributionTestBase {
    private static final String TOPIC = "orders";
    private static final String GROUP = "failover-group";
    private static final int PARTITIONS = 6;
    private static final int MEMBERS = 3;
    private static final int BROKER_SESSION_MS = 6000;
    private static final int CONSUMER_SESSION_MS = 6000;

    /** Shared between the members and the checks. */
    private final Map<String, Integer> processed = new ConcurrentHashMap<>();
    private final AtomicLongArray lastProcessedNanos = new AtomicLongArray(PARTITIONS);
    private final AtomicLongArray lastCommitNanos = new AtomicLongArray(PARTITIONS); // start of the last successful commit
    private final long[] maxCommitted = new long[PARTITIONS]; // guarded by itself
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger failedCommits = new AtomicInteger();
    private final AtomicInteger pollErrors = new AtomicInteger();
    private volatile boolean settled;

    @Test
    void groupCarriesOnWhenItsCoordinatorIsKilled() throws Exception {
        long started = System.nanoTime();
        java.util.Arrays.fill(maxCommitted, -1);
        AckHistory history = new AckHistory(PARTITIONS);
        List<Member> members = new ArrayList<>();
        OffsetMonitor monitor = null;
        try (FaultCluster cluster = new FaultCluster(dist, temp.resolve("cluster"),
                new FaultCluster.Settings(BROKER_SESSION_MS, 500, 3000))) {
            cluster.brokerOverride("group.initial.rebalance.delay.ms", "100");
            cluster.start();
            cluster.createTopic(TOPIC, PARTITIONS);
            try (FaultProducer producer = new FaultProducer(cluster.bootstrap(), TOPIC, history, 200)) {
                producer.start();
                for (int i = 0; i < MEMBERS; i++) {
                    members.add(new Member(i, cluster.bootstrap()));
                }
                monitor = new OffsetMonitor(cluster.bootstrap(), members);
                awaitSettled(cluster, members, "before the kill", Duration.ofSeconds(60));
                long warm = System.nanoTime();
                Waits.until("every partition processed and committed", Duration.ofSeconds(30),
                        () -> progressedSince(warm));

                int coordinator = coordinator(cluster);
                System.out.printf("group failover: coordinator is broker %d; %d processed, %d commits so far%n",
                        coordinator, processed.size(), commits.get());
                settled = false;
                long killed = System.nanoTime();
                cluster.kill(coordinator);
                Duration bound = Duration.ofMillis(BROKER_SESSION_MS + CONSUMER_SESSION_MS).plusSeconds(10);
                Duration firstCommit = Waits.until("a commit that started after the coordinator's broker " + coordinator
                        + " was killed to succeed", bound, () -> {
                    for (int p = 0; p < PARTITIONS; p++) {
                        if (lastCommitNanos.get(p) - killed > 0) {
                            return true;
                        }
                    }
                    return false;
                });
                Duration carriedOn = Waits.until("every partition processed and committed again after the coordinator's"
                        + " broker " + coordinator + " was killed", bound.minus(firstCommit), () -> progressedSince(killed))
                        .plus(firstCommit);
                awaitSettled(cluster, members, "after the kill", Duration.ofSeconds(60));
                int newCoordinator = coordinator(cluster);
                assertTrue(newCoordinator != coordinator, "the killed broker " + coordinator + " still coordinates");
                long sinceKill = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                System.out.printf("group failover: broker %d SIGKILLed; first commit accepted (new coordinator) after "
                                + "%d ms; every partition processed and committed again after %d ms (bound %d ms); group stable on coordinator %d, %d ms after the kill%n",
                        coordinator, firstCommit.toMillis(), carriedOn.toMillis(), bound.toMillis(), newCoordinator, sinceKill);

                settled = false; // the group may move back to the restarted broker: a rebalance is allowed
                long restarted = System.nanoTime();
                cluster.restart(coordinator);
                cluster.awaitFullIsr(TOPIC, Duration.ofSeconds(60));
                long back = System.nanoTime();
                Duration served = Waits.until("the group served after broker " + coordinator + " restarted",
                        Duration.ofSeconds(60), () -> progressedSince(back));
                awaitSettled(cluster, members, "after the restart", Duration.ofSeconds(60));
                System.out.printf("group failover: broker %d restarted, back in every ISR after %d ms; every partition "
                                + "processed and committed again %d ms later; group stable on coordinator %d%n",
                        coordinator, TimeUnit.NANOSECONDS.toMillis(back - restarted), served.toMillis(),
                        coordinator(cluster));
            }
            // The producer is closed: every record has its outcome. Each acknowledged one must be processed.
            long acked = history.ackedTotal();
            Waits.until("every acknowledged record processed", Duration.ofSeconds(60), () -> missing(history).isEmpty());
            monitor.close();
            for (Member m : members) {
                m.close();
            }
            long duplicates = processed.values().stream().mapToLong(c -> c - 1).sum();
            System.out.printf("group failover: %d acknowledged, %d distinct processed, %d redelivered; %d commits "
                            + "(%d failed), %d poll errors, %d offset fetches (%d failed); %d s%n", acked,
                    processed.size(), duplicates, commits.get(), failedCommits.get(), pollErrors.get(),
                    monitor.fetches, monitor.failures, Duration.ofNanos(System.nanoTime() - started).toSeconds());
            for (Member m : members) {
                assertTrue(m.failure == null, "member " + m.id + " failed: " + m.failure);
            }
            assertTrue(acked > 0, "nothing was acknowledged");
            assertTrue(violations.isEmpty(), String.join("\n", violations));
        } finally {
            if (monitor != null) {
                monitor.close();
            }
            for (Member m : members) {
                m.close();
            }
        }
    }

    /** True once every partition had a record processed and a commit that started after {@code since}. */
    private boolean progressedSince(long since) {
        for (int p = 0; p < PARTITIONS; p++) {
            if (lastProcessedNanos.get(p) - since <= 0 || lastCommitNanos.get(p) - since <= 0) {
                return false;
            }
        }
        return true;
    }

    private List<String> missing(AckHistory history) {
        List<String> missing = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (long n : history.ackOrder(p)) {
                String value = AckHistory.value(p, n);
                if (!processed.containsKey(value)) {
                    missing.add(value);
                }
            }
        }
        return missing;
    }

    private static int coordinator(FaultCluster cluster) {
        for (int id = 0; id < FaultCluster.BROKERS; id++) {
            if (cluster.isAlive(id)) {
                int asked = id;
                return cluster.admin(asked, a -> a.describeConsumerGroups(List.of(GROUP)).get(GROUP)).coordinator().id();
            }
        }
        throw new IllegalStateException("no live broker");
    }

    /**
     * Waits until the coordinator describes the group as Stable with every member holding 2
     * partitions, and the members' own views (kept by their rebalance listeners) agree: each
     * partition owned by exactly one member. From then on the monitor checks that no partition has two owners.
     */
    private Duration awaitSettled(FaultCluster cluster, List<Member> members, String when, Duration timeout) {
        Duration took = Waits.until("the group to settle " + when, timeout, () -> {
            ConsumerGroupDescription d = null;
            for (int id = 0; id < FaultCluster.BROKERS && d == null; id++) {
                if (cluster.isAlive(id)) {
                    d = cluster.admin(id, a -> a.describeConsumerGroups(List.of(GROUP)).get(GROUP));
                }
            }
            if (d == null || !d.state().equals("Stable") || d.members().size() != MEMBERS) {
                return false;
            }
            Set<TopicPartition> described = new HashSet<>();
            for (MemberDescription m : d.members()) {
                if (m.assignment().size() != PARTITIONS / MEMBERS) {
                    return false;
                }
                described.addAll(m.assignment());
            }
            Set<TopicPartition> held = new HashSet<>();
            int total = 0;
            for (Member m : members) {
                total += m.owned.size();
                held.addAll(m.owned);
            }
            return described.size() == PARTITIONS && held.equals(described) && total == PARTITIONS;
        });
        settled = true;
        return took;
    }

    /** An at-least-once member: poll, record what it processed, commitSync the offsets after it. */
    private final class Member implements ConsumerRebalanceListener {
        final int id;
        final RunnelConsumer<String, String> consumer;
        final Thread thread;
        final long[] ownLastCommit = new long[PARTITIONS];
        volatile Set<TopicPartition> owned = Set.of();
        volatile boolean running = true;
        volatile Throwable failure;

        Member(int id, String bootstrap) {
            this.id = id;
            java.util.Arrays.fill(ownLastCommit, -1);
            Map<String, String> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS, bootstrap);
            config.put(ConsumerConfig.CLIENT_ID, "member-" + id);
            config.put(ConsumerConfig.GROUP_ID, GROUP);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT, "false");
            config.put(ConsumerConfig.AUTO_OFFSET_RESET, "earliest");
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS, Integer.toString(CONSUMER_SESSION_MS));
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS, "1000");
            config.put(ConsumerConfig.REQUEST_TIMEOUT_MS, "5000");
            config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS, "8000");
            config.put(ConsumerConfig.MAX_POLL_RECORDS, "200");
            consumer = new RunnelConsumer<>(config, new StringDeserializer(), new StringDeserializer());
            thread = new Thread(this::run, "group-member-" + id);
            thread.start();
        }

        private void run() {
            try {
                consumer.subscribe(List.of(TOPIC), this);
                while (running) {
                    ConsumerRecords<String, String> records;
                    try {
                        records = consumer.poll(Duration.ofMillis(200));
                    } catch (RunnelException e) {
                        pollErrors.incrementAndGet();
                        continue;
                    }
                    if (records.isEmpty()) {
                        continue;
                    }
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    long now = System.nanoTime();
                    for (ConsumerRecord<String, String> r : records) {
                        processed.merge(r.value(), 1, Integer::sum);
                        lastProcessedNanos.set(r.partition(), now);
                        offsets.put(r.topicPartition(), new OffsetAndMetadata(r.offset() + 1));
                    }
                    commit(offsets);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** commitSync, then: not below this member's last commit, nor below any commit that succeeded before it began. */
        private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            long start = System.nanoTime();
            Map<Integer, Long> floor = new HashMap<>();
            synchronized (maxCommitted) {
                offsets.keySet().forEach(tp -> floor.put(tp.partition(), maxCommitted[tp.partition()]));
            }
            try {
                consumer.commitSync(offsets);
            } catch (RunnelException e) {
                failedCommits.incrementAndGet(); // rebalance or coordinator moving: redelivered later, allowed
                return;
            }
            commits.incrementAndGet();
            synchronized (maxCommitted) {
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                    int p = e.getKey().partition();
                    long offset = e.getValue().offset();
                    if (offset < floor.get(p) || offset < ownLastCommit[p]) {
                        violations.add("member " + id + " committed " + offset + " for partition " + p
                                + " after a commit of " + Math.max(floor.get(p), ownLastCommit[p]) + " had succeeded");
                    }
                    ownLastCommit[p] = Math.max(ownLastCommit[p], offset);
                    maxCommitted[p] = Math.max(maxCommitted[p], offset);
                    lastCommitNanos.set(p, start);
                }
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Set<TopicPartition> now = new HashSet<>(owned);
            now.removeAll(partitions);
            owned = Set.copyOf(now);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<TopicPartition> now = new HashSet<>(owned);
            now.addAll(partitions);
            owned = Set.copyOf(now);
        }

        void close() throws InterruptedException {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (!thread.isAlive()) {
                consumer.close();
            }
        }
    }

    /**
     * Every 200 ms: fetches the group's committed offsets from its coordinator (they must never go
     * backwards) and, once the group has settled, checks no partition is owned by two members.
     */
    private final class OffsetMonitor implements AutoCloseable {
        private final RunnelAdmin admin;
        private final List<Member> members;
        private final Thread thread;
        private final long[] seen = new long[PARTITIONS];
        private volatile boolean running = true;
        volatile int fetches;
        volatile int failures;

        OffsetMonitor(String bootstrap, List<Member> members) {
            this.members = members;
            java.util.Arrays.fill(seen, -1);
            admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap, "request.timeout.ms", "2000",
                    "default.api.timeout.ms", "3000"));
            thread = new Thread(this::run, "offset-monitor");
            thread.start();
        }

        private void run() {
            while (running) {
                if (settled) {
                    Map<TopicPartition, Integer> owners = new HashMap<>();
                    for (Member m : members) {
                        for (TopicPartition tp : m.owned) {
                            if (owners.put(tp, m.id) != null) {
                                violations.add(tp + " owned by members " + owners.get(tp) + " and " + m.id + " at once");
                            }
                        }
                    }
                }
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                            .get(5, TimeUnit.SECONDS);
                    fetches++;
                    offsets.forEach((tp, o) -> {
                        if (o.offset() < seen[tp.partition()]) {
                            violations.add("the committed offset of " + tp + " went back from " + seen[tp.partition()]
                                    + " to " + o.offset());
                        }
                        seen[tp.partition()] = Math.max(seen[tp.partition()], o.offset());
                    });
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    failures++; // the coordinator is moving
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // sampling period, not synchronisation
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(10));
            admin.close();
        }
    }
}
