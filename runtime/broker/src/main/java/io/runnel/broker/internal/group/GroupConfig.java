package io.runnel.broker.internal.group;

/**
 * The coordinator's settings, from the broker configuration ({@code group.*}, {@code offsets.*},
 * {@code offset.metadata.max.bytes}).
 */
public record GroupConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                          long offsetsRetentionMs, long retentionCheckIntervalMs, int offsetMetadataMaxBytes) {
}
