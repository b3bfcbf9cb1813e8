package io.runnel.broker.internal;

import io.runnel.runtime.PluginSelection;
import io.runnel.runtime.config.Config;
import io.runnel.runtime.config.ConfigDef;
import io.runnel.runtime.config.ConfigDef.Type;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broker's own configuration keys, with Apache Kafka's names where Kafka has the setting.
 * This is the one place they are defined; {@code docs/configuration.md} holds the table
 * {@link ConfigDef#markdownTable()} renders from it (a test keeps the two equal). Plugins read
 * their own keys (storage {@code log.*}, {@code zookeeper.*}, codec levels).
 */
public final class BrokerConfig {
    public static final String BROKER_ID = "broker.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String BROKER_RACK = "broker.rack";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String MAX_INFLIGHT_PER_CONNECTION = "connection.max.inflight.requests";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String CONTROLLED_SHUTDOWN = "controlled.shutdown.enable";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String AUTO_LEADER_REBALANCE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(BROKER_ID, Type.INT, null, 0, Integer.MAX_VALUE,
                    "The id of this broker, unique in the cluster.")
            .define(LISTENERS, Type.LIST, "PLAINTEXT://127.0.0.1:9092",
                    "Where the broker listens: NAME://host:port, comma-separated; port 0 picks a free port.")
            .defineOptional(ADVERTISED_LISTENERS, Type.LIST,
                    "The addresses given to clients and other brokers, if not the listeners.")
            .defineOptional(BROKER_RACK, Type.STRING, "The rack or zone of this broker, for rack-aware placement.")
            .define(NUM_PARTITIONS, Type.INT, "1", 1, 100_000, "Partitions of a topic created without a count.")
            .define(DEFAULT_REPLICATION_FACTOR, Type.INT, "1", 1, Short.MAX_VALUE,
                    "Replicas of a topic created without a replication factor.")
            .define(MIN_INSYNC_REPLICAS, Type.INT, "1", 1, Short.MAX_VALUE,
                    "In-sync replicas an acks=all write needs; with fewer it fails with NOT_ENOUGH_REPLICAS.")
            .define(AUTO_CREATE_TOPICS, Type.BOOLEAN, "true",
                    "Create a topic when a producer or consumer first asks for it.")
            .define(MESSAGE_MAX_BYTES, Type.INT, "1048588", 61, Integer.MAX_VALUE,
                    "Largest record batch the broker accepts; larger ones fail with MESSAGE_TOO_LARGE.")
            .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, "104857600", 1024, Integer.MAX_VALUE,
                    "Largest request frame; a larger one closes the connection.")
            .define(MAX_INFLIGHT_PER_CONNECTION, Type.INT, "100", 1, 100_000,
                    "Unanswered requests per connection before the broker stops reading from it.")
            .define(NUM_IO_THREADS, Type.INT, "8", 1, 1024, "Threads that handle requests (disk I/O).")
            .define(NUM_NETWORK_THREADS, Type.INT, "3", 1, 1024, "Threads that read and write sockets.")
            .define(UNCLEAN_LEADER_ELECTION, Type.BOOLEAN, "false",
                    "Elect an out-of-sync replica when no in-sync one is alive, accepting data loss.")
            .define(REPLICA_LAG_TIME_MAX_MS, Type.LONG, "30000", 1, Integer.MAX_VALUE,
                    "A follower that has not caught up with the leader's log end for this long leaves the ISR.")
            .define(CONTROLLED_SHUTDOWN, Type.BOOLEAN, "true",
                    "On a clean stop, hand this broker's leaderships to other in-sync replicas before leaving.")
            .define(GROUP_MIN_SESSION_TIMEOUT_MS, Type.INT, "6000", 1, Integer.MAX_VALUE,
                    "Smallest session.timeout.ms a group member may ask for; less fails with INVALID_SESSION_TIMEOUT.")
            .define(GROUP_MAX_SESSION_TIMEOUT_MS, Type.INT, "1800000", 1, Integer.MAX_VALUE,
                    "Largest session.timeout.ms a group member may ask for; more fails with INVALID_SESSION_TIMEOUT.")
            .define(GROUP_INITIAL_REBALANCE_DELAY_MS, Type.INT, "3000", 0, Integer.MAX_VALUE,
                    "How long the first rebalance of an empty group waits for more members to join.")
            .define(OFFSETS_RETENTION_MINUTES, Type.INT, "10080", 1, Integer.MAX_VALUE,
                    "A group without members loses its offsets this long after its last commit or member left.")
            .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, Type.LONG, "600000", 1, Long.MAX_VALUE,
                    "How often a coordinator looks for expired groups and offsets of deleted topics.")
            .define(OFFSET_METADATA_MAX_BYTES, Type.INT, "4096", 0, Integer.MAX_VALUE,
                    "Longest metadata string of a committed offset; longer fails with OFFSET_METADATA_TOO_LARGE.")
            .define(AUTO_LEADER_REBALANCE, Type.BOOLEAN, "true",
                    "The controller moves leaderships back to preferred replicas when a broker's leader imbalance is too high.")
            .define(LEADER_IMBALANCE_PERCENTAGE, Type.INT, "10", 0, 100,
                    "Share of a broker's preferred partitions led elsewhere above which the controller rebalances them.")
            .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, Type.LONG, "300", 1, 86_400,
                    "How often the controller checks the leader imbalance.")
            .define(PluginSelection.STORAGE_ENGINE, Type.STRING, "segmented-log", "The storage-engine plugin.")
            .define(PluginSelection.COORDINATION_BACKEND, Type.STRING, "zookeeper", "The coordination-backend plugin.")
            .define(PluginSelection.LEADER_ELECTION_POLICY, Type.STRING, "fewest-leaders",
                    "The leader-election-policy plugin.")
            .define(PluginSelection.REPLICA_PLACEMENT_POLICY, Type.STRING, "round-robin",
                    "The replica-placement-policy plugin.")
            .define(PluginSelection.GROUP_ASSIGNORS, Type.LIST, "range,round-robin,sticky",
                    "The partition assignors group coordinators offer, preferred first.");

    private BrokerConfig() {
    }

    /** Parses a broker configuration; keys read by the installed plugins are not reported as unknown. */
    public static Config parse(Map<String, String> values, Set<String> pluginKeys) {
        return DEFINITION.parse(values, pluginKeys);
    }

    /** The listener addresses in {@code NAME://host:port} form, checked. */
    public static List<String> listeners(Config config) {
        return config.getList(LISTENERS);
    }
}
