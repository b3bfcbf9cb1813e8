package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class LogSegmentTest {
    @TempDir
    Path dir;

    private final LogConfig config = LogConfig.fromBroker(Map.of("log.index.interval.bytes", "100"));

    private LogSegment segmentWith(int batches) throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, () -> config, 0L);
        for (int i = 0; i < batches; i++) {
            ByteBuffer batch = Batches.batch(i * 2, 2, 60, 1000L + i);
            RecordBatch view = RecordBatch.wrap(batch);
            view.setBaseOffset(i * 2L);
            segment.append(batch, List.of(view));
        }
        segment.onRolled();
        segment.close();
        return LogSegment.open(dir, 0, () -> config, batches * 2L);
    }

    /** A reader that found the segment just before retention removed it still reads it. */
    @Test
    void aSegmentLeavingTheLogStaysReadableUntilItsFilesAreDeleted() throws Exception {
        LogSegment lazy = segmentWith(20);
        lazy.markDeleted();
        assertFalse(Files.exists(dir.resolve("00000000000000000000.log")));
        assertEquals(10, lazy.translate(10).header().baseOffset(), "reads the renamed files it opened");
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(f -> f.getFileName().toString().endsWith(LogSegment.DELETED_SUFFIX)),
                    "no index was recreated under the old name");
        }
        lazy.deleteFiles();
        assertThrows(LogSegment.SegmentDeletedException.class, () -> lazy.translate(10));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void readsWholeBatchesBetweenBounds() throws Exception {
        LogSegment segment = segmentWith(20);
        int batchSize = segment.size() / 20;
        assertEquals(3 * batchSize, segment.read(4, 3 * batchSize + 10, Long.MAX_VALUE).sizeInBytes());
        assertEquals(batchSize, segment.read(5, 1, Long.MAX_VALUE).sizeInBytes(), "at least one batch");
        assertEquals(2 * batchSize, segment.read(4, 1 << 20, 8).sizeInBytes(), "batches 4-5 and 6-7 end below 8");
        assertEquals(0, segment.read(40, 1 << 20, Long.MAX_VALUE).sizeInBytes());
        segment.close();
    }
}
