package io.runnel.broker.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.runtime.config.Config;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerConfigTest {
    private static final Path DOCS = Path.of(System.getProperty("user.dir")).resolve("../../docs/configuration.md");

    @Test
    void theShippedServerPropertiesParse() throws Exception {
        Path shipped = Path.of(System.getProperty("user.dir"))
                .resolve("../../distribution/src/main/dist/config/server.properties");
        Map<String, String> values = io.runnel.runtime.ConfigFiles.load(shipped);
        Config config = BrokerConfig.parse(values, Set.of("log.*", "zookeeper.*", "compression.*"));
        assertEquals(0, config.getInt(BrokerConfig.BROKER_ID));
    }

    @Test
    void typosAreCaughtButPluginKeysAreNot() {
        RunnelException e = assertThrows(RunnelException.class, () -> BrokerConfig.parse(
                Map.of("broker.id", "1", "auto.create.topic.enable", "false", "log.retention.hours", "1"),
                Set.of("log.retention.hours")));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertEquals("unknown configuration key 'auto.create.topic.enable' (did you mean auto.create.topics.enable?)",
                e.getMessage());
    }

    /** docs/configuration.md shows exactly what the code defines. */
    @Test
    void theDocumentedReferenceIsTheDefinition() throws Exception {
        String docs = Files.readString(DOCS);
        assertTrue(docs.contains(BrokerConfig.DEFINITION.markdownTable()),
                "docs/configuration.md must contain the broker table; paste this under 'Broker':\n"
                        + BrokerConfig.DEFINITION.markdownTable());
    }
}
