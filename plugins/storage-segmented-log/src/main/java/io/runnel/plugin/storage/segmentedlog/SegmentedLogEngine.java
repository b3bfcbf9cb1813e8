package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginConfig;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.storage.PartitionLog;
import io.runnel.api.storage.StorageContext;
import io.runnel.api.storage.StorageEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code segmented-log} storage engine: the partition logs of one broker, spread over its log
 * directories.
 *
 * <p>Each log directory holds one folder per partition ({@code topic-partition}), plus:
 * <ul>
 *   <li>{@code .lock}: locked while the engine runs, so two brokers never share a directory;</li>
 *   <li>{@code recovery-point-offset-checkpoint}: per partition, the offset up to which the log is
 *       known to be on disk; recovery after a crash starts there;</li>
 *   <li>{@code replication-offset-checkpoint}: per partition, the broker's last recorded high
 *       watermark, written every {@code replica.high.watermark.checkpoint.interval.ms} (if one
 *       changed) and on close, so that a restarted broker serves committed records at once;</li>
 *   <li>{@code .runnel-clean-shutdown}: written last by a clean close and removed once the logs are
 *       loaded, so that its presence means no partition needs validating.</li>
 * </ul>
 *
 * <p>Thread safety: all methods may be called concurrently.
 */
final class SegmentedLogEngine implements StorageEngine {
    private static final Logger log = LoggerFactory.getLogger(SegmentedLogEngine.class);
    static final String LOCK_FILE = ".lock";
    static final String CLEAN_SHUTDOWN_FILE = ".runnel-clean-shutdown";
    static final String RECOVERY_CHECKPOINT = "recovery-point-offset-checkpoint";
    static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
    static final String DELETE_SUFFIX = "-delete";

    private final StorageContext context;
    private final LogConfig defaults;
    private final List<Path> logDirs;
    private final int recoveryThreads;
    private final long retentionCheckMs;
    private final long checkpointIntervalMs;
    private final long flushCheckMs;
    private final long highWatermarkIntervalMs;
    /** What each dir's high-watermark checkpoint last held, so an unchanged one is not rewritten. */
    private final Map<Path, List<String>> writtenHighWatermarks = new ConcurrentHashMap<>();
    private final Map<TopicPartition, SegmentedLog> logs = new ConcurrentHashMap<>();
    private final Set<Path> offlineDirs = ConcurrentHashMap.newKeySet();
    /** The dirs this engine locked and loaded: the only ones it ever writes to. */
    private final Set<Path> loadedDirs = ConcurrentHashMap.newKeySet();
    private final Map<Path, FileLock> locks = new LinkedHashMap<>();
    private final Map<LogSegment, ScheduledFuture<?>> pendingDeletes = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile boolean recovered;
    private volatile boolean closed;
    /** Background tasks hold the read lock; close() takes the write lock, so it waits for a running one. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock taskLock = new java.util.concurrent.locks.ReentrantReadWriteLock();

    SegmentedLogEngine(StorageContext context, Map<String, String> config) {
        this.context = context;
        this.defaults = LogConfig.fromBroker(config);
        PluginConfig c = PluginConfig.of(config);
        this.recoveryThreads = c.intValue("num.recovery.threads.per.data.dir", 2, 1, 256);
        this.retentionCheckMs = c.longValue("log.retention.check.interval.ms", 300_000, 1, Long.MAX_VALUE);
        this.checkpointIntervalMs = c.longValue("log.flush.offset.checkpoint.interval.ms", 60_000, 1, Long.MAX_VALUE);
        this.flushCheckMs = c.longValue("log.flush.scheduler.interval.ms", 1_000, 1, Long.MAX_VALUE);
        this.highWatermarkIntervalMs = c.longValue("replica.high.watermark.checkpoint.interval.ms", 5_000, 1,
                Long.MAX_VALUE);
        List<Path> dirs = new ArrayList<>();
        for (Path dir : context.logDirs()) {
            Path normal = dir.toAbsolutePath().normalize();
            if (dirs.contains(normal)) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "log.dirs names " + normal + " twice");
            }
            dirs.add(normal);
        }
        if (dirs.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "log.dirs names no directory");
        }
        this.logDirs = List.copyOf(dirs);
    }

    LogConfig defaults() {
        return defaults;
    }

    @Override
    public synchronized Collection<PartitionLog> recover() {
        if (recovered) {
            throw new IllegalStateException("recover() was already called");
        }
        for (Path dir : logDirs) {
            // A dir locked by another process, or a malformed layout, stops start-up (RunnelException);
            // a failing disk takes only its own dir offline.
            try {
                recoverDir(dir);
            } catch (IOException | UncheckedIOException e) {
                IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                takeOffline(dir, cause);
            }
        }
        recovered = true;
        tasks.add(context.scheduler().scheduleWithFixedDelay(this::enforceRetention, retentionCheckMs, retentionCheckMs,
                TimeUnit.MILLISECONDS));
        tasks.add(context.scheduler().scheduleWithFixedDelay(this::writeCheckpoints, checkpointIntervalMs,
                checkpointIntervalMs, TimeUnit.MILLISECONDS));
        tasks.add(context.scheduler().scheduleWithFixedDelay(this::flushByTime, flushCheckMs, flushCheckMs,
                TimeUnit.MILLISECONDS));
        tasks.add(context.scheduler().scheduleWithFixedDelay(this::writeHighWatermarks, highWatermarkIntervalMs,
                highWatermarkIntervalMs, TimeUnit.MILLISECONDS));
        return List.copyOf(logs.values());
    }

    private void recoverDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        lock(dir);
        Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        Map<TopicPartition, Long> recoveryPoints = readRecoveryPoints(dir);
        Map<TopicPartition, Long> highWatermarks = readHighWatermarks(dir);
        List<Path> partitionDirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(DELETE_SUFFIX)) {
                    deleteRecursively(entry);
                } else if (parse(name).isPresent()) {
                    partitionDirs.add(entry);
                }
            }
        }
        partitionDirs.sort(Comparator.naturalOrder());
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(recoveryThreads, Math.max(1, partitionDirs.size())),
                runnable -> {
                    Thread thread = new Thread(runnable, "log-recovery-" + dir.getFileName());
                    thread.setDaemon(true);
                    return thread;
                });
        try {
            List<Future<SegmentedLog>> loading = new ArrayList<>();
            for (Path partitionDir : partitionDirs) {
                TopicPartition tp = parse(partitionDir.getFileName().toString()).orElseThrow();
                long recoveryPoint = recoveryPoints.getOrDefault(tp, 0L);
                loading.add(pool.submit(() -> SegmentedLog.open(tp, partitionDir, defaults, context.clock(), clean,
                        recoveryPoint, this::onFailure, this::deleteLater)));
            }
            for (Future<SegmentedLog> future : loading) {
                SegmentedLog loaded = future.get();
                loaded.loadHighWatermark(highWatermarks.getOrDefault(loaded.topicPartition(), 0L));
                SegmentedLog previous = logs.putIfAbsent(loaded.topicPartition(), loaded);
                if (previous != null) {
                    throw new RunnelException(ErrorCode.STORAGE_ERROR, "partition " + loaded.topicPartition()
                            + " is in two log dirs: " + previous.dir() + " and " + loaded.dir());
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.STORAGE_ERROR, "interrupted while loading " + dir);
        } finally {
            pool.shutdownNow();
        }
        Files.deleteIfExists(marker);
        CheckpointFile.forceDirectory(dir);
        loadedDirs.add(dir);
        writeCheckpoint(dir);
        log.info("Loaded {} partition(s) from {} in {} ms ({})", partitionDirs.size(), dir,
                (System.nanoTime() - start) / 1_000_000, clean ? "clean shutdown: nothing validated"
                        : "no clean-shutdown marker: validated from the recovery points");
    }

    private void lock(Path dir) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new RunnelException(ErrorCode.STORAGE_ERROR, "log dir " + dir
                    + " is in use by another broker or process (its .lock file is locked)");
        }
        locks.put(dir, lock);
    }

    private Map<TopicPartition, Long> readRecoveryPoints(Path dir) throws IOException {
        return readOffsets(dir.resolve(RECOVERY_CHECKPOINT), "every partition in " + dir + " will be recovered from its start");
    }

    private Map<TopicPartition, Long> readHighWatermarks(Path dir) throws IOException {
        return readOffsets(dir.resolve(HIGH_WATERMARK_CHECKPOINT), "the partitions in " + dir
                + " start with a high watermark of 0 and learn it from the replicas again");
    }

    /** A checkpoint of {@code topic partition offset} lines; a malformed one is ignored, saying what that costs. */
    private static Map<TopicPartition, Long> readOffsets(Path file, String consequence) throws IOException {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        try {
            for (String[] entry : new CheckpointFile(file).read(3)) {
                offsets.put(new TopicPartition(entry[0], Integer.parseInt(entry[1])), Long.parseLong(entry[2]));
            }
        } catch (RunnelException | NumberFormatException e) {
            log.warn("Ignoring {} ({}); {}", file, e.getMessage(), consequence);
            return Map.of();
        }
        return offsets;
    }

    /** {@code topic-partition} → the partition, if the name has that form. */
    static Optional<TopicPartition> parse(String dirName) {
        int dash = dirName.lastIndexOf('-');
        if (dash <= 0 || dash == dirName.length() - 1) {
            return Optional.empty();
        }
        String digits = dirName.substring(dash + 1);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(new TopicPartition(dirName.substring(0, dash), Integer.parseInt(digits)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public Set<String> topicConfigKeys() {
        return Set.copyOf(LogConfig.TOPIC_KEYS.values());
    }

    @Override
    public void validateTopicConfig(Map<String, String> topicConfig) {
        defaults.withTopicOverrides(topicConfig);
    }

    @Override
    public Map<String, String> topicConfigDefaults() {
        return Map.copyOf(defaults.asTopicConfig());
    }

    @Override
    public PartitionLog open(TopicPartition partition, Map<String, String> topicConfig) {
        ensureRecovered();
        LogConfig config = defaults.withTopicOverrides(topicConfig);
        SegmentedLog existing = logs.get(partition);
        if (existing != null) {
            existing.updateConfig(config);
            return existing;
        }
        synchronized (this) {
            existing = logs.get(partition);
            if (existing != null) {
                existing.updateConfig(config);
                return existing;
            }
            Path dir = chooseDir();
            try {
                SegmentedLog created = SegmentedLog.open(partition, dir.resolve(partition.toString()), config,
                        context.clock(), true, 0L, this::onFailure, this::deleteLater);
                logs.put(partition, created);
                log.info("Created log for {} in {}", partition, dir);
                return created;
            } catch (IOException e) {
                takeOffline(dir, e);
                throw new RunnelException(ErrorCode.STORAGE_ERROR, "cannot create the log of " + partition + " in "
                        + dir + ": " + e, e);
            }
        }
    }

    /** The online log dir holding the fewest partitions. */
    private Path chooseDir() {
        Map<Path, Integer> counts = new LinkedHashMap<>();
        for (Path dir : logDirs) {
            if (loadedDirs.contains(dir) && !offlineDirs.contains(dir)) {
                counts.put(dir, 0);
            }
        }
        if (counts.isEmpty()) {
            throw new RunnelException(ErrorCode.STORAGE_ERROR, "every log dir is offline: " + logDirs);
        }
        for (SegmentedLog log : logs.values()) {
            counts.computeIfPresent(log.dir().getParent(), (d, n) -> n + 1);
        }
        return counts.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    @Override
    public Optional<PartitionLog> log(TopicPartition partition) {
        return Optional.ofNullable(logs.get(partition));
    }

    @Override
    public void delete(TopicPartition partition) {
        SegmentedLog removed = logs.remove(partition);
        if (removed == null) {
            return;
        }
        removed.markOffline("the partition was deleted");
        removed.closeQuietly();
        Path dir = removed.dir();
        Path doomed = dir.resolveSibling(dir.getFileName() + "." + UUID.randomUUID().toString().replace("-", "")
                + DELETE_SUFFIX);
        try {
            Files.move(dir, doomed);
            context.scheduler().execute(() -> deleteRecursively(doomed));
            log.info("Deleted the log of {} from {}", partition, dir.getParent());
        } catch (IOException e) {
            throw onFailure(removed, e);
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Cannot delete {}: {}", root, e.toString());
        }
    }

    // ---------------------------------------------------------------- failures

    private RunnelException onFailure(SegmentedLog failed, IOException cause) {
        Path dir = failed.dir().getParent();
        takeOffline(dir, cause);
        return new RunnelException(ErrorCode.STORAGE_ERROR, "I/O error in log dir " + dir + " (partition "
                + failed.topicPartition() + "): " + cause + "; the log dir is now offline", cause);
    }

    private void takeOffline(Path dir, IOException cause) {
        if (!offlineDirs.add(dir)) {
            return;
        }
        log.error("Log dir {} failed and is now offline; its partitions are unavailable on this broker", dir, cause);
        for (SegmentedLog log : logs.values()) {
            if (log.dir().getParent().equals(dir)) {
                log.markOffline("log dir " + dir + " is offline after an I/O error: " + cause);
                // Closed from the scheduler: this thread may hold another log's lock, and closing
                // needs each log's own lock (a writer may be mid-append).
                context.scheduler().execute(log::closeQuietly);
            }
        }
        context.logDirFailed(dir, cause);
    }

    Set<Path> offlineDirs() {
        return Set.copyOf(offlineDirs);
    }

    // ---------------------------------------------------------------- background work

    private void deleteLater(LogSegment segment, long delayMs) {
        if (closed) {
            deleteNow(segment);
            return;
        }
        pendingDeletes.put(segment, context.scheduler().schedule(() -> deleteNow(segment), delayMs, TimeUnit.MILLISECONDS));
    }

    private void deleteNow(LogSegment segment) {
        pendingDeletes.remove(segment);
        try {
            segment.deleteFiles();
        } catch (IOException e) {
            log.warn("Cannot delete the files of {}: {}", segment, e.toString());
        }
    }

    void enforceRetention() {
        runTask(this::enforceRetentionNow);
    }

    /** Runs a background task unless the engine is closing; close() waits for a running one. */
    private void runTask(Runnable task) {
        taskLock.readLock().lock();
        try {
            if (!closed) {
                task.run();
            }
        } finally {
            taskLock.readLock().unlock();
        }
    }

    private void enforceRetentionNow() {
        long now = context.clock().millis();
        for (SegmentedLog log : logs.values()) {
            try {
                log.enforceRetention(now);
            } catch (RuntimeException e) {
                SegmentedLogEngine.log.warn("Retention of {} failed: {}", log.topicPartition(), e.getMessage());
            }
        }
    }

    private void flushByTime() {
        runTask(this::flushByTimeNow);
    }

    private void flushByTimeNow() {
        long now = context.clock().millis();
        for (SegmentedLog log : logs.values()) {
            try {
                log.maybeFlushByTime(now);
            } catch (RuntimeException e) {
                SegmentedLogEngine.log.warn("Flushing {} failed: {}", log.topicPartition(), e.getMessage());
            }
        }
    }

    void writeCheckpoints() {
        runTask(this::writeCheckpointsNow);
    }

    void writeHighWatermarks() {
        runTask(this::writeHighWatermarksNow);
    }

    private synchronized void writeHighWatermarksNow() {
        for (Path dir : logDirs) {
            if (loadedDirs.contains(dir) && !offlineDirs.contains(dir)) {
                try {
                    writeHighWatermarks(dir);
                } catch (IOException e) {
                    takeOffline(dir, e);
                }
            }
        }
    }

    private void writeHighWatermarks(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        for (SegmentedLog log : logs.values()) {
            if (log.dir().getParent().equals(dir)) {
                TopicPartition tp = log.topicPartition();
                entries.add(tp.topic() + " " + tp.partition() + " " + log.highWatermarkToCheckpoint());
            }
        }
        entries.sort(null);
        if (!entries.equals(writtenHighWatermarks.get(dir))) {
            new CheckpointFile(dir.resolve(HIGH_WATERMARK_CHECKPOINT)).write(entries);
            writtenHighWatermarks.put(dir, entries);
        }
    }

    private synchronized void writeCheckpointsNow() {
        for (Path dir : logDirs) {
            if (loadedDirs.contains(dir) && !offlineDirs.contains(dir)) {
                try {
                    writeCheckpoint(dir);
                } catch (IOException e) {
                    takeOffline(dir, e);
                }
            }
        }
    }

    private void writeCheckpoint(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        for (SegmentedLog log : logs.values()) {
            if (log.dir().getParent().equals(dir)) {
                TopicPartition tp = log.topicPartition();
                entries.add(tp.topic() + " " + tp.partition() + " " + log.recoveryPoint());
            }
        }
        entries.sort(null);
        new CheckpointFile(dir.resolve(RECOVERY_CHECKPOINT)).write(entries);
    }

    private void ensureRecovered() {
        if (!recovered) {
            throw new IllegalStateException("call recover() before using the storage engine");
        }
        if (closed) {
            throw new RunnelException(ErrorCode.STORAGE_ERROR, "the storage engine is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        taskLock.writeLock().lock();
        try {
            closed = true;
        } finally {
            taskLock.writeLock().unlock();
        }
        tasks.forEach(task -> task.cancel(false));
        for (Map.Entry<LogSegment, ScheduledFuture<?>> pending : new ArrayList<>(pendingDeletes.entrySet())) {
            pending.getValue().cancel(false);
            deleteNow(pending.getKey());
        }
        for (SegmentedLog log : logs.values()) {
            try {
                log.close();
            } catch (IOException | RuntimeException e) {
                takeOffline(log.dir().getParent(), e instanceof IOException io ? io : new IOException(e));
            }
        }
        for (Path dir : logDirs) {
            if (!loadedDirs.contains(dir) || offlineDirs.contains(dir)) {
                continue;
            }
            try {
                writeCheckpoint(dir);
                writeHighWatermarks(dir);
                Files.createFile(dir.resolve(CLEAN_SHUTDOWN_FILE));
                CheckpointFile.forceDirectory(dir);
            } catch (IOException e) {
                log.error("Cannot mark {} as cleanly shut down; it will be recovered on the next start", dir, e);
            }
        }
        for (FileLock lock : locks.values()) {
            try {
                lock.release();
                lock.channel().close();
            } catch (IOException e) {
                log.debug("Releasing {}: {}", lock, e.toString());
            }
        }
        locks.clear();
        logs.clear();
        log.info("Storage engine closed");
    }
}
