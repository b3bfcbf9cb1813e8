package io.runnel.client.internal.network;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(30)
class MetadataManagerTest {

    /**
     * A refresh that finishes at once (here: no broker to ask) must not leave the manager waiting
     * on a finished refresh: every later refresh completes too. It once stuck, which made producers
     * report "topic not present in metadata" for a topic that existed.
     */
    @Test
    void refreshesThatFinishAtOnceDoNotStickTheNextOnes() throws Exception {
        try (NetworkClient network = new NetworkClient("metadata-test", 5000, "metadata-test")) {
            MetadataManager metadata = new MetadataManager(network, List.of(), 1000, 60_000, false);
            for (int i = 0; i < 3; i++) {
                assertThrows(ExecutionException.class, () -> metadata.refresh().get(5, TimeUnit.SECONDS));
            }
        }
    }
}
