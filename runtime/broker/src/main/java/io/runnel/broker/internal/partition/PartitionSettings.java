package io.runnel.broker.internal.partition;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.util.Map;

/**
 * The settings of a partition that the broker itself enforces (the storage engine reads the rest):
 * the largest batch and the in-sync replicas an {@code acks=all} write needs. Topic configuration
 * overrides the broker defaults.
 */
public record PartitionSettings(int maxMessageBytes, int minInSyncReplicas) {
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    /** @throws RunnelException {@code INVALID_CONFIG} naming the key and value */
    public static PartitionSettings of(PartitionSettings brokerDefaults, Map<String, String> topicConfig) {
        return new PartitionSettings(
                intValue(topicConfig, MAX_MESSAGE_BYTES, brokerDefaults.maxMessageBytes(), 0),
                intValue(topicConfig, MIN_INSYNC_REPLICAS, brokerDefaults.minInSyncReplicas(), 1));
    }

    private static int intValue(Map<String, String> config, String key, int fallback, int min) {
        String value = config.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < min) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value " + value + " for " + key
                        + ": must be at least " + min);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value " + value + " for " + key
                    + ": not an integer");
        }
    }
}
