package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.storage.StorageContext;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/** A storage context for tests: a clock the test moves, a real scheduler, and a record of failed dirs. */
final class TestContext implements StorageContext, AutoCloseable {
    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final Map<Path, Throwable> failedDirs = new ConcurrentHashMap<>();
    private final List<Path> dirs;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-storage-scheduler");
        t.setDaemon(true);
        return t;
    });

    TestContext(Path... dirs) {
        this.dirs = List.of(dirs);
    }

    @Override
    public OptionalInt brokerId() {
        return OptionalInt.of(1);
    }

    @Override
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
    }

    @Override
    public List<Path> logDirs() {
        return dirs;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public void logDirFailed(Path logDir, Throwable cause) {
        failedDirs.put(logDir, cause);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
