package io.runnel.plugin.storage.segmentedlog;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The sparse time index of a segment: the largest timestamp seen so far and the offset of the
 * batch that carried it. Timestamps in the index only grow, even if record timestamps do not.
 *
 * <p>File layout ({@code NNNNNNNNNNNNNNNNNNNN.timeindex}), 12 bytes per entry, big-endian, sorted:
 * <pre>
 *   int64 timestamp        max timestamp of the segment up to and including this batch
 *   int32 relativeOffset   base offset of that batch minus the segment's base offset
 * </pre>
 *
 * <p>Thread safety as for {@link MappedIndex}.
 */
final class TimeIndex extends MappedIndex {
    static final int ENTRY_SIZE = 12;

    TimeIndex(Path file, long baseOffset, int maxBytes) throws IOException {
        super(file, baseOffset, ENTRY_SIZE, maxBytes);
    }

    /** Adds an entry if {@code timestamp} is larger than the last one. */
    void maybeAppend(long timestamp, long offset) throws IOException {
        if (entries() > 0 && timestamp <= lastTimestamp()) {
            return;
        }
        int at = nextEntryPosition();
        int relative = (int) (offset - baseOffset);
        write(buffer -> buffer.putLong(at, timestamp).putInt(at + 8, relative));
        publish();
    }

    long lastTimestamp() {
        int count = entries();
        return count == 0 ? -1L : read(buffer -> buffer.getLong((count - 1) * ENTRY_SIZE));
    }

    /**
     * Where to start looking for the first batch with a timestamp at or after {@code timestamp}:
     * the offset of the last entry whose timestamp is below it (no batch up to that offset reaches
     * {@code timestamp}), or the segment's base offset.
     */
    long startOffsetFor(long timestamp) {
        int slot = floorEntry(timestamp - 1, (buffer, position) -> buffer.getLong(position));
        return slot < 0 ? baseOffset : read(buffer -> baseOffset + buffer.getInt(slot * ENTRY_SIZE + 8));
    }

    /** Removes the entries for offsets at or above {@code offset}. */
    void truncateTo(long offset) {
        int keep = 0;
        int count = entries();
        while (keep < count) {
            int slot = keep;
            long entryOffset = read(buffer -> baseOffset + buffer.getInt(slot * ENTRY_SIZE + 8));
            if (entryOffset >= offset) {
                break;
            }
            keep++;
        }
        truncateToEntries(keep);
    }

    @Override
    String sanityCheck(long segmentNextOffset, int logSizeInBytes) {
        return read(buffer -> {
            long previousTimestamp = Long.MIN_VALUE;
            long previousOffset = -1;
            for (int i = 0; i < entries(); i++) {
                long timestamp = buffer.getLong(i * ENTRY_SIZE);
                int relative = buffer.getInt(i * ENTRY_SIZE + 8);
                long offset = baseOffset + relative;
                if (relative < 0 || timestamp <= previousTimestamp || offset < previousOffset
                        || offset >= Math.max(segmentNextOffset, baseOffset + 1)) {
                    return "time index " + file() + " is corrupt: entry " + i + " is (timestamp " + timestamp
                            + ", offset " + offset + ") after (timestamp " + previousTimestamp + ", offset "
                            + previousOffset + "); the segment ends at offset " + segmentNextOffset;
                }
                previousTimestamp = timestamp;
                previousOffset = offset;
            }
            return null;
        });
    }
}
