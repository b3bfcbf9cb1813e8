package io.runnel.plugin.storage.segmentedlog;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A file of fixed-size entries, sorted by key, memory-mapped and searched by binary search.
 * Subclasses define the entry layout.
 *
 * <p>The file of a writable (active) index starts small and doubles as entries are added, up to
 * {@code maxBytes}, so thousands of partitions map only what they use; {@link #trim()} cuts it to
 * the entries it holds when the segment stops being active.
 *
 * <p>Thread safety: one writer (the partition's appender) and any number of readers. The entry
 * count is published after the entry is written. Lookups hold a read lock so that a remap or close
 * (write lock) never unmaps a buffer under a reader.
 */
abstract class MappedIndex implements AutoCloseable {
    private static final int INITIAL_BYTES = 64 * 1024;

    private volatile Path file;
    protected final long baseOffset;
    private final int entrySize;
    private final int maxBytes;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    protected MappedByteBuffer mmap;
    private volatile int entries;
    private boolean closed;

    /**
     * Opens (or creates) the index. An existing file is read as holding {@code length / entrySize}
     * entries; call {@link #sanityCheck} before trusting them.
     */
    protected MappedIndex(Path file, long baseOffset, int entrySize, int maxBytes) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.maxBytes = maxBytes - maxBytes % entrySize;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = raf.length();
            int usable = (int) Math.min(length - length % entrySize, this.maxBytes);
            entries = usable / entrySize;
            int mapped = Math.max(usable, Math.min(INITIAL_BYTES - INITIAL_BYTES % entrySize, this.maxBytes));
            raf.setLength(mapped);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, mapped);
        }
    }

    final int entries() {
        return entries;
    }

    /** How many entries the file may hold at most. */
    final int capacityEntries() {
        return maxBytes / entrySize;
    }

    final boolean isFull() {
        return entries >= maxBytes / entrySize;
    }

    /** Bytes of the entries (not of the file, which may be larger). */
    final int sizeInBytes() {
        return entries * entrySize;
    }

    protected final Path file() {
        return file;
    }

    /**
     * Moves the file (a segment leaving the log is renamed) and keeps using the mapping; later
     * trimming and deletion touch only the new name, never the old one, which a new segment may
     * already use again.
     */
    final void renameTo(Path target) throws IOException {
        lock.writeLock().lock();
        try {
            if (Files.exists(file)) {
                Files.move(file, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            file = target;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Writes an entry's bytes under the read lock, so a close or remap never unmaps under the write. */
    protected final void write(java.util.function.Consumer<MappedByteBuffer> writer) {
        lock.readLock().lock();
        try {
            ensureOpen();
            writer.accept(mmap);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Reserves room for one more entry and returns its byte position; call {@link #publish()} after writing it. */
    protected final int nextEntryPosition() throws IOException {
        int position = entries * entrySize;
        if (position + entrySize > mmap.capacity()) {
            if (position + entrySize > maxBytes) {
                throw new IllegalStateException("index " + file + " is full with " + entries + " entries");
            }
            remap(Math.min(Math.max(mmap.capacity() * 2, position + entrySize), maxBytes));
        }
        return position;
    }

    protected final void publish() {
        entries = entries + 1;
    }

    /**
     * Index of the last entry whose key is at or below {@code target}, or -1 if none is.
     * {@code keyOf} reads the key of entry {@code i} from the mapped buffer.
     */
    protected final int floorEntry(long target, KeyReader keyOf) {
        lock.readLock().lock();
        try {
            ensureOpen();
            int low = 0;
            int high = entries - 1;
            int found = -1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                if (keyOf.key(mmap, mid * entrySize) <= target) {
                    found = mid;
                    low = mid + 1;
                } else {
                    high = mid - 1;
                }
            }
            return found;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Reads something from the mapped buffer under the read lock. */
    protected final <T> T read(MappedRead<T> reader) {
        lock.readLock().lock();
        try {
            ensureOpen();
            return reader.read(mmap);
        } finally {
            lock.readLock().unlock();
        }
    }

    @FunctionalInterface
    protected interface KeyReader {
        long key(MappedByteBuffer buffer, int position);
    }

    @FunctionalInterface
    protected interface MappedRead<T> {
        T read(MappedByteBuffer buffer);
    }

    /** Keeps only the first {@code count} entries. */
    final void truncateToEntries(int count) {
        entries = Math.min(entries, Math.max(0, count));
    }

    /** Removes every entry. */
    final void reset() {
        entries = 0;
    }

    /** Cuts the file to the entries it holds; for indexes of segments that no longer grow. */
    final void trim() throws IOException {
        remap(Math.max(entries * entrySize, 0));
    }

    /** Writes the mapped pages to disk. */
    final void flush() {
        lock.readLock().lock();
        try {
            if (!closed) {
                mmap.force();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private void remap(int newLength) throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            MappedByteBuffer old = mmap;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(newLength);
                mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, newLength);
            }
            Unmapper.unmap(old);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Checks that keys and values are in order and within bounds.
     *
     * @return null if the index is sound, else what is wrong (naming the file and the values)
     */
    abstract String sanityCheck(long segmentNextOffset, int logSizeInBytes);

    /** Trims to the entries held, then unmaps. Idempotent. */
    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            // Open without creating: a file that is gone must not come back under its old name.
            try (FileChannel channel = FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                channel.truncate((long) entries * entrySize);
            } catch (IOException e) {
                // Already deleted; the mapping is still released below.
            }
            Unmapper.unmap(mmap);
            mmap = null;
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Closes and removes the file. */
    final void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedIndexException("index " + file + " is closed");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + file + ", " + entries + " entries)";
    }

    /** A lookup on an index that its segment's deletion closed under a concurrent reader. */
    static final class ClosedIndexException extends IllegalStateException {
        ClosedIndexException(String message) {
            super(message);
        }
    }
}
