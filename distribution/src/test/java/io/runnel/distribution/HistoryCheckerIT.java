package io.runnel.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fault test's checker finds what it must, on made-up histories. (A plain unit test; it is an
 * {@code IT} because this module runs its tests with failsafe only.)
 */
@Timeout(10)
class HistoryCheckerIT {

    /** A history of one partition: values 0..sent-1 sent, those in {@code acked} acknowledged in that order. */
    private static AckHistory history(int sent, List<Long> acked) {
        AckHistory history = new AckHistory(1);
        for (int i = 0; i < sent; i++) {
            history.nextToSend(0);
        }
        acked.forEach(n -> history.acked(0, n));
        for (long n = 0; n < sent; n++) {
            if (!acked.contains(n)) {
                history.failed(0, n, new IllegalStateException("no answer"));
            }
        }
        return history;
    }

    private static List<String> log(long... ns) {
        return java.util.Arrays.stream(ns).mapToObj(n -> AckHistory.value(0, n)).toList();
    }

    @Test
    void aCleanLogHasNothingToReport() {
        HistoryChecker.PartitionReport r = HistoryChecker.checkPartition(0, log(0, 1, 2, 3), history(4, List.of(0L, 1L, 2L, 3L)), 4);
        assertEquals(List.of(4L, 0L, 0L, 0L, 0L), List.of(r.acked(), r.lost(), r.duplicated(), r.reordered(), r.unackedPresent()));
    }

    @Test
    void lostDuplicatedReorderedAndUnacknowledgedRecordsAreCounted() {
        // 0..5 sent; 0, 1, 2, 4 acknowledged (2 before 1: callbacks may complete out of send order);
        // 3 and 5 failed. The log lost 4, stored 1 twice, put 2 before 1, and holds the failed 3.
        HistoryChecker.PartitionReport r = HistoryChecker.checkPartition(0, log(0, 2, 1, 1, 3),
                history(6, List.of(0L, 2L, 1L, 4L)), 5);
        assertEquals(4, r.acked());
        assertEquals(1, r.lost());
        assertEquals(List.of(4L), r.lostSample());
        assertEquals(1, r.duplicated());
        assertEquals(1, r.reordered(), "1 stored after 2, which was sent later");
        assertEquals(1, r.unackedPresent());
        assertEquals(2, r.failed());
    }

    @Test
    void aValueOfAnotherPartitionIsForeign() {
        HistoryChecker.PartitionReport r = HistoryChecker.checkPartition(0, List.of("p0-0", "p1-0", "garbage"),
                history(1, List.of(0L)), 3);
        assertEquals(2, r.foreign());
    }
}
