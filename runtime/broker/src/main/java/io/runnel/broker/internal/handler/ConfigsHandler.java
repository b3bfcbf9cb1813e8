package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.broker.internal.BrokerConfig;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.TopicManager;
import io.runnel.broker.internal.partition.PartitionSettings;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.runtime.config.Config;
import io.runnel.runtime.config.ConfigDef;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * DescribeConfigs (32): a topic's configuration in effect — its own settings over the broker
 * defaults it inherits, for every key the broker or its storage engine reads — and this broker's
 * own settings. Answers from the metadata cache and the start-up configuration; never waits.
 * Values of keys that look secret (password, secret) are withheld and marked sensitive.
 */
public final class ConfigsHandler {
    private final int brokerId;
    private final MetadataCache cache;
    /** Every topic-level key, with the broker default (null if it has none). */
    private final Map<String, String> topicDefaults;
    private final List<DescribeConfigs.Config> brokerConfigs;

    private ConfigsHandler(int brokerId, MetadataCache cache, Map<String, String> topicDefaults,
                           List<DescribeConfigs.Config> brokerConfigs) {
        this.brokerId = brokerId;
        this.cache = cache;
        this.topicDefaults = topicDefaults;
        this.brokerConfigs = brokerConfigs;
    }

    /**
     * @param topicKeys every topic-level key the broker and its plugins read
     * @param storageDefaults the storage engine's defaults for its topic-level keys
     */
    public static ConfigsHandler create(int brokerId, MetadataCache cache, Config brokerConfig, Set<String> topicKeys,
                                        Map<String, String> storageDefaults) {
        Map<String, String> topicDefaults = new TreeMap<>();
        topicKeys.forEach(key -> topicDefaults.put(key, null));
        topicDefaults.putAll(storageDefaults);
        topicDefaults.put(PartitionSettings.MAX_MESSAGE_BYTES,
                Integer.toString(brokerConfig.getInt(BrokerConfig.MESSAGE_MAX_BYTES)));
        topicDefaults.put(PartitionSettings.MIN_INSYNC_REPLICAS,
                Integer.toString(brokerConfig.getInt(BrokerConfig.MIN_INSYNC_REPLICAS)));
        topicDefaults.put(TopicManager.UNCLEAN_LEADER_ELECTION,
                Boolean.toString(brokerConfig.getBoolean(BrokerConfig.UNCLEAN_LEADER_ELECTION)));

        Map<String, String> written = brokerConfig.originals();
        Map<String, DescribeConfigs.Config> broker = new TreeMap<>();
        for (ConfigDef.Key key : BrokerConfig.DEFINITION.keys()) {
            boolean set = written.containsKey(key.name());
            broker.put(key.name(), entry(key.name(), set ? written.get(key.name()) : key.defaultValue(), !set));
        }
        // Keys the plugins read, as written.
        written.forEach((key, value) -> broker.putIfAbsent(key, entry(key, value, false)));
        return new ConfigsHandler(brokerId, cache, Collections.unmodifiableMap(topicDefaults),
                List.copyOf(broker.values()));
    }

    private static DescribeConfigs.Config entry(String name, String value, boolean isDefault) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean sensitive = lower.contains("password") || lower.contains("secret");
        // Every setting is read at start-up: changing one means restarting the broker.
        return new DescribeConfigs.Config(name, sensitive ? null : value, true, isDefault, sensitive);
    }

    DescribeConfigs.Response handle(DescribeConfigs.Request request) {
        List<DescribeConfigs.Result> results = new ArrayList<>();
        for (DescribeConfigs.Resource resource : request.resources()) {
            results.add(describe(resource));
        }
        return new DescribeConfigs.Response(0, results);
    }

    private DescribeConfigs.Result describe(DescribeConfigs.Resource resource) {
        if (resource.type() == DescribeConfigs.TOPIC) {
            Optional<MetadataCache.TopicMetadata> topic = cache.topic(resource.name());
            if (topic.isEmpty()) {
                return error(resource, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic " + resource.name() + " does not exist");
            }
            Map<String, String> own = topic.get().assignment().configs();
            List<DescribeConfigs.Config> configs = new ArrayList<>();
            Map<String, String> keys = new TreeMap<>(topicDefaults);
            own.forEach(keys::put);
            keys.forEach((key, defaultValue) -> {
                if (wanted(resource, key)) {
                    boolean set = own.containsKey(key);
                    configs.add(new DescribeConfigs.Config(key, set ? own.get(key) : topicDefaults.get(key), false, !set,
                            false));
                }
            });
            return new DescribeConfigs.Result(ErrorCode.NONE.code(), null, resource.type(), resource.name(), configs);
        }
        if (resource.type() == DescribeConfigs.BROKER) {
            if (!resource.name().equals(Integer.toString(brokerId))) {
                return error(resource, ErrorCode.INVALID_REQUEST, "broker " + brokerId + " describes only itself, not '"
                        + resource.name() + "'; send the request to that broker");
            }
            List<DescribeConfigs.Config> configs = brokerConfigs.stream().filter(c -> wanted(resource, c.name())).toList();
            return new DescribeConfigs.Result(ErrorCode.NONE.code(), null, resource.type(), resource.name(), configs);
        }
        return error(resource, ErrorCode.INVALID_REQUEST, "unknown resource type " + resource.type()
                + " (2: topic, 4: broker)");
    }

    private static boolean wanted(DescribeConfigs.Resource resource, String key) {
        return resource.configNames() == null || resource.configNames().contains(key);
    }

    private static DescribeConfigs.Result error(DescribeConfigs.Resource resource, ErrorCode code, String message) {
        return new DescribeConfigs.Result(code.code(), message, resource.type(), resource.name(), List.of());
    }
}
