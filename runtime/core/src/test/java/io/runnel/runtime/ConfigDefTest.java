package io.runnel.runtime;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.runtime.config.Config;
import io.runnel.runtime.config.ConfigDef;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDefTest {
    private final ConfigDef def = new ConfigDef()
            .define("broker.id", ConfigDef.Type.INT, null, 0, Integer.MAX_VALUE, "The broker's id.")
            .define("num.partitions", ConfigDef.Type.INT, "1", 1, 10_000, "Partitions of new topics.")
            .define("log.dirs", ConfigDef.Type.LIST, "/tmp/runnel-logs", "Log directories.")
            .define("auto.create.topics.enable", ConfigDef.Type.BOOLEAN, "true", "Create topics on first use.")
            .defineChoice("compression.type", "producer", List.of("producer", "none", "zstd"), "Broker-side codec.")
            .defineOptional("broker.rack", ConfigDef.Type.STRING, "The rack.");

    @Test
    void parsesTypedValuesWithDefaults() {
        Config config = def.parse(Map.of("broker.id", "3", "log.dirs", " /a, /b ,", "num.partitions", " 6"), Set.of());
        assertEquals(3, config.getInt("broker.id"));
        assertEquals(6, config.getInt("num.partitions"));
        assertEquals(List.of("/a", "/b"), config.getList("log.dirs"));
        assertTrue(config.getBoolean("auto.create.topics.enable"));
        assertEquals("producer", config.getString("compression.type"));
        assertTrue(config.getOptionalString("broker.rack").isEmpty());
    }

    @Test
    void reportsEveryProblemWithKeyValueAndReason() {
        RunnelException e = assertThrows(RunnelException.class, () -> def.parse(Map.of("num.partitions", "0",
                "auto.create.topics.enable", "yes", "compression.type", "brotli", "nmu.partitions", "3",
                "zookeeper.connect", "h:2181", "compression.zstd.level", "3"), Set.of("zookeeper.connect", "compression.*")));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(List.of(
                "missing required key broker.id: The broker's id.",
                "invalid value '0' for num.partitions: expected a value from 1 to 10000",
                "invalid value 'yes' for auto.create.topics.enable: expected true or false",
                "invalid value 'brotli' for compression.type: expected one of producer, none, zstd",
                "unknown configuration key 'nmu.partitions' (did you mean num.partitions?)"), lines);
    }

    @Test
    void rendersTheReferenceTable() {
        String table = def.markdownTable();
        assertTrue(table.contains("| `num.partitions` | int | `1` | Partitions of new topics. From 1 to 10000. |"), table);
        assertTrue(table.contains("| `broker.id` | int | required |"), table);
        assertTrue(table.contains("| `broker.rack` | string | (none) |"), table);
    }
}
