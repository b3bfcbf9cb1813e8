package io.runnel.api.storage;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps the logs of all partitions a broker hosts.
 *
 * <p>Lifecycle: the runtime calls {@link #recover()} once, before anything else, then opens and
 * uses logs, then {@link #close()}s the engine on shutdown. A clean close must leave enough behind
 * (e.g. a marker file) that the next {@link #recover()} need not rescan data.
 *
 * <p>Thread safety: all methods may be called concurrently from any thread.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface StorageEngine extends AutoCloseable {

    /**
     * Finds the partitions already on disk and brings each to a consistent state after an unclean
     * shutdown: validates data written since the last recovery point, truncates at the first
     * invalid byte, rebuilds indexes and per-partition state.
     *
     * @return the partitions found, each open and ready
     */
    Collection<PartitionLog> recover();

    /**
     * Opens the log of a partition, creating it if it does not exist.
     *
     * @param topicConfig the topic's own settings (retention, segment size ...), overriding the
     *     broker defaults the engine was created with
     */
    PartitionLog open(TopicPartition partition, Map<String, String> topicConfig);

    /** The open log of a partition, if this engine has one. */
    Optional<PartitionLog> log(TopicPartition partition);

    /**
     * The topic-level configuration keys this engine understands (for example
     * {@code retention.ms}), so the broker can refuse a topic whose configuration names a key
     * nothing reads. The default: none.
     *
     * @since 0.1
     */
    default Set<String> topicConfigKeys() {
        return Set.of();
    }

    /**
     * Checks a topic's own settings before the topic is created, so a bad value is refused up
     * front rather than when a partition is first opened.
     *
     * @throws io.runnel.api.RunnelException {@link io.runnel.api.ErrorCode#INVALID_CONFIG} naming
     *     the key and the value
     * @since 0.1
     */
    default void validateTopicConfig(Map<String, String> topicConfig) {
    }

    /**
     * The value each of {@link #topicConfigKeys()} takes for a topic that does not set it (the
     * broker-level settings this engine was created with), so that operators can see a topic's
     * effective configuration. The default: none known.
     *
     * @since 0.1
     */
    default Map<String, String> topicConfigDefaults() {
        return Map.of();
    }

    /** Closes and deletes a partition's log and all its files. */
    void delete(TopicPartition partition);

    /** Flushes and closes every log; leaves a clean-shutdown marker. Idempotent. */
    @Override
    void close();
}
