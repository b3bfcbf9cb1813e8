package io.runnel.plugin.storage.segmentedlog;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The sparse offset index of a segment: maps a batch's base offset to its byte position in the
 * segment's log file, one entry every {@code index.interval.bytes}.
 *
 * <p>File layout ({@code NNNNNNNNNNNNNNNNNNNN.index}), 8 bytes per entry, big-endian, sorted:
 * <pre>
 *   int32 relativeOffset   base offset of the batch minus the segment's base offset
 *   int32 position         byte position of the batch in the .log file
 * </pre>
 *
 * <p>Thread safety as for {@link MappedIndex}.
 */
final class OffsetIndex extends MappedIndex {
    static final int ENTRY_SIZE = 8;

    /** An index entry: an offset and the file position of the batch that starts there. */
    record Entry(long offset, int position) {
    }

    OffsetIndex(Path file, long baseOffset, int maxBytes) throws IOException {
        super(file, baseOffset, ENTRY_SIZE, maxBytes);
    }

    /** Adds an entry; offsets and positions must grow. */
    void append(long offset, int position) throws IOException {
        int at = nextEntryPosition();
        int relative = (int) (offset - baseOffset);
        write(buffer -> buffer.putInt(at, relative).putInt(at + 4, position));
        publish();
    }

    /** The last entry at or below {@code offset}; (base offset, 0) if there is none. */
    Entry lookup(long offset) {
        int slot = floorEntry(offset, (buffer, position) -> baseOffset + buffer.getInt(position));
        if (slot < 0) {
            return new Entry(baseOffset, 0);
        }
        return read(buffer -> new Entry(baseOffset + buffer.getInt(slot * ENTRY_SIZE),
                buffer.getInt(slot * ENTRY_SIZE + 4)));
    }

    /** The last entry whose position is at or below {@code position}; (base offset, 0) if none is. */
    Entry floorByPosition(int position) {
        int slot = floorEntry(position, (buffer, at) -> buffer.getInt(at + 4));
        if (slot < 0) {
            return new Entry(baseOffset, 0);
        }
        return read(buffer -> new Entry(baseOffset + buffer.getInt(slot * ENTRY_SIZE),
                buffer.getInt(slot * ENTRY_SIZE + 4)));
    }

    /** The last entry, or (base offset, 0). */
    Entry last() {
        int count = entries();
        if (count == 0) {
            return new Entry(baseOffset, 0);
        }
        return read(buffer -> new Entry(baseOffset + buffer.getInt((count - 1) * ENTRY_SIZE),
                buffer.getInt((count - 1) * ENTRY_SIZE + 4)));
    }

    /** Removes the entries at or above {@code offset}. */
    void truncateTo(long offset) {
        int slot = floorEntry(offset - 1, (buffer, position) -> baseOffset + buffer.getInt(position));
        truncateToEntries(slot + 1);
    }

    @Override
    String sanityCheck(long segmentNextOffset, int logSizeInBytes) {
        return read(buffer -> {
            long previousOffset = -1;
            int previousPosition = -1;
            for (int i = 0; i < entries(); i++) {
                int relative = buffer.getInt(i * ENTRY_SIZE);
                int position = buffer.getInt(i * ENTRY_SIZE + 4);
                long offset = baseOffset + relative;
                if (relative < 0 || offset <= previousOffset || offset >= Math.max(segmentNextOffset, baseOffset + 1)
                        || position <= previousPosition || position < 0 || position >= Math.max(logSizeInBytes, 1)) {
                    return "index " + file() + " is corrupt: entry " + i + " is (offset " + offset + ", position "
                            + position + ") after (offset " + previousOffset + ", position " + previousPosition
                            + "); the segment ends at offset " + segmentNextOffset + ", byte " + logSizeInBytes;
                }
                previousOffset = offset;
                previousPosition = position;
            }
            return null;
        });
    }
}
