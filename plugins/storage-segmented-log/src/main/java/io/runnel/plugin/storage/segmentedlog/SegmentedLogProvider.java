package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.storage.StorageContext;
import io.runnel.api.storage.StorageEngine;
import io.runnel.api.storage.StorageEngineProvider;

import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.TreeSet;

/**
 * The default storage engine, selected with {@code storage.engine=segmented-log}. It reads the
 * {@code log.*} keys documented in {@code docs/configuration.md}.
 */
public final class SegmentedLogProvider implements StorageEngineProvider {
    public static final String NAME = "segmented-log";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "segment files with sparse offset and time indexes";
    }

    @Override
    public Set<String> configKeys() {
        Set<String> keys = new TreeSet<>(LogConfig.TOPIC_KEYS.keySet());
        keys.addAll(List.of("log.dirs", "log.dir", "log.roll.hours", "log.retention.minutes",
                "log.retention.hours", "log.retention.check.interval.ms", "log.flush.scheduler.interval.ms",
                "log.flush.offset.checkpoint.interval.ms", "num.recovery.threads.per.data.dir",
                "replica.high.watermark.checkpoint.interval.ms"));
        return Set.copyOf(keys);
    }

    @Override
    public StorageEngine create(StorageContext context, Map<String, String> config) {
        return new SegmentedLogEngine(context, config);
    }
}
