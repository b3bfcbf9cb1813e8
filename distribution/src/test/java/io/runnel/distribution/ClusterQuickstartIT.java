package io.runnel.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/runnel quickstart}: ZooKeeper and three brokers as processes, a replicated topic, the
 * perf tools, a broker killed with SIGKILL (leaders move, ISR shrinks), restarted (ISR heals), and
 * everything stopped at the end.
 */
@Timeout(400)
class ClusterQuickstartIT extends DistributionTestBase {

    @Test
    void runsTheLocalClusterThroughAFailureAndBack() throws Exception {
        Path output = temp.resolve("quickstart.out");
        Process quickstart = dist.start(output, "quickstart", "--records", "20000", "--dir", temp.resolve("cluster").toString());
        try {
            assertTrue(quickstart.waitFor(360, TimeUnit.SECONDS), "quickstart finished within 6 minutes");
        } finally {
            quickstart.destroyForcibly();
        }
        String out = Files.readString(output);
        assertEquals(0, quickstart.exitValue(), out);
        assertTrue(out.contains("Created topic quickstart."), out);
        assertTrue(out.contains("20000 records sent"), out);
        int killed = out.indexOf("==> killing broker 1 with SIGKILL");
        int restarted = out.indexOf("==> restarting broker 1");
        assertTrue(killed > 0 && restarted > killed, out);
        String afterKill = out.substring(killed, restarted);
        assertFalse(afterKill.contains("Leader: 1\t"), "no partition led by the killed broker: " + afterKill);
        assertTrue(afterKill.contains("Partition: 5"), afterKill);
        assertFalse(Files.exists(temp.resolve("cluster").resolve("broker-0")), "the data folder is removed at the end");
        String clusterDir = temp.resolve("cluster").toString();
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.isAlive()
                && p.info().commandLine().map(c -> c.contains(clusterDir)).orElse(false)),
                "every process the quickstart started is gone");
    }
}
