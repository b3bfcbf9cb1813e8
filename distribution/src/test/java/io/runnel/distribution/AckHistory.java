package io.runnel.distribution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the fault test's producer did, per partition: how many values it sent ({@code p<partition>-<n>},
 * n = 0, 1, 2, ... in send order), which of them were acknowledged (the callback had no
 * exception) and in which order the acknowledgements came, and which failed. Thread safe.
 */
final class AckHistory {
    private final int partitions;
    private final long[] sent;
    private final List<List<Long>> ackOrder = new ArrayList<>();
    private final List<Set<Long>> failed = new ArrayList<>();
    private final Map<String, Integer> failureKinds = new ConcurrentHashMap<>();

    AckHistory(int partitions) {
        this.partitions = partitions;
        this.sent = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            ackOrder.add(new ArrayList<>());
            failed.add(ConcurrentHashMap.newKeySet());
        }
    }

    static String value(int partition, long n) {
        return "p" + partition + "-" + n;
    }

    /** The n of a value {@code p<partition>-<n>} of this partition, or -1 if it is not one. */
    static long sequenceOf(int partition, String value) {
        String prefix = "p" + partition + "-";
        if (value == null || !value.startsWith(prefix)) {
            return -1;
        }
        try {
            return Long.parseLong(value.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    int partitions() {
        return partitions;
    }

    /** Records that value n of the partition is about to be sent; returns n. */
    synchronized long nextToSend(int partition) {
        return sent[partition]++;
    }

    void acked(int partition, long n) {
        List<Long> order = ackOrder.get(partition);
        synchronized (order) {
            order.add(n);
        }
    }

    void failed(int partition, long n, Exception error) {
        failed.get(partition).add(n);
        failureKinds.merge(error.getClass().getSimpleName() + ": " + firstLine(error.getMessage()), 1, Integer::sum);
    }

    synchronized long sent(int partition) {
        return sent[partition];
    }

    /** The acknowledged values' n, in the order their acknowledgements came. */
    List<Long> ackOrder(int partition) {
        List<Long> order = ackOrder.get(partition);
        synchronized (order) {
            return List.copyOf(order);
        }
    }

    Set<Long> failed(int partition) {
        return Set.copyOf(failed.get(partition));
    }

    long ackedTotal() {
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            total += ackOrder(p).size();
        }
        return total;
    }

    Map<String, Integer> failureKinds() {
        return Map.copyOf(failureKinds);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        // Keep the kind, not the details that differ per record (offsets, ids).
        return line.length() > 80 ? line.substring(0, 80) : line;
    }
}
