/**
 * The default storage engine, {@code segmented-log}: one directory per partition holding segment
 * files with sparse, memory-mapped offset and time indexes. Layout in {@code docs/storage.md}.
 */
module io.runnel.plugin.storage.segmentedlog {
    requires io.runnel.api;
    // sun.misc.Unsafe.invokeCleaner: unmap index files at once instead of at the next GC, so
    // thousands of partitions do not pile up stale mappings.
    requires jdk.unsupported;

    provides io.runnel.api.storage.StorageEngineProvider
            with io.runnel.plugin.storage.segmentedlog.SegmentedLogProvider;
}
