package io.runnel.broker.internal;

import io.runnel.api.storage.StorageContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/** What the broker gives its storage engine: the log dirs, the shared scheduler, and a place to report a failed dir. */
public final class BrokerStorageContext implements StorageContext {
    private static final Logger log = LoggerFactory.getLogger(BrokerStorageContext.class);

    private final int brokerId;
    private final List<Path> logDirs;
    private final ScheduledExecutorService scheduler;
    private final Set<Path> failedDirs = ConcurrentHashMap.newKeySet();

    public BrokerStorageContext(int brokerId, List<Path> logDirs, ScheduledExecutorService scheduler) {
        this.brokerId = brokerId;
        this.logDirs = List.copyOf(logDirs);
        this.scheduler = scheduler;
    }

    @Override
    public OptionalInt brokerId() {
        return OptionalInt.of(brokerId);
    }

    @Override
    public List<Path> logDirs() {
        return logDirs;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public void logDirFailed(Path logDir, Throwable cause) {
        if (failedDirs.add(logDir)) {
            log.error("Log directory {} failed; its partitions are offline until it is repaired and the broker "
                    + "restarted: {}", logDir, cause.toString());
        }
    }

    /** The log dirs that failed since start. */
    public Set<Path> failedDirs() {
        return Set.copyOf(failedDirs);
    }
}
