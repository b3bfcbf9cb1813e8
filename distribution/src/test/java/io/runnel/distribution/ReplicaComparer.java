package io.runnel.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks that the replicas of each partition hold the same records below the high watermark:
 * reads every broker's segment files with {@code bin/runnel dump-log --print-data-log} (which may
 * read a running broker's files) and compares offset and value record by record. Logs that
 * diverge below the high watermark mean a consumer's answer depends on which replica leads.
 */
final class ReplicaComparer {
    private ReplicaComparer() {
    }

    /** One line per disagreement (empty when the replicas agree), for the partitions up to {@code ends}. */
    static List<String> compare(Distribution dist, Path work, String topic, long[] ends) throws Exception {
        List<String> problems = new ArrayList<>();
        for (int p = 0; p < ends.length; p++) {
            List<List<String>> replicas = new ArrayList<>();
            for (int b = 0; b < FaultCluster.BROKERS; b++) {
                replicas.add(records(dist, work.resolve("broker-" + b).resolve(topic + "-" + p), ends[p]));
            }
            for (int b = 0; b < FaultCluster.BROKERS; b++) {
                List<String> log = replicas.get(b);
                if (log.size() < ends[p]) {
                    problems.add(topic + "-" + p + ": broker " + b + " has " + log.size() + " records below the high watermark "
                            + ends[p]);
                }
            }
            List<String> first = replicas.get(0);
            for (int b = 1; b < FaultCluster.BROKERS; b++) {
                List<String> other = replicas.get(b);
                for (int i = 0; i < Math.min(first.size(), other.size()); i++) {
                    if (!first.get(i).equals(other.get(i))) {
                        problems.add(topic + "-" + p + ": brokers 0 and " + b + " differ at record " + i + ": '" + first.get(i)
                                + "' vs '" + other.get(i) + "'");
                        break;
                    }
                }
            }
        }
        return problems;
    }

    /** The replica's records below {@code end}, as "offset value" strings, in log order. */
    private static List<String> records(Distribution dist, Path partitionDir, long end) throws Exception {
        List<String> files;
        try (Stream<Path> list = Files.list(partitionDir)) {
            files = list.map(Path::toString).filter(f -> f.endsWith(".log")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError("cannot list " + partitionDir + ": " + e, e);
        }
        if (files.isEmpty()) {
            return List.of();
        }
        Distribution.Result dump = dist.run("dump-log", "--print-data-log", "--files", String.join(",", files));
        if (dump.exitCode() != 0) {
            throw new AssertionError("dump-log of " + partitionDir + " failed: " + dump);
        }
        List<String> out = new ArrayList<>();
        for (String line : dump.out().split("\n")) {
            if (!line.startsWith("| offset: ")) {
                continue;
            }
            long offset = Long.parseLong(line.substring("| offset: ".length(), line.indexOf(' ', "| offset: ".length())));
            int payload = line.indexOf(" payload: ");
            if (offset < end) {
                out.add(offset + " " + (payload < 0 ? "(null)" : line.substring(payload + " payload: ".length())));
            }
        }
        return out;
    }
}
