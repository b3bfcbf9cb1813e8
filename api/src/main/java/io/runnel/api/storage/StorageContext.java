package io.runnel.api.storage;

import io.runnel.api.Api;
import io.runnel.api.PluginContext;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the runtime gives a storage engine.
 *
 * <p>Implemented by the runtime. Thread safe.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface StorageContext extends PluginContext {

    /** The log directories ({@code log.dirs}), each an absolute path; partitions are spread over them. */
    List<Path> logDirs();

    /**
     * A scheduler for background work (retention, flushing, checkpoints). Tasks must not block for
     * long: it is shared with the rest of the broker.
     */
    ScheduledExecutorService scheduler();

    /**
     * Tells the runtime that a log directory failed (an I/O error). The runtime takes that
     * directory's partitions offline and reports which directory it was.
     */
    void logDirFailed(Path logDir, Throwable cause);
}
