package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.record.FileRecords;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.Records;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One segment of a partition's log: the record batches from {@link #baseOffset()} on, exactly as
 * appended, in {@code NNNNNNNNNNNNNNNNNNNN.log} (the 20-digit base offset), with its
 * {@link OffsetIndex} ({@code .index}) and {@link TimeIndex} ({@code .timeindex}).
 *
 * <p>The log file is a plain concatenation of v2 record batches (see {@code docs/format.md});
 * nothing else is written to it. Readers see only the first {@link #size()} bytes, which are
 * published after the bytes and index entries are written.
 *
 * <p>A segment that is not active opens its file and maps its indexes on first use, so a broker
 * with thousands of partitions and segments starts quickly and holds few file handles.
 *
 * <p>Thread safety: one writer at a time (the owning log serialises appends, truncation and
 * closing); reads may run concurrently with the writer and each other.
 */
final class LogSegment {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String DELETED_SUFFIX = ".deleted";
    private static final int CHUNK = 64 * 1024;

    private final Path dir;
    private final long baseOffset;
    /** The owning log's current settings (a topic's settings may change while the segment lives). */
    private final java.util.function.Supplier<LogConfig> config;
    private final long createdMs;
    private volatile FileChannel channel;
    private volatile OffsetIndex offsetIndex;
    private volatile TimeIndex timeIndex;
    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = -1L;
    private long offsetOfMaxTimestamp;
    private int bytesSinceLastIndexEntry;
    private int indexRebuilds;
    private volatile boolean deleted;
    /** Set once close() ran: nothing reopens the files afterwards. */
    private volatile boolean closed;
    /** Set once the indexes are mapped and, where asked, verified: only then do readers use them. */
    private volatile boolean indexesReady;
    /** The log file's current path: renamed when the segment leaves the log. */
    private volatile Path logPath;

    private LogSegment(Path dir, long baseOffset, java.util.function.Supplier<LogConfig> config, long createdMs, int size,
                       long nextOffset) {
        this.dir = dir;
        this.logPath = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        this.baseOffset = baseOffset;
        this.config = config;
        this.createdMs = createdMs;
        this.size = size;
        this.nextOffset = nextOffset;
    }

    static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    /** Creates an empty segment starting at {@code baseOffset}, replacing leftovers of an old one. */
    static LogSegment create(Path dir, long baseOffset, java.util.function.Supplier<LogConfig> config, long nowMs)
            throws IOException {
        for (String suffix : List.of(LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX)) {
            Files.deleteIfExists(dir.resolve(fileName(baseOffset, suffix)));
        }
        LogSegment segment = new LogSegment(dir, baseOffset, config, nowMs, 0, baseOffset);
        segment.channel = FileChannel.open(segment.logFile(), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        segment.offsetIndex = new OffsetIndex(segment.indexFile(), baseOffset, config.get().maxIndexBytes());
        segment.timeIndex = new TimeIndex(segment.timeIndexFile(), baseOffset, config.get().maxIndexBytes());
        segment.indexesReady = true;
        return segment;
    }

    /**
     * An existing segment, opened lazily: only the file's size is read now; the indexes are mapped
     * (and checked) on first use. {@code nextOffset} is what the caller knows (the next segment's base offset), and
     * is corrected by {@link #loadTail} or {@link #recover}.
     */
    static LogSegment open(Path dir, long baseOffset, java.util.function.Supplier<LogConfig> config, long nextOffset)
            throws IOException {
        Path file = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        long length = Files.size(file);
        if (length > Integer.MAX_VALUE) {
            throw new IOException("segment " + file + " is " + length + " bytes, more than a segment can hold");
        }
        LogSegment segment = new LogSegment(dir, baseOffset, config, Files.getLastModifiedTime(file).toMillis(),
                (int) length, nextOffset);
        return segment;
    }

    long baseOffset() {
        return baseOffset;
    }

    int size() {
        return size;
    }

    /** The offset after this segment's last batch (its base offset if it is empty). */
    long nextOffset() {
        return nextOffset;
    }

    /** The largest timestamp in the segment, -1 if none; maps and verifies the indexes on first use. */
    long maxTimestamp() throws IOException {
        if (!indexesReady) {
            ensureIndexes(true);
        }
        return maxTimestamp;
    }

    int indexRebuilds() {
        return indexRebuilds;
    }

    long createdMs() {
        return createdMs;
    }

    Path logFile() {
        return logPath;
    }

    Path indexFile() {
        return dir.resolve(fileName(baseOffset, INDEX_SUFFIX));
    }

    Path timeIndexFile() {
        return dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX));
    }

    private FileChannel channel() throws IOException {
        FileChannel c = channel;
        if (c == null) {
            synchronized (this) {
                c = channel;
                if (c == null) {
                    ensureUsable();
                    c = FileChannel.open(logFile(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                    channel = c;
                }
            }
        }
        return c;
    }

    OffsetIndex offsetIndex() throws IOException {
        return indexesReady ? offsetIndex : ensureIndexes(true).offsetIndex;
    }

    TimeIndex timeIndex() throws IOException {
        return indexesReady ? timeIndex : ensureIndexes(true).timeIndex;
    }

    /**
     * Maps the index files on first use. With {@code verify}, indexes that are missing (for a
     * segment holding data) or unsound are rebuilt from the log file before any reader sees them:
     * readers wait on this monitor until the indexes are ready.
     */
    private synchronized LogSegment ensureIndexes(boolean verify) throws IOException {
        if (indexesReady) {
            return this;
        }
        ensureUsable();
        boolean present = Files.exists(indexFile()) && Files.exists(timeIndexFile());
        if (offsetIndex == null) {
            offsetIndex = new OffsetIndex(indexFile(), baseOffset, config.get().maxIndexBytes());
        }
        if (timeIndex == null) {
            timeIndex = new TimeIndex(timeIndexFile(), baseOffset, config.get().maxIndexBytes());
        }
        if (!verify) {
            return this; // recover() rebuilds them and marks them ready
        }
        String problem = !present && size > 0 ? "its index files are missing"
                : offsetIndex.sanityCheck(nextOffset, size);
        if (problem == null) {
            problem = timeIndex.sanityCheck(nextOffset, size);
        }
        if (problem != null) {
            log.warn("Rebuilding the indexes of {}: {}", logFile(), problem);
            rebuildIndexes();
        } else if (timeIndex.entries() > 0) {
            maxTimestamp = Math.max(maxTimestamp, timeIndex.lastTimestamp());
        }
        indexesReady = true;
        return this;
    }

    /** Re-indexes the batches in the file (headers only; the data is not changed). */
    private void rebuildIndexes() throws IOException {
        indexRebuilds++;
        offsetIndex.reset();
        timeIndex.reset();
        maxTimestamp = -1L;
        bytesSinceLastIndexEntry = 0;
        int limit = size;
        int position = 0;
        while (position < limit) {
            RecordBatch header = headerAt(position, limit);
            if (header == null || header.batchLength() < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD
                    || position + (long) sizeOf(header) > limit) {
                break;
            }
            index(header.baseOffset(), position, header.maxTimestamp(), sizeOf(header));
            position += sizeOf(header);
        }
        sealIndexes();
    }

    // ---------------------------------------------------------------- writing

    /**
     * Whether appending {@code batches} batches of {@code bytes} in all, ending at {@code lastOffset},
     * would overflow the segment, its indexes (one entry per batch at most), or the 32-bit offsets
     * relative to its base.
     */
    boolean isFull(int bytes, int batches, long lastOffset) throws IOException {
        return (long) size + bytes > config.get().segmentBytes()
                || offsetIndex().entries() + batches > offsetIndex().capacityEntries()
                || timeIndex().entries() + batches > timeIndex().capacityEntries()
                || lastOffset - baseOffset > Integer.MAX_VALUE;
    }

    /**
     * Appends validated batches (already carrying their final offsets) and indexes them.
     *
     * @param data the batches, back to back, from position to limit
     */
    void append(ByteBuffer data, List<RecordBatch> batches) throws IOException {
        int start = size;
        ByteBuffer source = data.duplicate();
        long at = start;
        FileChannel c = channel();
        while (source.hasRemaining()) {
            at += c.write(source, at);
        }
        int position = start;
        for (RecordBatch batch : batches) {
            index(batch.baseOffset(), position, batch.maxTimestamp(), batch.sizeInBytes());
            position += batch.sizeInBytes();
        }
        nextOffset = batches.get(batches.size() - 1).nextOffset();
        size = position;
    }

    /** Indexes one batch; the index fields are set (by create, ensureIndexes or recover) before this runs. */
    private void index(long batchBaseOffset, int position, long batchMaxTimestamp, int batchSize) throws IOException {
        if (bytesSinceLastIndexEntry > config.get().indexIntervalBytes()) {
            offsetIndex.append(batchBaseOffset, position);
            bytesSinceLastIndexEntry = 0;
        }
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            offsetOfMaxTimestamp = batchBaseOffset;
        }
        if (bytesSinceLastIndexEntry == 0 && maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /** Cuts off bytes a failed append left past the published size, so no reader or restart sees them. */
    void discardUnpublished() throws IOException {
        channel().truncate(size);
    }

    /**
     * Forces the log bytes to disk (fdatasync: the data and the file size, not the timestamps).
     * The indexes are not forced: they are checked whenever they are loaded and rebuilt from the
     * log if unsound, so their durability is not needed for correctness, and an msync of both on
     * every flush would double its cost.
     */
    void flush() throws IOException {
        FileChannel c = channel;
        if (c != null) {
            c.force(false);
        }
    }

    /** Forces the index pages to disk; on clean shutdown, so the next start can trust them. */
    void flushIndexes() {
        OffsetIndex oi = offsetIndex;
        if (oi != null) {
            oi.flush();
        }
        TimeIndex ti = timeIndex;
        if (ti != null) {
            ti.flush();
        }
    }

    /**
     * The segment stops being active: record its largest timestamp in the time index (so a lazy
     * reopen knows it without a scan) and cut the index files to their entries.
     */
    void onRolled() throws IOException {
        if (!indexesReady) {
            ensureIndexes(true);
        }
        sealIndexes();
    }

    private void sealIndexes() throws IOException {
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        offsetIndex.trim();
        timeIndex.trim();
    }

    // ---------------------------------------------------------------- reading

    /** The header fields of the batch at {@code position}, or null if no whole header lies below {@code limit}. */
    RecordBatch headerAt(long position, int limit) throws IOException {
        if (limit - position < RecordBatch.HEADER_SIZE) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        readFully(channel(), header, position);
        return RecordBatch.wrap(header);
    }

    private static int sizeOf(RecordBatch header) {
        return RecordBatch.LOG_OVERHEAD + header.batchLength();
    }

    /** A batch's position and header. */
    record Located(int position, RecordBatch header) {
    }

    /** The first batch whose last offset is at or above {@code offset}, or null if there is none. */
    Located translate(long offset) throws IOException {
        int limit = size;
        int position = offsetIndex().lookup(offset).position();
        while (position < limit) {
            RecordBatch header = headerAt(position, limit);
            if (header == null) {
                return null;
            }
            if (header.lastOffset() >= offset) {
                return new Located(position, header);
            }
            position += sizeOf(header);
        }
        return null;
    }

    /**
     * Whole batches from the one holding {@code offset}: at most {@code maxBytes} of them unless
     * the first alone is larger, and none whose last offset reaches {@code maxOffset}.
     */
    Records read(long offset, int maxBytes, long maxOffset) throws IOException {
        Located first = translate(offset);
        if (first == null || first.header().lastOffset() >= maxOffset) {
            return Records.EMPTY;
        }
        int limit = size;
        Located bound = maxOffset >= nextOffset ? null : translate(maxOffset);
        int end = bound == null ? limit : bound.position();
        long wanted = (long) first.position() + Math.max(maxBytes, sizeOf(first.header()));
        if (wanted < end) {
            end = lastBoundaryAtOrBefore((int) wanted, first.position() + sizeOf(first.header()));
        }
        return new FileRecords(channel(), first.position(), end - first.position());
    }

    /** The end of the last whole batch that ends at or before {@code target}, at least {@code floor}. */
    private int lastBoundaryAtOrBefore(int target, int floor) throws IOException {
        int position = Math.max(floor, offsetIndex().floorByPosition(target).position());
        int limit = size;
        while (position < target) {
            RecordBatch header = headerAt(position, limit);
            if (header == null || position + sizeOf(header) > target) {
                break;
            }
            position += sizeOf(header);
        }
        return position;
    }

    /**
     * The first batch whose max timestamp is at or after {@code timestamp}, as (its max timestamp,
     * its base offset), or null if this segment has none.
     */
    long[] findByTimestamp(long timestamp) throws IOException {
        if (maxTimestamp < timestamp) {
            return null;
        }
        long start = timeIndex().startOffsetFor(timestamp);
        Located located = translate(start);
        int position = located == null ? size : located.position();
        int limit = size;
        while (position < limit) {
            RecordBatch header = headerAt(position, limit);
            if (header == null) {
                break;
            }
            if (header.maxTimestamp() >= timestamp) {
                return new long[] {header.maxTimestamp(), header.baseOffset()};
            }
            position += sizeOf(header);
        }
        return null;
    }

    /** Calls {@code visitor} with the header of every batch from {@code fromOffset} on. */
    void forEachHeader(long fromOffset, HeaderVisitor visitor) throws IOException {
        Located start = translate(fromOffset);
        if (start == null) {
            return;
        }
        int limit = size;
        int position = start.position();
        while (position < limit) {
            RecordBatch header = headerAt(position, limit);
            if (header == null) {
                return;
            }
            visitor.visit(header);
            position += sizeOf(header);
        }
    }

    @FunctionalInterface
    interface HeaderVisitor {
        void visit(RecordBatch header);
    }

    /**
     * After a clean shutdown: checks the indexes (rebuilding them if they are unsound) and reads
     * the batches after the last index entry to learn the true next offset and largest timestamp.
     *
     * @return true if the indexes were sound and kept, false if they had to be rebuilt
     */
    boolean loadTail(BatchVisitor onBatch) throws IOException {
        String problem = offsetIndex().sanityCheck(Long.MAX_VALUE, size);
        if (problem == null) {
            problem = timeIndex().sanityCheck(Long.MAX_VALUE, size);
        }
        if (problem != null) {
            log.warn("Rebuilding the indexes of {}: {}", logFile(), problem);
            indexRebuilds++;
            recover(onBatch);
            return false;
        }
        int incomplete = rescanTail();
        if (incomplete >= 0) {
            log.warn("Segment {} ends with an incomplete batch at byte {} despite a clean shutdown; recovering it",
                    logFile(), incomplete);
            recover(onBatch);
            return false;
        }
        return true;
    }

    /**
     * Walks the batch headers from the last offset-index entry to the end of the data, deriving
     * the next offset, the largest timestamp and the bytes since the last index entry.
     *
     * @return the position of the first incomplete batch, or -1 if the data ends on a batch boundary
     */
    private int rescanTail() throws IOException {
        int position = offsetIndex().last().position();
        int limit = size;
        long next = baseOffset;
        bytesSinceLastIndexEntry = 0;
        while (position < limit) {
            RecordBatch header = headerAt(position, limit);
            if (header == null || header.batchLength() < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD
                    || position + (long) sizeOf(header) > limit) {
                return position;
            }
            next = header.nextOffset();
            if (header.maxTimestamp() > maxTimestamp) {
                maxTimestamp = header.maxTimestamp();
                offsetOfMaxTimestamp = header.baseOffset();
            }
            bytesSinceLastIndexEntry += sizeOf(header);
            position += sizeOf(header);
        }
        nextOffset = next;
        return -1;
    }

    @FunctionalInterface
    interface BatchVisitor {
        void visit(RecordBatch header);
    }

    /**
     * Validates every batch (size, magic, CRC, offsets in order), rebuilds both indexes, and cuts
     * the file at the first invalid byte.
     *
     * @param onBatch sees the header of each valid batch, in order (for producer and epoch state)
     * @return the number of bytes cut off
     */
    long recover(BatchVisitor onBatch) throws IOException {
        ensureIndexes(false);
        FileChannel c = channel();
        long fileSize = c.size();
        offsetIndex.reset();
        timeIndex.reset();
        maxTimestamp = -1L;
        bytesSinceLastIndexEntry = 0;
        long position = 0;
        long expectedAtLeast = baseOffset;
        long next = baseOffset;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        String stopReason = null;
        while (position < fileSize) {
            if (fileSize - position < RecordBatch.HEADER_SIZE) {
                stopReason = (fileSize - position) + " bytes at the end are less than a batch header";
                break;
            }
            RecordBatch header = headerAt(position, (int) fileSize);
            long batchSize = RecordBatch.LOG_OVERHEAD + (long) header.batchLength();
            if (header.batchLength() < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD || batchSize > fileSize - position) {
                stopReason = "batch length " + header.batchLength() + " does not fit the " + (fileSize - position)
                        + " bytes left";
                break;
            }
            if (header.magic() != RecordBatch.MAGIC) {
                stopReason = "magic byte " + header.magic();
                break;
            }
            if (header.baseOffset() < expectedAtLeast || header.lastOffsetDelta() < 0) {
                stopReason = "batch offsets " + header.baseOffset() + ".." + header.lastOffset() + " do not follow "
                        + (expectedAtLeast - 1);
                break;
            }
            long crc = crcOf(c, position, batchSize, chunk);
            if (crc != header.storedCrc()) {
                stopReason = "CRC mismatch in batch at offset " + header.baseOffset();
                break;
            }
            index(header.baseOffset(), (int) position, header.maxTimestamp(), (int) batchSize);
            onBatch.visit(header);
            expectedAtLeast = header.nextOffset();
            next = header.nextOffset();
            position += batchSize;
        }
        long cut = fileSize - position;
        if (cut > 0) {
            log.warn("Truncating {} at byte {} (offset {}), dropping {} invalid bytes: {}", logFile(), position, next, cut,
                    stopReason);
            c.truncate(position);
        }
        size = (int) position;
        nextOffset = next;
        indexesReady = true;
        return cut;
    }

    private static long crcOf(FileChannel c, long batchStart, long batchSize, ByteBuffer chunk) throws IOException {
        CRC32C crc = new CRC32C();
        long at = batchStart + RecordBatch.ATTRIBUTES_OFFSET;
        long end = batchStart + batchSize;
        while (at < end) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - at));
            readFully(c, chunk, at); // leaves the chunk flipped, ready to read
            at += chunk.remaining();
            crc.update(chunk);
        }
        return crc.getValue();
    }

    /**
     * Removes every batch whose last offset is at or above {@code offset} (a batch is never
     * split), and their index entries.
     *
     * @return the bytes removed
     */
    int truncateTo(long offset) throws IOException {
        Located from = translate(offset);
        if (from == null) {
            return 0;
        }
        int removed = size - from.position();
        long cutOffset = from.header().baseOffset();
        offsetIndex().truncateTo(cutOffset);
        timeIndex().truncateTo(cutOffset);
        channel().truncate(from.position());
        size = from.position();
        // Re-derive next offset and max timestamp from what remains after the last index entry.
        maxTimestamp = timeIndex().lastTimestamp();
        rescanTail();
        if (size == 0) {
            maxTimestamp = -1L;
        }
        return removed;
    }

    // ---------------------------------------------------------------- lifecycle

    /** Closes the file and unmaps the indexes (trimming them). Idempotent. */
    synchronized void close() throws IOException {
        closed = true;
        indexesReady = false; // late callers reach ensureUsable() and learn the segment is gone
        IOException failure = null;
        for (AutoCloseable resource : new AutoCloseable[] {offsetIndex, timeIndex, channel}) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        offsetIndex = null;
        timeIndex = null;
        channel = null;
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Takes the segment out of the log: its files are renamed to unique {@code *.deleted} names (a
     * new segment may soon reuse the old names), kept open so readers that already found the
     * segment can finish; {@link #deleteFiles()} removes them later, touching only the new names.
     */
    synchronized void markDeleted() throws IOException {
        channel();
        ensureIndexes(false);
        indexesReady = true;
        String tag = "." + Long.toHexString(System.nanoTime()) + DELETED_SUFFIX;
        Path renamedLog = logPath.resolveSibling(logPath.getFileName() + tag);
        Files.move(logPath, renamedLog, StandardCopyOption.ATOMIC_MOVE);
        logPath = renamedLog;
        offsetIndex.renameTo(indexFile().resolveSibling(indexFile().getFileName() + tag));
        timeIndex.renameTo(timeIndexFile().resolveSibling(timeIndexFile().getFileName() + tag));
    }

    /** Closes the segment and removes its files under their current names. */
    synchronized void deleteFiles() throws IOException {
        deleted = true;
        List<Path> files = new java.util.ArrayList<>(List.of(logPath));
        files.add(offsetIndex != null ? offsetIndex.file() : indexFile());
        files.add(timeIndex != null ? timeIndex.file() : timeIndexFile());
        close();
        for (Path file : files) {
            Files.deleteIfExists(file);
        }
    }

    private void ensureUsable() throws SegmentDeletedException {
        if (deleted || closed) {
            throw new SegmentDeletedException(this + " was " + (deleted ? "deleted" : "closed"));
        }
    }

    /** A late reader reached a segment whose files are gone (retention, truncation). */
    static final class SegmentDeletedException extends IOException {
        private static final long serialVersionUID = 1L;

        SegmentDeletedException(String message) {
            super(message);
        }
    }

    /** Fills {@code buffer} from {@code position} of the file and flips it. */
    static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += n;
        }
        buffer.flip();
    }

    @Override
    public String toString() {
        return "LogSegment(" + logFile() + ", offsets " + baseOffset + ".." + (nextOffset - 1) + ", " + size + " bytes)";
    }
}
