package io.runnel.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault test (docs/reliability.md): ZooKeeper and 3 brokers as processes from the unpacked
 * distribution, an idempotent {@code acks=all} producer writing unique values to a topic with
 * replication factor 3 and {@code min.insync.replicas=2}, a {@link Nemesis} that kills, freezes and
 * cuts off leaders in turn, a {@link HistoryChecker} that reads everything back, and a
 * {@link ReplicaComparer} that compares the replicas' logs. Required: no acknowledged record lost,
 * none stored twice or out of order, replicas identical below the high watermark, and each
 * fail-over (crash, freeze, cut from ZooKeeper) within the ZooKeeper session timeout plus 2 s.
 *
 * <p>Short form (in {@code mvn verify}): one round of each kind of fault. Long form, same code:
 * {@code -Drunnel.fault.rounds=N} and the other {@code runnel.fault.*} properties below.
 */
@Timeout(1500)
class FaultToleranceIT extends DistributionTestBase {
    private static final String TOPIC = "fault";

    private static int intProperty(String key, int defaultValue) {
        return Integer.parseInt(System.getProperty(key, Integer.toString(defaultValue)).trim());
    }

    /** The end of every broker's log, for a failure message (the logs go with the temporary folder). */
    private static String brokerLogTails(FaultCluster cluster) {
        StringBuilder s = new StringBuilder();
        for (int id = 0; id < FaultCluster.BROKERS; id++) {
            s.append("\n--- broker ").append(id).append(" log (last 30 lines)\n").append(cluster.logTail(id, 30));
        }
        return s.toString();
    }

    @Test
    void acknowledgedRecordsSurviveCrashesFreezesAndPartitions() throws Exception {
        int rounds = intProperty("runnel.fault.rounds", Nemesis.Kind.values().length);
        int partitions = intProperty("runnel.fault.partitions", 3);
        int rate = intProperty("runnel.fault.rate", 300);
        FaultCluster.Settings settings = new FaultCluster.Settings(intProperty("runnel.fault.session.timeout.ms", 6000),
                500, intProperty("runnel.fault.replica.lag.time.max.ms", 3000));
        String dir = System.getProperty("runnel.fault.dir", "");
        Path work = temp.resolve("cluster");
        if (!dir.isBlank()) {
            work = Files.createDirectories(Path.of(dir));
            try (var entries = Files.list(work)) {
                assertTrue(entries.findAny().isEmpty(), "runnel.fault.dir " + dir
                        + " is not empty: the brokers would start on an earlier run's data");
            }
        }

        AckHistory history = new AckHistory(partitions);
        List<String> violations = new ArrayList<>();
        long started = System.nanoTime();
        try (FaultCluster cluster = new FaultCluster(dist, work, settings)) {
            cluster.start();
            cluster.createTopic(TOPIC, partitions);
            Nemesis nemesis = new Nemesis(cluster, TOPIC, partitions);
            try (FaultProducer producer = new FaultProducer(cluster.bootstrap(), TOPIC, history, rate)) {
                producer.start();
                Waits.until("the producer's first acknowledgements", Duration.ofSeconds(60),
                        () -> history.ackedTotal() >= partitions * 10L);
                for (int r = 0; r < rounds; r++) {
                    Nemesis.Round round;
                    try {
                        round = nemesis.run(r);
                    } catch (AssertionError | RuntimeException e) {
                        throw new AssertionError("round " + r + " failed: " + e.getMessage() + brokerLogTails(cluster), e);
                    }
                    System.out.printf("fault test: round %d %s %s-%d leader %d: fail-over %s; %s; %d acked so far%n",
                            round.number(), round.kind(), TOPIC, round.partition(), round.victim(),
                            round.failover() == null ? "-" : round.failover().toMillis() + " ms", round.note(),
                            history.ackedTotal());
                }
                // A last stretch without faults, so the writes after the last heal are checked too.
                long target = history.ackedTotal() + partitions * 50L;
                Waits.until("acknowledgements after the last round", Duration.ofSeconds(60),
                        () -> history.ackedTotal() >= target);
            }
            cluster.heal();
            cluster.awaitFullIsr(TOPIC, Duration.ofSeconds(120));
            HistoryChecker.Report report = HistoryChecker.check(cluster.bootstrap(), TOPIC, history, Duration.ofSeconds(120));
            List<String> divergence = ReplicaComparer.compare(dist, work, TOPIC, report.endOffsets());

            Duration bound = Duration.ofMillis(settings.sessionTimeoutMs()).plusSeconds(2);
            StringBuilder summary = new StringBuilder();
            summary.append(String.format("fault test: %d rounds, %d partitions, session timeout %d ms, "
                            + "replica.lag.time.max.ms %d, %d s%n", rounds, partitions, settings.sessionTimeoutMs(),
                    settings.replicaLagTimeMaxMs(), Duration.ofNanos(System.nanoTime() - started).toSeconds()));
            summary.append(report.table());
            summary.append(divergence.isEmpty() ? "replicas: identical below the high watermark\n"
                    : "replicas diverge:\n  " + String.join("\n  ", divergence) + "\n");
            for (Map.Entry<Nemesis.Kind, Duration> e : nemesis.maxFailover().entrySet()) {
                summary.append(String.format("max fail-over %s: %d ms (bound %d ms)%n", e.getKey(),
                        e.getValue().toMillis(), bound.toMillis()));
            }
            for (Nemesis.Round round : nemesis.rounds()) {
                if (round.failover() != null && round.failover().compareTo(bound) > 0) {
                    violations.add("round " + round.number() + " " + round.kind() + ": fail-over took "
                            + round.failover().toMillis() + " ms, more than " + bound.toMillis() + " ms");
                }
            }
            if (report.lost() > 0) {
                violations.add(report.lost() + " acknowledged records lost");
            }
            if (report.duplicated() > 0) {
                violations.add(report.duplicated() + " records stored twice");
            }
            if (report.reordered() > 0) {
                violations.add(report.reordered() + " acknowledged records out of order");
            }
            violations.addAll(divergence);
            if (report.foreign() > 0) {
                violations.add(report.foreign() + " records in a partition they were not sent to");
            }
            System.out.print(summary);
            assertTrue(report.acked() > 0, "nothing was acknowledged\n" + summary);
            assertTrue(violations.isEmpty(), String.join("\n", violations) + "\n" + summary
                    + "\nlogs in " + work + (dir.isBlank() ? " (deleted; keep them with -Drunnel.fault.dir=DIR)" : ""));
        }
    }
}
