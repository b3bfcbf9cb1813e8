package io.runnel.client.consumer;

import io.runnel.api.Api;
import io.runnel.client.CommonClientConfigs;

/**
 * The consumer's configuration keys (Apache Kafka's names). Defaults, valid values and meaning are
 * in the table in {@code docs/client.md}, generated from the same definitions the consumer
 * validates with.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class ConsumerConfig {
    public static final String BOOTSTRAP_SERVERS = CommonClientConfigs.BOOTSTRAP_SERVERS;
    public static final String CLIENT_ID = CommonClientConfigs.CLIENT_ID;
    public static final String MAX_POLL_RECORDS = "max.poll.records";
    public static final String FETCH_MIN_BYTES = "fetch.min.bytes";
    public static final String FETCH_MAX_WAIT_MS = "fetch.max.wait.ms";
    public static final String FETCH_MAX_BYTES = "fetch.max.bytes";
    public static final String MAX_PARTITION_FETCH_BYTES = "max.partition.fetch.bytes";
    public static final String AUTO_OFFSET_RESET = "auto.offset.reset";
    public static final String REQUEST_TIMEOUT_MS = CommonClientConfigs.REQUEST_TIMEOUT_MS;
    public static final String CHECK_CRCS = "check.crcs";
    public static final String RETRY_BACKOFF_MS = CommonClientConfigs.RETRY_BACKOFF_MS;
    public static final String METADATA_MAX_AGE_MS = CommonClientConfigs.METADATA_MAX_AGE_MS;
    public static final String DEFAULT_API_TIMEOUT_MS = "default.api.timeout.ms";
    public static final String GROUP_ID = "group.id";
    public static final String SESSION_TIMEOUT_MS = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String MAX_POLL_INTERVAL_MS = "max.poll.interval.ms";
    public static final String PARTITION_ASSIGNMENT_STRATEGY = "partition.assignment.strategy";
    public static final String ENABLE_AUTO_COMMIT = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS = "auto.commit.interval.ms";

    private ConsumerConfig() {
    }
}
