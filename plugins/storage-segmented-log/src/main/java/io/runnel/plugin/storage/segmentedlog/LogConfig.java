package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginConfig;
import io.runnel.api.RunnelException;
import io.runnel.api.record.RecordBatch;

import java.util.HashMap;
import java.util.Map;

/**
 * The settings of one partition's log: broker defaults ({@code log.*} keys) with the topic's own
 * overrides (the same keys without {@code log.}, as in Kafka). Immutable.
 */
record LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int indexIntervalBytes,
                 int maxIndexBytes, long flushMessages, long flushMs, boolean flushOnAppend, boolean logAppendTime,
                 long fileDeleteDelayMs) {

    static final long DAY_MS = 24L * 60 * 60 * 1000;

    /** Broker key → topic key, for the settings a topic may override. */
    static final Map<String, String> TOPIC_KEYS = Map.ofEntries(
            Map.entry("log.segment.bytes", "segment.bytes"),
            Map.entry("log.roll.ms", "segment.ms"),
            Map.entry("log.retention.ms", "retention.ms"),
            Map.entry("log.retention.bytes", "retention.bytes"),
            Map.entry("log.index.interval.bytes", "index.interval.bytes"),
            Map.entry("log.index.size.max.bytes", "segment.index.bytes"),
            Map.entry("log.flush.interval.messages", "flush.messages"),
            Map.entry("log.flush.interval.ms", "flush.ms"),
            Map.entry("log.flush.on.append", "flush.on.append"),
            Map.entry("log.message.timestamp.type", "message.timestamp.type"),
            Map.entry("log.segment.delete.delay.ms", "file.delete.delay.ms"));

    /** The broker-wide defaults. */
    static LogConfig fromBroker(Map<String, String> broker) {
        PluginConfig c = PluginConfig.of(broker);
        long rollMs = c.longValue("log.roll.ms", c.longValue("log.roll.hours", 168, 1, Integer.MAX_VALUE) * 3_600_000L,
                1, Long.MAX_VALUE);
        long retentionMs = retentionMs(c);
        return new LogConfig(
                c.intValue("log.segment.bytes", 1 << 30, RecordBatch.HEADER_SIZE, Integer.MAX_VALUE),
                rollMs,
                retentionMs,
                c.longValue("log.retention.bytes", -1, -1, Long.MAX_VALUE),
                c.intValue("log.index.interval.bytes", 4096, 0, Integer.MAX_VALUE),
                c.intValue("log.index.size.max.bytes", 10 * 1024 * 1024, 4 * 12, Integer.MAX_VALUE),
                c.longValue("log.flush.interval.messages", Long.MAX_VALUE, 1, Long.MAX_VALUE),
                c.longValue("log.flush.interval.ms", Long.MAX_VALUE, 0, Long.MAX_VALUE),
                c.booleanValue("log.flush.on.append", false),
                timestampType(c.string("log.message.timestamp.type", "CreateTime"), "log.message.timestamp.type"),
                c.longValue("log.segment.delete.delay.ms", 60_000, 0, Long.MAX_VALUE));
    }

    private static long retentionMs(PluginConfig c) {
        long hours = c.longValue("log.retention.hours", 168, -1, Integer.MAX_VALUE);
        long minutes = c.longValue("log.retention.minutes", hours < 0 ? -1 : hours * 60, -1, Long.MAX_VALUE / 60_000);
        long ms = c.longValue("log.retention.ms", minutes < 0 ? -1 : minutes * 60_000, -1, Long.MAX_VALUE);
        return ms;
    }

    /** These settings under their topic-level keys. */
    Map<String, String> asTopicConfig() {
        Map<String, String> asBroker = asBrokerConfig();
        Map<String, String> topic = new HashMap<>();
        TOPIC_KEYS.forEach((brokerKey, topicKey) -> topic.put(topicKey, asBroker.get(brokerKey)));
        return topic;
    }

    /** These settings with a topic's overrides applied. */
    LogConfig withTopicOverrides(Map<String, String> topic) {
        if (topic.isEmpty()) {
            return this;
        }
        Map<String, String> asBroker = asBrokerConfig();
        TOPIC_KEYS.forEach((brokerKey, topicKey) -> {
            String value = topic.get(topicKey);
            if (value != null) {
                asBroker.put(brokerKey, value);
            }
        });
        try {
            return fromBroker(asBroker);
        } catch (RunnelException e) {
            // Name the topic-level key the operator wrote, not the broker key it maps to.
            String message = e.getMessage();
            for (Map.Entry<String, String> key : TOPIC_KEYS.entrySet()) {
                message = message.replace(" for " + key.getKey() + ":", " for " + key.getValue() + ":");
            }
            throw new RunnelException(ErrorCode.INVALID_CONFIG, message, e);
        }
    }

    private Map<String, String> asBrokerConfig() {
        Map<String, String> asBroker = new HashMap<>();
        asBroker.put("log.segment.bytes", String.valueOf(segmentBytes));
        asBroker.put("log.roll.ms", String.valueOf(segmentMs));
        asBroker.put("log.retention.ms", String.valueOf(retentionMs));
        asBroker.put("log.retention.bytes", String.valueOf(retentionBytes));
        asBroker.put("log.index.interval.bytes", String.valueOf(indexIntervalBytes));
        asBroker.put("log.index.size.max.bytes", String.valueOf(maxIndexBytes));
        asBroker.put("log.flush.interval.messages", String.valueOf(flushMessages));
        asBroker.put("log.flush.interval.ms", String.valueOf(flushMs));
        asBroker.put("log.flush.on.append", String.valueOf(flushOnAppend));
        asBroker.put("log.message.timestamp.type", logAppendTime ? "LogAppendTime" : "CreateTime");
        asBroker.put("log.segment.delete.delay.ms", String.valueOf(fileDeleteDelayMs));
        return asBroker;
    }

    private static boolean timestampType(String value, String key) {
        if (value.equals("CreateTime")) {
            return false;
        }
        if (value.equals("LogAppendTime")) {
            return true;
        }
        throw new RunnelException(ErrorCode.INVALID_CONFIG,
                "invalid value '" + value + "' for " + key + ": expected CreateTime or LogAppendTime");
    }
}
