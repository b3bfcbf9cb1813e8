package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.storage.EpochEndOffset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which leader epoch started at which offset, so a replica can ask "where did epoch E end" and
 * truncate to the leader's log (KIP-101). Kept in {@code leader-epoch-checkpoint} in the partition
 * directory, one line per epoch: {@code epoch startOffset}.
 *
 * <p>Thread safety: synchronized; changes are rare (leader changes, truncation).
 */
final class LeaderEpochCache {
    static final String FILE_NAME = "leader-epoch-checkpoint";

    private final CheckpointFile file;
    private final TreeMap<Integer, Long> epochs = new TreeMap<>();

    LeaderEpochCache(Path partitionDir) throws IOException {
        this.file = new CheckpointFile(partitionDir.resolve(FILE_NAME));
        for (String[] entry : file.read(2)) {
            try {
                epochs.put(Integer.parseInt(entry[0]), Long.parseLong(entry[1]));
            } catch (NumberFormatException e) {
                throw new io.runnel.api.RunnelException(io.runnel.api.ErrorCode.STORAGE_ERROR, "checkpoint file "
                        + file.path() + " is malformed: '" + String.join(" ", entry) + "' is not an epoch and an offset");
            }
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. Ignored unless the epoch is newer
     * than every known one; entries at or after {@code startOffset} are dropped first, since they
     * belong to a history this one replaces.
     *
     * @return whether the cache changed
     */
    synchronized boolean assign(int epoch, long startOffset) {
        if (epoch < 0) {
            return false;
        }
        Map.Entry<Integer, Long> latest = epochs.lastEntry();
        if (latest != null && (epoch < latest.getKey() || (epoch == latest.getKey()))) {
            return false;
        }
        epochs.values().removeIf(offset -> offset >= startOffset);
        epochs.put(epoch, startOffset);
        return true;
    }

    synchronized Optional<Integer> latestEpoch() {
        return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.lastKey());
    }

    /** See {@link io.runnel.api.storage.PartitionLog#endOffsetForEpoch}. */
    synchronized Optional<EpochEndOffset> endOffsetFor(int epoch, long logEndOffset) {
        Map.Entry<Integer, Long> floor = epochs.floorEntry(epoch);
        if (floor == null) {
            return Optional.empty();
        }
        Map.Entry<Integer, Long> higher = epochs.higherEntry(floor.getKey());
        return Optional.of(new EpochEndOffset(floor.getKey(), higher == null ? logEndOffset : higher.getValue()));
    }

    /** Forgets epochs that start at or after {@code endOffset} (the log was truncated there). */
    synchronized boolean truncateFromEnd(long endOffset) {
        return epochs.values().removeIf(offset -> offset >= endOffset);
    }

    /** The log now starts at {@code startOffset}: older epochs go, the one in force starts there. */
    synchronized boolean truncateFromStart(long startOffset) {
        Map.Entry<Integer, Long> inForce = null;
        boolean changed = false;
        for (Map.Entry<Integer, Long> entry : new ArrayList<>(epochs.entrySet())) {
            if (entry.getValue() <= startOffset) {
                if (inForce != null) {
                    epochs.remove(inForce.getKey());
                    changed = true;
                }
                inForce = entry;
            }
        }
        if (inForce != null && inForce.getValue() < startOffset) {
            epochs.put(inForce.getKey(), startOffset);
            changed = true;
        }
        return changed;
    }

    synchronized void write() throws IOException {
        List<String> lines = new ArrayList<>();
        epochs.forEach((epoch, offset) -> lines.add(epoch + " " + offset));
        file.write(lines);
    }

    synchronized Map<Integer, Long> snapshot() {
        return Map.copyOf(epochs);
    }
}
