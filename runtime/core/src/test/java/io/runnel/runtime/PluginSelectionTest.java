package io.runnel.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class PluginSelectionTest {

    @TempDir
    Path dir;

    @Test
    void reportsEveryMissingSelectionWithKeyValueAndChoices() {
        try (PluginRegistry registry = PluginRegistry.load(Optional.empty())) {
            PluginLoadException e = assertThrows(PluginLoadException.class, () -> PluginSelection.resolve(registry,
                    Map.of(PluginSelection.STORAGE_ENGINE, "rocks", PluginSelection.GROUP_ASSIGNORS, "range, mine")));
            assertEquals(6, e.problems().size(), e.getMessage());
            assertTrue(e.problems().get(0).startsWith("storage.engine=rocks: no storage-engine plugin named 'rocks'"),
                    e.problems().get(0));
            assertTrue(e.getMessage().contains("replica.placement.policy=round-robin"), e.getMessage());
            assertTrue(e.getMessage().contains("group.assignors=range, mine: no partition-assignor plugin named 'mine'"),
                    e.getMessage());
        }
    }

    @Test
    void rejectsEmptyAssignorList() {
        try (PluginRegistry registry = PluginRegistry.load(Optional.empty())) {
            PluginLoadException e = assertThrows(PluginLoadException.class,
                    () -> PluginSelection.resolve(registry, Map.of(PluginSelection.GROUP_ASSIGNORS, " ")));
            assertTrue(e.getMessage().contains("group.assignors='': name at least one partition-assignor plugin"),
                    e.getMessage());
        }
    }

    @Test
    void readsPropertiesFilesAndNamesMissingOnes() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "# comment\nbroker.id = 3\nlog.dirs=/tmp/a,/tmp/b\n");
        assertEquals(Map.of("broker.id", "3", "log.dirs", "/tmp/a,/tmp/b"), ConfigFiles.load(file));
        var e = assertThrows(io.runnel.api.RunnelException.class, () -> ConfigFiles.load(dir.resolve("nope.properties")));
        assertTrue(e.getMessage().contains("nope.properties"), e.getMessage());
    }
}
