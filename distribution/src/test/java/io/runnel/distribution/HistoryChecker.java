package io.runnel.distribution;

import io.runnel.api.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads every partition of the topic from its start to its high watermark and compares it with
 * what the producer was told ({@link AckHistory}):
 *
 * <ul>
 *   <li><b>lost</b>: acknowledged, not in the log;
 *   <li><b>duplicated</b>: a value (acknowledged or not) stored more than once;
 *   <li><b>reordered</b>: an acknowledged value stored after an acknowledged value sent later to
 *       the same partition (the producer's guarantee is send order; acknowledgements may complete
 *       out of send order when an answer was lost and a batch resent, see docs/client.md);
 *   <li><b>unacked present</b>: a value whose send failed or had no answer, yet stored — allowed
 *       (an unknown outcome), counted for information.
 * </ul>
 */
final class HistoryChecker {
    private HistoryChecker() {
    }

    static Report check(String bootstrap, String topic, AckHistory history, Duration timeout) {
        Map<String, String> config = Map.of("bootstrap.servers", bootstrap, "client.id", "fault-checker",
                "auto.offset.reset", "earliest", "request.timeout.ms", "10000");
        List<PartitionReport> partitions = new ArrayList<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < history.partitions(); p++) {
                all.add(new TopicPartition(topic, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<TopicPartition, Long> end = consumer.endOffsets(all);
            Map<Integer, List<String>> values = new HashMap<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (all.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("checker: could not read up to " + end + " within " + timeout);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end.get(r.topicPartition())) {
                        values.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.value());
                    }
                }
            }
            for (int p = 0; p < history.partitions(); p++) {
                partitions.add(checkPartition(p, values.getOrDefault(p, List.of()), history,
                        end.get(new TopicPartition(topic, p))));
            }
        }
        return new Report(partitions, history.failureKinds());
    }

    static PartitionReport checkPartition(int p, List<String> log, AckHistory history, long endOffset) {
        List<Long> ackOrder = history.ackOrder(p);
        Set<Long> acked = new HashSet<>(ackOrder);
        Set<Long> seen = new HashSet<>();
        long duplicated = 0;
        long reordered = 0;
        long unackedPresent = 0;
        long foreign = 0;
        long maxAckedSoFar = -1;
        for (String value : log) {
            long n = AckHistory.sequenceOf(p, value);
            if (n < 0) {
                foreign++;
                continue;
            }
            if (!seen.add(n)) {
                duplicated++;
                continue;
            }
            if (acked.contains(n)) {
                if (n < maxAckedSoFar) {
                    reordered++;
                }
                maxAckedSoFar = Math.max(maxAckedSoFar, n);
            } else {
                unackedPresent++;
            }
        }
        long lost = acked.stream().filter(n -> !seen.contains(n)).count();
        List<Long> lostSample = acked.stream().filter(n -> !seen.contains(n)).sorted().limit(10).toList();
        return new PartitionReport(p, history.sent(p), acked.size(), history.failed(p).size(), log.size(), lost,
                duplicated, reordered, unackedPresent, foreign, lostSample, endOffset);
    }

    record PartitionReport(int partition, long sent, long acked, long failed, long stored, long lost, long duplicated,
                           long reordered, long unackedPresent, long foreign, List<Long> lostSample, long endOffset) {
    }

    record Report(List<PartitionReport> partitions, Map<String, Integer> failureKinds) {
        long acked() {
            return partitions.stream().mapToLong(PartitionReport::acked).sum();
        }

        long lost() {
            return partitions.stream().mapToLong(PartitionReport::lost).sum();
        }

        long duplicated() {
            return partitions.stream().mapToLong(PartitionReport::duplicated).sum();
        }

        long reordered() {
            return partitions.stream().mapToLong(PartitionReport::reordered).sum();
        }

        long foreign() {
            return partitions.stream().mapToLong(PartitionReport::foreign).sum();
        }

        /** Each partition's high watermark when it was read. */
        long[] endOffsets() {
            return partitions.stream().mapToLong(PartitionReport::endOffset).toArray();
        }

        boolean ok() {
            return lost() == 0 && duplicated() == 0 && reordered() == 0 && foreign() == 0;
        }

        String table() {
            StringBuilder s = new StringBuilder();
            s.append(String.format("%-9s %8s %8s %8s %8s %6s %6s %9s %14s%n", "partition", "sent", "acked", "failed",
                    "stored", "lost", "dup", "reordered", "unacked-stored"));
            long[] sums = new long[8];
            for (PartitionReport r : partitions) {
                s.append(String.format("%-9d %8d %8d %8d %8d %6d %6d %9d %14d%n", r.partition(), r.sent(), r.acked(),
                        r.failed(), r.stored(), r.lost(), r.duplicated(), r.reordered(), r.unackedPresent()));
                long[] v = {r.sent(), r.acked(), r.failed(), r.stored(), r.lost(), r.duplicated(), r.reordered(),
                        r.unackedPresent()};
                for (int i = 0; i < v.length; i++) {
                    sums[i] += v[i];
                }
                if (!r.lostSample().isEmpty()) {
                    s.append("  lost in partition ").append(r.partition()).append(" (first 10): ").append(r.lostSample())
                            .append('\n');
                }
                if (r.foreign() > 0) {
                    s.append("  partition ").append(r.partition()).append(": ").append(r.foreign())
                            .append(" values that are not this partition's\n");
                }
            }
            s.append(String.format("%-9s %8d %8d %8d %8d %6d %6d %9d %14d%n", "total", sums[0], sums[1], sums[2], sums[3],
                    sums[4], sums[5], sums[6], sums[7]));
            if (!failureKinds.isEmpty()) {
                s.append("failed sends by error: ").append(failureKinds).append('\n');
            }
            return s.toString();
        }
    }
}
