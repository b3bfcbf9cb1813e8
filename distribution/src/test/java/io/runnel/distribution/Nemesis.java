package io.runnel.distribution;

import io.runnel.client.PartitionInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fault test's nemesis: one fault per round, the kinds in turn, each aimed at the current
 * leader of a partition (the partitions in turn), and each healed before the round ends (every
 * partition back to a full ISR). Measures the leader fail-over of a crash and a freeze: from the
 * action to the moment a live broker's metadata (what a client is told) names another leader.
 */
final class Nemesis {
    enum Kind {
        /** SIGKILL the leader, then restart it from its data folder. */
        KILL,
        /** SIGSTOP the leader past its ZooKeeper session timeout, then SIGCONT it: a zombie leader. */
        STOP,
        /** Black-hole the replication links between the leader and its peers; clients still reach it. */
        PARTITION,
        /**
         * Black-hole the leader's ZooKeeper connection past its session timeout: another leader is
         * elected while the old one still runs and still reaches its peers and the clients.
         */
        ZK_CUT,
        /**
         * SIGKILL the leader, then the leader that replaces it: the last replica leads alone, with
         * fewer in-sync replicas than min.insync.replicas, until the two restart and catch up.
         */
        DOUBLE_KILL
    }

    record Round(int number, Kind kind, int partition, int victim, Duration failover, String note) {
    }

    private final FaultCluster cluster;
    private final String topic;
    private final int partitions;
    private final Duration healTimeout = Duration.ofSeconds(120);
    private final List<Round> rounds = new ArrayList<>();

    Nemesis(FaultCluster cluster, String topic, int partitions) {
        this.cluster = cluster;
        this.topic = topic;
        this.partitions = partitions;
    }

    /** Runs round {@code number}: the kind and the partition follow from it. */
    Round run(int number) throws Exception {
        Kind kind = Kind.values()[number % Kind.values().length];
        int partition = number % partitions;
        int victim = cluster.leader(firstLiveOtherThan(-1), topic, partition)
                .orElseThrow(() -> new AssertionError("partition " + partition + " has no leader before round " + number));
        Round round = switch (kind) {
            case KILL -> kill(number, partition, victim);
            case STOP -> stop(number, partition, victim);
            case PARTITION -> partition(number, partition, victim);
            case ZK_CUT -> zooKeeperCut(number, partition, victim);
            case DOUBLE_KILL -> doubleKill(number, partition, victim);
        };
        cluster.awaitFullIsr(topic, healTimeout);
        rounds.add(round);
        return round;
    }

    private Round kill(int number, int partition, int victim) throws Exception {
        long start = System.nanoTime();
        cluster.kill(victim);
        Duration failover = awaitNewLeader(partition, victim, start);
        cluster.restart(victim);
        return new Round(number, Kind.KILL, partition, victim, failover, "restarted");
    }

    private Round stop(int number, int partition, int victim) throws Exception {
        long start = System.nanoTime();
        cluster.stop(victim);
        Duration failover = awaitNewLeader(partition, victim, start);
        // The nemesis's intended duration, not synchronisation: keep the broker frozen until well
        // past its session timeout, so it wakes up as a zombie whose session is gone.
        long frozenUntil = start + TimeUnit.MILLISECONDS.toNanos(cluster.settings.sessionTimeoutMs() + 1000L);
        parkUntil(frozenUntil);
        cluster.cont(victim);
        return new Round(number, Kind.STOP, partition, victim, failover, "continued after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    }

    private Round partition(int number, int partition, int victim) throws Exception {
        long start = System.nanoTime();
        cluster.isolateFromPeers(victim);
        // The cut is real once the leader, hearing from no follower, shrinks the ISR to itself.
        Duration lag = Duration.ofMillis(cluster.settings.replicaLagTimeMaxMs());
        Duration shrunk = Waits.until("leader " + victim + " of " + topic + "-" + partition
                + " to shrink the ISR to itself while cut off", lag.multipliedBy(4), () -> {
                    for (PartitionInfo p : cluster.partitions(victim, topic)) {
                        if (p.partition() == partition) {
                            return p.isr().size() == 1 && p.isr().get(0).id() == victim;
                        }
                    }
                    return false;
                });
        // The nemesis's intended duration, not synchronisation: stay cut a while longer, so
        // producers retry against a leader that cannot commit.
        parkUntil(System.nanoTime() + lag.toNanos());
        cluster.heal();
        return new Round(number, Kind.PARTITION, partition, victim, null,
                "ISR shrank to [" + victim + "] after " + shrunk.toMillis() + " ms; healed after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    }

    private Round doubleKill(int number, int partition, int victim) throws Exception {
        long start = System.nanoTime();
        cluster.kill(victim);
        Duration first = awaitNewLeader(partition, victim, start);
        int second = cluster.leader(firstLiveOtherThan(victim), topic, partition).orElseThrow();
        long secondStart = System.nanoTime();
        cluster.kill(second);
        Duration failover = awaitNewLeader(partition, second, secondStart);
        cluster.restart(victim);
        cluster.restart(second);
        return new Round(number, Kind.DOUBLE_KILL, partition, victim, first.compareTo(failover) >= 0 ? first : failover,
                "then killed " + second + " (fail-overs " + first.toMillis() + " and " + failover.toMillis()
                        + " ms); both restarted");
    }

    private Round zooKeeperCut(int number, int partition, int victim) throws Exception {
        long start = System.nanoTime();
        cluster.cutFromZooKeeper(victim);
        Duration failover = awaitNewLeader(partition, victim, start);
        // The nemesis's intended duration, not synchronisation: keep the cut a little longer, so
        // the old leader, which has not heard of its successor, goes on receiving produce requests.
        parkUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        cluster.heal();
        return new Round(number, Kind.ZK_CUT, partition, victim, failover, "healed after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    }

    /**
     * Waits until a live broker other than the victim names a leader other than the victim for
     * the partition; the time counts from {@code start}, the moment of the fault.
     */
    private Duration awaitNewLeader(int partition, int victim, long start) {
        Duration limit = Duration.ofMillis(cluster.settings.sessionTimeoutMs()).plusSeconds(30);
        int asked = firstLiveOtherThan(victim);
        Waits.until("a leader other than broker " + victim + " for " + topic + "-" + partition, limit, () -> {
            Optional<Integer> leader = cluster.leader(asked, topic, partition);
            return leader.isPresent() && leader.get() != victim && cluster.isAlive(leader.get());
        });
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private int firstLiveOtherThan(int victim) {
        for (int id = 0; id < FaultCluster.BROKERS; id++) {
            if (id != victim && cluster.isAlive(id)) {
                return id;
            }
        }
        throw new AssertionError("no live broker other than " + victim);
    }

    private static void parkUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    List<Round> rounds() {
        return List.copyOf(rounds);
    }

    /** The longest fail-over per kind (crash and freeze). */
    Map<Kind, Duration> maxFailover() {
        Map<Kind, Duration> max = new EnumMap<>(Kind.class);
        for (Round r : rounds) {
            if (r.failover() != null) {
                max.merge(r.kind(), r.failover(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        return max;
    }
}
