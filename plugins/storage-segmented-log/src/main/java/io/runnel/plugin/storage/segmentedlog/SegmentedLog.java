package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.Records;
import io.runnel.api.storage.AppendResult;
import io.runnel.api.storage.EpochEndOffset;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.ProducerState;
import io.runnel.api.storage.TimestampOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The log of one partition: a directory of {@link LogSegment}s, a {@link LeaderEpochCache} and a
 * {@link ProducerStateManager}. See {@code docs/storage.md} for the directory layout.
 *
 * <p>Thread safety: appends, truncation, rolling, retention and closing take the log's lock;
 * reads and lookups do not, and see only fully written batches (each segment publishes its size
 * after writing).
 */
final class SegmentedLog implements PartitionLog {
    private static final Logger log = LoggerFactory.getLogger(SegmentedLog.class);
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})\\.log");

    /** What the engine does when this log hits an I/O error: take its directory offline. */
    interface FailureHandler {
        RunnelException failed(SegmentedLog log, IOException cause);
    }

    private final TopicPartition partition;
    private final Path dir;
    private final Clock clock;
    private final FailureHandler failures;
    private final SegmentDeleter deleter;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LeaderEpochCache epochs;
    private final ProducerStateManager producers;
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    /** The broker's high watermark, as last recorded; checkpointed by the engine. */
    private volatile long highWatermark;
    /** The high watermark checkpointed before this log was opened. */
    private volatile long recordedHighWatermark;
    private volatile boolean offline;
    private volatile String offlineReason;
    private long unflushedMessages;
    /** Bumped by every truncation, so a flush that raced with one does not move the recovery point. */
    private volatile long truncations;
    /** A segment file was created since the last flush: its directory entry must be forced too. */
    private volatile boolean directoryDirty = true;
    private int segmentsValidatedAtLoad;
    private volatile long lastFlushMs;

    /** Deletes a removed segment's files once readers that still hold it are done. */
    interface SegmentDeleter {
        void deleteLater(LogSegment segment, long delayMs);
    }

    private SegmentedLog(TopicPartition partition, Path dir, LogConfig config, Clock clock, FailureHandler failures,
                         SegmentDeleter deleter, LeaderEpochCache epochs) {
        this.partition = partition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.failures = failures;
        this.deleter = deleter;
        this.epochs = epochs;
        this.producers = new ProducerStateManager(dir);
        this.lastFlushMs = clock.millis();
    }

    /**
     * Opens the log in {@code dir}, creating the directory if needed, and brings it to a
     * consistent state.
     *
     * @param cleanShutdown whether the log dir was closed cleanly: if so the files are trusted and
     *     only the tail of the last segment is read; if not, every segment from the one holding
     *     {@code recoveryPoint} on is validated batch by batch and cut at the first invalid byte
     * @param recoveryPoint the offset up to which the log was known to be flushed
     */
    static SegmentedLog open(TopicPartition partition, Path dir, LogConfig config, Clock clock, boolean cleanShutdown,
                             long recoveryPoint, FailureHandler failures, SegmentDeleter deleter) throws IOException {
        Files.createDirectories(dir);
        LeaderEpochCache epochs;
        boolean epochsLost = false;
        try {
            epochs = new LeaderEpochCache(dir);
        } catch (RunnelException e) {
            log.warn("{}; rebuilding leader epochs from the batches", e.getMessage());
            Files.deleteIfExists(dir.resolve(LeaderEpochCache.FILE_NAME));
            epochs = new LeaderEpochCache(dir);
            epochsLost = true;
        }
        if (!epochsLost && !Files.exists(dir.resolve(LeaderEpochCache.FILE_NAME)) && hasSegments(dir)) {
            log.warn("{} has no {}; validating the whole log to rebuild the leader epochs", partition,
                    LeaderEpochCache.FILE_NAME);
            epochsLost = true;
        }
        SegmentedLog log = new SegmentedLog(partition, dir, config, clock, failures, deleter, epochs);
        log.load(cleanShutdown && !epochsLost, epochsLost ? 0 : recoveryPoint);
        return log;
    }

    private static boolean hasSegments(Path dir) throws IOException {
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(dir, "*" + LogSegment.LOG_SUFFIX)) {
            return logs.iterator().hasNext();
        }
    }

    private void load(boolean clean, long checkpointedRecoveryPoint) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                    continue;
                }
                Matcher m = SEGMENT_FILE.matcher(name);
                if (m.matches()) {
                    bases.add(Long.parseLong(m.group(1)));
                }
            }
        }
        bases.sort(null);
        deleteOrphanIndexes(bases);
        for (int i = 0; i < bases.size(); i++) {
            // The last segment's end is unknown until its tail is read (clean) or it is validated.
            long next = i + 1 < bases.size() ? bases.get(i + 1) : Long.MAX_VALUE;
            segments.put(bases.get(i), LogSegment.open(dir, bases.get(i), this::config, next));
        }
        if (segments.isEmpty()) {
            segments.put(0L, LogSegment.create(dir, 0L, this::config, clock.millis()));
        }
        if (clean) {
            segments.lastEntry().getValue().loadTail(header -> epochs.assign(header.partitionLeaderEpoch(),
                    header.baseOffset()));
        } else {
            recoverFrom(checkpointedRecoveryPoint);
        }
        logStartOffset = segments.firstKey();
        logEndOffset = segments.lastEntry().getValue().nextOffset();
        boolean epochsChanged = epochs.truncateFromEnd(logEndOffset) | epochs.truncateFromStart(logStartOffset);
        if (epochsChanged || !clean) {
            epochs.write();
        }
        rebuildProducerState();
        if (!clean) {
            flushSegments(segments.firstKey());
        }
        recoveryPoint = logEndOffset;
    }

    private void deleteOrphanIndexes(List<Long> bases) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*{.index,.timeindex}")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String digits = name.substring(0, name.indexOf('.'));
                if (digits.length() == 20 && !bases.contains(Long.parseLong(digits))) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Validates every segment from the one holding {@code from} on; drops what follows a cut. */
    private void recoverFrom(long from) throws IOException {
        Map.Entry<Long, LogSegment> start = segments.floorEntry(from);
        long firstToCheck = start == null ? segments.firstKey() : start.getKey();
        List<LogSegment> toCheck = new ArrayList<>(segments.tailMap(firstToCheck, true).values());
        log.info("Recovering {} from offset {}: validating {} segment(s)", partition, firstToCheck, toCheck.size());
        for (int i = 0; i < toCheck.size(); i++) {
            LogSegment segment = toCheck.get(i);
            segmentsValidatedAtLoad++;
            long cut = segment.recover(header -> epochs.assign(header.partitionLeaderEpoch(), header.baseOffset()));
            if (cut > 0 || (i + 1 < toCheck.size() && segment.nextOffset() > toCheck.get(i + 1).baseOffset())) {
                for (LogSegment later : toCheck.subList(i + 1, toCheck.size())) {
                    log.warn("Deleting segment {} of {}: it follows invalid data in {}", later.logFile(), partition,
                            segment.logFile());
                    segments.remove(later.baseOffset());
                    later.deleteFiles();
                }
                break;
            }
        }
        // An empty segment other than the first holds nothing; keep the log's end where the data ends.
        while (segments.size() > 1 && segments.lastEntry().getValue().size() == 0
                && segments.lastKey() > segments.lowerEntry(segments.lastKey()).getValue().nextOffset()) {
            LogSegment empty = segments.pollLastEntry().getValue();
            empty.deleteFiles();
        }
    }

    private void rebuildProducerState() throws IOException {
        OptionalLong snapshot = producers.loadSnapshot();
        long from = logStartOffset;
        if (snapshot.isPresent() && snapshot.getAsLong() >= logStartOffset && snapshot.getAsLong() <= logEndOffset) {
            from = snapshot.getAsLong();
        } else {
            producers.clear();
        }
        if (from < logEndOffset) {
            for (LogSegment segment : segments.values()) {
                if (segment.nextOffset() > from || segment == segments.lastEntry().getValue()) {
                    segment.forEachHeader(Math.max(from, segment.baseOffset()), producers::update);
                }
            }
        }
    }

    // ---------------------------------------------------------------- PartitionLog

    @Override
    public TopicPartition topicPartition() {
        return partition;
    }

    Path dir() {
        return dir;
    }

    void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    LogConfig config() {
        return config;
    }

    @Override
    public AppendResult append(ByteBuffer batches, boolean assignOffsets, int leaderEpoch) {
        List<RecordBatch> parsed = RecordBatch.parseAll(batches);
        if (parsed.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "append to " + partition + " holds no record batch");
        }
        LogConfig cfg = config;
        int total = 0;
        for (RecordBatch batch : parsed) {
            batch.ensureValid();
            if (assignOffsets && batch.lastOffsetDelta() != batch.recordCount() - 1) {
                throw new RunnelException(ErrorCode.CORRUPT_RECORD, "batch for " + partition + " has "
                        + batch.recordCount() + " records but a last offset delta of " + batch.lastOffsetDelta());
            }
            if (batch.sizeInBytes() > cfg.segmentBytes()) {
                throw new RunnelException(ErrorCode.RECORD_LIST_TOO_LARGE, "batch of " + batch.sizeInBytes()
                        + " bytes for " + partition + " is larger than segment.bytes " + cfg.segmentBytes());
            }
            total += batch.sizeInBytes();
        }
        lock.lock();
        try {
            ensureOnline();
            long now = clock.millis();
            long logAppendTime = -1L;
            if (assignOffsets) {
                long next = logEndOffset;
                for (RecordBatch batch : parsed) {
                    batch.setBaseOffset(next);
                    batch.setPartitionLeaderEpoch(leaderEpoch);
                    if (cfg.logAppendTime()) {
                        ByteBuffer raw = batch.buffer();
                        raw.putShort(RecordBatch.ATTRIBUTES_OFFSET,
                                (short) (batch.attributes() | RecordBatch.TIMESTAMP_TYPE_MASK));
                        raw.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, now);
                        batch.updateCrc();
                        logAppendTime = now;
                    }
                    next = batch.nextOffset();
                }
            } else {
                long expected = logEndOffset;
                for (RecordBatch batch : parsed) {
                    if (batch.baseOffset() != expected) {
                        throw new RunnelException(ErrorCode.INVALID_REQUEST, "batch at offset " + batch.baseOffset()
                                + " for " + partition + " does not follow the log, which ends at offset " + logEndOffset
                                + (expected != logEndOffset ? " (and the batch before it at " + expected + ")" : ""));
                    }
                    expected = batch.nextOffset();
                }
            }
            LogSegment active = segments.lastEntry().getValue();
            long firstOffset = parsed.get(0).baseOffset();
            try {
                long lastOffsetOfRequest = parsed.get(parsed.size() - 1).lastOffset();
                if (active.size() > 0 && (active.isFull(total, parsed.size(), lastOffsetOfRequest)
                        || now - active.createdMs() >= cfg.segmentMs())) {
                    active = roll(firstOffset, now);
                }
            } catch (IOException e) {
                throw failure(e);
            }
            try {
                active.append(batches, parsed);
            } catch (IOException e) {
                throw failedWrite(active, e);
            }
            long records = 0;
            for (RecordBatch batch : parsed) {
                producers.update(batch);
                if (epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset())) {
                    writeEpochs();
                }
                records += batch.recordCount();
            }
            long lastOffset = parsed.get(parsed.size() - 1).lastOffset();
            logEndOffset = lastOffset + 1;
            unflushedMessages += records;
            if (cfg.flushOnAppend() || unflushedMessages >= cfg.flushMessages()) {
                flush();
            }
            return new AppendResult(firstOffset, lastOffset, logAppendTime);
        } finally {
            lock.unlock();
        }
    }

    private RunnelException failedWrite(LogSegment segment, IOException cause) {
        try {
            segment.discardUnpublished();
        } catch (IOException | RuntimeException ignored) {
            // The directory goes offline below; recovery cuts the torn write on restart.
        }
        return failure(cause);
    }

    private LogSegment roll(long newBaseOffset, long now) {
        LogSegment old = segments.lastEntry().getValue();
        try {
            old.onRolled();
            producers.writeSnapshot(logEndOffset, false);
            LogSegment fresh = LogSegment.create(dir, newBaseOffset, this::config, now);
            directoryDirty = true;
            segments.put(newBaseOffset, fresh);
            log.debug("Rolled {} to a new segment at offset {}", partition, newBaseOffset);
            return fresh;
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public Records read(long offset, int maxBytes, long maxOffset) {
        ensureOnline();
        long start = logStartOffset;
        long end = logEndOffset;
        if (offset < start || offset > end) {
            throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " is out of range for "
                    + partition + ": the log holds offsets " + start + " to " + (end - 1) + " (log end offset " + end + ")");
        }
        if (offset == end || offset >= maxOffset) {
            return Records.EMPTY;
        }
        try {
            Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
            while (entry != null) {
                Records records = entry.getValue().read(offset, maxBytes, maxOffset);
                if (records.sizeInBytes() > 0) {
                    return records;
                }
                entry = segments.higherEntry(entry.getKey());
                if (entry != null) {
                    offset = Math.max(offset, entry.getKey());
                    if (offset >= maxOffset) {
                        break;
                    }
                }
            }
            return Records.EMPTY;
        } catch (LogSegment.SegmentDeletedException | MappedIndex.ClosedIndexException e) {
            // Reads take no lock: the partition (or the segment) was deleted under this one.
            ensureOnline();
            throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + partition
                    + " was deleted while being read; the log now starts at offset " + logStartOffset);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
        ensureOnline();
        try {
            for (LogSegment segment : segments.values()) {
                if (segment.maxTimestamp() >= timestamp) {
                    long[] found = segment.findByTimestamp(timestamp);
                    if (found != null) {
                        return Optional.of(new TimestampOffset(found[0], Math.max(found[1], logStartOffset)));
                    }
                }
            }
            return Optional.empty();
        } catch (LogSegment.SegmentDeletedException | MappedIndex.ClosedIndexException e) {
            ensureOnline(); // the whole partition was deleted or closed under this lookup
            return offsetForTimestamp(timestamp); // raced with retention: ask the log as it is now
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public long logEndOffset() {
        return logEndOffset;
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    @Override
    public void truncateTo(long offset) {
        lock.lock();
        try {
            ensureOnline();
            if (offset >= logEndOffset) {
                return;
            }
            long before = logEndOffset;
            truncations++;
            directoryDirty = true;
            try {
                if (offset <= logStartOffset) {
                    for (LogSegment segment : new ArrayList<>(segments.values())) {
                        segments.remove(segment.baseOffset());
                        removeSegment(segment);
                    }
                    segments.put(Math.max(offset, 0), LogSegment.create(dir, Math.max(offset, 0), this::config, clock.millis()));
                    logStartOffset = segments.firstKey();
                } else {
                    for (LogSegment segment : new ArrayList<>(segments.tailMap(offset, true).values())) {
                        if (segment.baseOffset() == segments.firstKey()) {
                            break;
                        }
                        segments.remove(segment.baseOffset());
                        removeSegment(segment);
                    }
                    segments.lastEntry().getValue().truncateTo(offset);
                }
                logEndOffset = segments.lastEntry().getValue().nextOffset();
                recoveryPoint = Math.min(recoveryPoint, logEndOffset);
                if (epochs.truncateFromEnd(logEndOffset)) {
                    epochs.write();
                }
                rebuildProducerState();
                // A snapshot from before the truncation would come back at the next rebuild.
                producers.writeSnapshot(logEndOffset, false);
            } catch (IOException e) {
                throw failure(e);
            }
            log.info("Truncated {} from log end offset {} to {}", partition, before, logEndOffset);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "cannot restart " + partition + " at negative offset "
                    + offset);
        }
        lock.lock();
        try {
            ensureOnline();
            long beforeStart = logStartOffset;
            long beforeEnd = logEndOffset;
            truncations++;
            directoryDirty = true;
            try {
                for (LogSegment segment : new ArrayList<>(segments.values())) {
                    segments.remove(segment.baseOffset());
                    removeSegment(segment);
                }
                segments.put(offset, LogSegment.create(dir, offset, this::config, clock.millis()));
                logStartOffset = offset;
                logEndOffset = offset;
                recoveryPoint = offset;
                highWatermark = offset;
                epochs.truncateFromEnd(Long.MIN_VALUE);
                epochs.write();
                producers.clear();
                producers.writeSnapshot(offset, false);
            } catch (IOException e) {
                throw failure(e);
            }
            log.info("Emptied {} (offsets {} to {}) and restarted it at offset {}", partition, beforeStart, beforeEnd,
                    offset);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void recordHighWatermark(long offset) {
        highWatermark = offset;
    }

    @Override
    public long recordedHighWatermark() {
        return recordedHighWatermark;
    }

    /** The high watermark to write to the checkpoint: the last recorded one, at most the log end. */
    long highWatermarkToCheckpoint() {
        return Math.min(highWatermark, logEndOffset);
    }

    /** Sets the high watermark found in the checkpoint when the log was opened. */
    void loadHighWatermark(long checkpointed) {
        recordedHighWatermark = Math.max(0, Math.min(checkpointed, logEndOffset));
        highWatermark = recordedHighWatermark;
    }

    @Override
    public long enforceRetention(long nowMs) {
        lock.lock();
        try {
            if (offline) {
                return 0;
            }
            LogConfig cfg = config;
            long freed = 0;
            LogSegment active = segments.lastEntry().getValue();
            if (cfg.retentionMs() >= 0 && active.size() > 0 && active.maxTimestamp() >= 0
                    && active.maxTimestamp() < nowMs - cfg.retentionMs()) {
                // Everything is expired: start a new segment so the old one can go.
                roll(logEndOffset, nowMs);
            }
            long totalSize = sizeInBytes();
            for (LogSegment segment : new ArrayList<>(segments.values())) {
                if (segment == segments.lastEntry().getValue()) {
                    break;
                }
                boolean expired = cfg.retentionMs() >= 0 && lastTimestamp(segment) < nowMs - cfg.retentionMs();
                boolean oversize = cfg.retentionBytes() >= 0 && totalSize - segment.size() >= cfg.retentionBytes();
                if (!expired && !oversize) {
                    break;
                }
                segments.remove(segment.baseOffset());
                logStartOffset = segments.firstKey();
                removeSegment(segment);
                totalSize -= segment.size();
                freed += segment.size();
                log.info("Deleted segment {} of {} ({}): {} bytes, log start offset now {}", segment.baseOffset(),
                        partition, expired ? "older than retention.ms " + cfg.retentionMs()
                                : "log larger than retention.bytes " + cfg.retentionBytes(), segment.size(), logStartOffset);
            }
            if (freed > 0 && epochs.truncateFromStart(logStartOffset)) {
                epochs.write();
            }
            return freed;
        } catch (IOException e) {
            throw failure(e);
        } finally {
            lock.unlock();
        }
    }

    /** The segment's largest record timestamp, or its file's modification time if no batch has one. */
    private static long lastTimestamp(LogSegment segment) throws IOException {
        long timestamp = segment.maxTimestamp();
        return timestamp >= 0 ? timestamp : Files.getLastModifiedTime(segment.logFile()).toMillis();
    }

    private void removeSegment(LogSegment segment) throws IOException {
        segment.markDeleted();
        deleter.deleteLater(segment, config.fileDeleteDelayMs());
    }

    @Override
    public void flush() {
        ensureOnline();
        long upTo;
        long truncationsBefore;
        long fromSegment;
        lock.lock();
        try {
            upTo = logEndOffset;
            truncationsBefore = truncations;
            Map.Entry<Long, LogSegment> start = segments.floorEntry(recoveryPoint);
            fromSegment = start == null ? segments.firstKey() : start.getKey();
        } finally {
            lock.unlock();
        }
        try {
            boolean newFiles = directoryDirty;
            directoryDirty = false;
            flushSegments(fromSegment);
            if (newFiles) {
                // A new segment's data is durable only once its directory entry is.
                CheckpointFile.forceDirectory(dir);
            }
        } catch (LogSegment.SegmentDeletedException raced) {
            return; // retention or truncation removed a segment meanwhile; the next flush covers the rest
        } catch (IOException e) {
            throw failure(e);
        }
        lock.lock();
        try {
            unflushedMessages = 0;
            // Only if no truncation happened meanwhile: then upTo may no longer be in the log.
            if (truncations == truncationsBefore) {
                recoveryPoint = Math.max(recoveryPoint, Math.min(upTo, logEndOffset));
            }
        } finally {
            lock.unlock();
        }
        lastFlushMs = clock.millis();
    }

    private void flushSegments(long fromBaseOffset) throws IOException {
        for (LogSegment segment : segments.tailMap(fromBaseOffset, true).values()) {
            segment.flush();
        }
    }

    /** Flushes if {@code flush.ms} has passed since the last flush and there is something new. */
    void maybeFlushByTime(long nowMs) {
        if (!offline && recoveryPoint < logEndOffset && nowMs - lastFlushMs >= config.flushMs()) {
            flush();
        }
    }

    @Override
    public void assignEpochStartOffset(int epoch, long startOffset) {
        if (epochs.assign(epoch, startOffset)) {
            writeEpochs();
        }
    }

    private void writeEpochs() {
        try {
            epochs.write();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    @Override
    public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) {
        return epochs.endOffsetFor(epoch, logEndOffset);
    }

    @Override
    public Optional<ProducerState> producerState(long producerId) {
        return producers.get(producerId);
    }

    @Override
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    /** How many segments loading had to validate batch by batch (0 after a clean shutdown). */
    int segmentsValidatedAtLoad() {
        return segmentsValidatedAtLoad;
    }

    /** How many segments have rebuilt their indexes since they were opened. */
    int indexRebuilds() {
        int total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.indexRebuilds();
        }
        return total;
    }

    int segmentCount() {
        return segments.size();
    }

    List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    /** Flushes everything and writes the state a clean restart needs; then closes the files. */
    void close() throws IOException {
        lock.lock();
        try {
            if (!offline) {
                LogSegment active = segments.lastEntry().getValue();
                flushSegments(segments.firstKey());
                active.onRolled();
                active.flushIndexes();
                producers.writeSnapshot(logEndOffset, true);
                epochs.write();
                recoveryPoint = logEndOffset;
            }
            for (LogSegment segment : segments.values()) {
                segment.close();
            }
            markOffline("the log is closed");
        } finally {
            lock.unlock();
        }
    }

    /** Closes the files without flushing; for a directory that failed. */
    void closeQuietly() {
        lock.lock();
        try {
            closeSegmentsQuietly();
        } finally {
            lock.unlock();
        }
    }

    private void closeSegmentsQuietly() {
        for (LogSegment segment : segments.values()) {
            try {
                segment.close();
            } catch (IOException | RuntimeException e) {
                log.debug("Closing {} after a failure: {}", segment, e.toString());
            }
        }
    }

    /** Marks the log offline; every later operation fails with a storage error naming the reason. */
    void markOffline(String reason) {
        offlineReason = reason;
        offline = true;
    }

    boolean isOffline() {
        return offline;
    }

    private void ensureOnline() {
        if (offline) {
            throw new RunnelException(ErrorCode.STORAGE_ERROR, partition + " is offline: " + offlineReason);
        }
    }

    /**
     * An I/O error takes the log dir offline, unless this log was already deleted or closed: then
     * the error (a closed channel, say, under a lock-free read) is the consequence of that, not a
     * failing disk, and only this operation fails.
     */
    private RunnelException failure(IOException cause) {
        if (offline) {
            return new RunnelException(ErrorCode.STORAGE_ERROR, partition + " is offline: " + offlineReason, cause);
        }
        return failures.failed(this, cause);
    }

    @Override
    public String toString() {
        return "SegmentedLog(" + partition + ", offsets " + logStartOffset + ".." + logEndOffset + ", " + segments.size()
                + " segments in " + dir + ")";
    }
}
