package io.runnel.runtime;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.SpiVersion;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;
import io.runnel.runtime.fixtures.FixtureCodecProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class PluginRegistryTest {
    private static final String FIXTURE = FixtureCodecProvider.class.getName();

    @TempDir
    Path plugins;

    private PluginJarBuilder codecJar(String pluginId, String codecName, int codecId) {
        return codecJar(pluginId, codecName, String.valueOf(codecId));
    }

    private PluginJarBuilder codecJar(String pluginId, String codecName, String codecId) {
        return new PluginJarBuilder(pluginId)
                .withClass(FixtureCodecProvider.class)
                .withClass(FixtureCodecProvider.class.getNestHost())
                .withClass(loadFixture("FixtureCodecProvider$1"))
                .withClass(loadFixture("FixtureSettings"))
                .withText("fixture.properties", "name=" + codecName + "\nid=" + codecId + "\n")
                .provides(CompressionCodecProvider.class, FIXTURE);
    }

    private static Class<?> loadFixture(String simpleName) {
        try {
            return Class.forName("io.runnel.runtime.fixtures." + simpleName);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private PluginLoadException expectRefused() {
        return assertThrows(PluginLoadException.class, () -> PluginRegistry.load(Optional.of(plugins)).close());
    }

    @Test
    void findsBuiltInNoneCodecWithoutPluginsDirectory() {
        try (PluginRegistry registry = PluginRegistry.load(Optional.empty())) {
            PluginInfo none = registry.require(Spi.COMPRESSION_CODEC, "none", "compression.type");
            assertEquals(PluginOrigin.BUILT_IN, none.origin());
            assertEquals("codec id 0", none.details());
        }
    }

    @Test
    void loadsThirdPartyJarInItsOwnClassLoader() throws Exception {
        Path jar = codecJar("rot-plugin", "rot", 5).writeTo(plugins.resolve("rot.jar"));
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins))) {
            PluginInfo rot = registry.require(Spi.COMPRESSION_CODEC, "rot", "compression.type");
            assertEquals(PluginOrigin.PLUGIN_JAR, rot.origin());
            assertEquals("1.2.3", rot.version());
            assertEquals(jar, rot.source());
            assertEquals("codec id 5", rot.details());

            // The plugin has its own copy of its classes, the runtime's copy of the SPI ...
            ClassLoader loader = rot.classLoader();
            assertNotSame(FixtureCodecProvider.class, rot.provider().getClass());
            assertSame(CompressionCodecProvider.class, loader.loadClass(CompressionCodecProvider.class.getName()));
            assertSame(SpiVersion.class, loader.loadClass(SpiVersion.class.getName()));
            // ... and cannot see the runtime or its libraries.
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass(PluginRegistry.class.getName()));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.pf4j.PluginManager"));
            assertEquals(null, loader.getResource("logback-test.xml"), "runtime resources stay hidden");

            try (CompressionCodec codec = rot.create(() -> OptionalInt.empty(), Map.of())) {
                assertEquals(5, codec.id());
                assertSame(loader, codec.getClass().getClassLoader());
            }
        }
    }

    @Test
    void refusesJarWhoseProviderClassIsMissing() {
        new PluginJarBuilder("broken").provides(CompressionCodecProvider.class, "com.example.MissingCodecProvider")
                .writeTo(plugins.resolve("broken.jar"));
        PluginLoadException e = expectRefused();
        assertEquals(1, e.problems().size(), e.getMessage());
        String line = e.problems().get(0);
        assertTrue(line.contains("broken.jar") && line.contains("com.example.MissingCodecProvider"), line);
        assertEquals(ErrorCode.PLUGIN_ERROR, e.errorCode());
    }

    @Test
    void refusesJarThatBundlesTheApi() {
        codecJar("fat", "fat", 5).withClass(SpiVersion.class).writeTo(plugins.resolve("fat.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("fat.jar") && line.contains("io/runnel/api/SpiVersion.class")
                && line.contains("provided"), line);
    }

    @Test
    void refusesTwoPluginsWithTheSameNameNamingBoth() {
        codecJar("first", "same", 5).writeTo(plugins.resolve("a.jar"));
        codecJar("second", "same", 6).writeTo(plugins.resolve("b.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("duplicate compression-codec name 'same'") && line.contains("a.jar")
                && line.contains("b.jar"), line);
    }

    @Test
    void refusesPluginThatReusesABuiltInName() {
        codecJar("shadow", "none", 6).writeTo(plugins.resolve("shadow.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("'none'") && line.contains("built-in") && line.contains("shadow.jar"), line);
    }

    @Test
    void refusesCodecIdAlreadyTaken() {
        codecJar("one", "one", 6).writeTo(plugins.resolve("one.jar"));
        codecJar("two", "two", 6).writeTo(plugins.resolve("two.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("duplicate codec id 6") && line.contains("one.jar") && line.contains("two.jar"), line);
    }

    @Test
    void refusesCodecIdOutOfRange() {
        codecJar("wide", "wide", 9).writeTo(plugins.resolve("wide.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("wide.jar") && line.contains("id 9"), line);
    }

    @Test
    void refusesPluginBuiltForAnotherSpiVersion() {
        codecJar("future", "future", 5).manifest("Plugin-Requires", ">=2.0.0").writeTo(plugins.resolve("future.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("future.jar") && line.contains(">=2.0.0") && line.contains(SpiVersion.CURRENT), line);
    }

    @Test
    void refusesPluginThatDoesNotSayWhichSpiItNeeds() {
        codecJar("vague", "vague", 5).manifest("Plugin-Requires", null).writeTo(plugins.resolve("vague.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("vague.jar") && line.contains("Plugin-Requires"), line);
    }

    @Test
    void refusesJarWithoutDescriptor() {
        codecJar("x", "x", 5).manifest("Plugin-Id", null).writeTo(plugins.resolve("anonymous.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("anonymous.jar") && line.contains("Field 'id' cannot be empty"), line);
    }

    @Test
    void refusesOpenEndedOrWrongSpiRanges() {
        codecJar("open", "open", 5).manifest("Plugin-Requires", ">=0.5.0").writeTo(plugins.resolve("open.jar"));
        codecJar("old", "old", 6).manifest("Plugin-Requires", "0.9.0").writeTo(plugins.resolve("old.jar"));
        var problems = expectRefused().problems();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(l -> l.contains("old.jar") && l.contains("provides SPI 1.0.0")), problems.toString());
        assertTrue(problems.stream().anyMatch(l -> l.contains("open.jar") && l.contains("no upper bound below SPI 2.0.0")),
                problems.toString());
    }

    @Test
    void acceptsAnExactSpiVersion() {
        codecJar("exact", "exact", 5).manifest("Plugin-Requires", SpiVersion.CURRENT).writeTo(plugins.resolve("exact.jar"));
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins))) {
            assertTrue(registry.find(Spi.COMPRESSION_CODEC, "exact").isPresent());
        }
    }

    @Test
    void refusesThirdPartyCodecWithAReservedId() {
        codecJar("sneaky", "sneaky", 4).writeTo(plugins.resolve("sneaky.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("sneaky.jar") && line.contains("id 4") && line.contains("reserved"), line);
    }

    @Test
    void providerThatThrowsIsOneLineNamingTheJar() {
        codecJar("explodes", "explodes", "boom").writeTo(plugins.resolve("explodes.jar"));
        PluginLoadException e = expectRefused();
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).contains("explodes.jar") && e.problems().get(0).contains("NumberFormatException"),
                e.getMessage());
    }

    @Test
    void unreadableJarIsSaidSo() throws Exception {
        Files.writeString(plugins.resolve("broken.jar"), "not a zip");
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("broken.jar") && (line.contains("cannot read") || line.contains("descriptor")), line);
    }

    @Test
    void missingPluginsDirectoryIsAnError() {
        PluginLoadException e = assertThrows(PluginLoadException.class,
                () -> PluginRegistry.load(Optional.of(plugins.resolve("nope"))).close());
        assertTrue(e.getMessage().contains("nope does not exist"), e.getMessage());
    }

    @Test
    void refusesJarThatProvidesNothing() {
        new PluginJarBuilder("empty").withText("readme.txt", "nothing here").writeTo(plugins.resolve("empty.jar"));
        String line = expectRefused().problems().get(0);
        assertTrue(line.contains("empty.jar") && line.contains("provides no Runnel plugin"), line);
    }

    @Test
    void reportsEveryBrokenJarAtOnce() {
        new PluginJarBuilder("broken").provides(CompressionCodecProvider.class, "com.example.Missing")
                .writeTo(plugins.resolve("broken.jar"));
        codecJar("fat", "fat", 5).withClass(SpiVersion.class).writeTo(plugins.resolve("fat.jar"));
        assertEquals(2, expectRefused().problems().size());
    }

    @Test
    void loadsFolderPluginWithLibraries() throws Exception {
        Path folder = Files.createDirectories(plugins.resolve("folder-plugin/lib"));
        codecJar("ignored", "folded", 7).manifest("Plugin-Id", null).writeTo(folder.resolve("codec.jar"));
        Files.writeString(plugins.resolve("folder-plugin/plugin.properties"),
                "plugin.id=folder-plugin\nplugin.version=0.9.0\nplugin.requires=>=1.0.0 & <2.0.0\n");
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins))) {
            PluginInfo folded = registry.require(Spi.COMPRESSION_CODEC, "folded", "compression.type");
            assertEquals("0.9.0", folded.version());
            assertEquals(plugins.resolve("folder-plugin"), folded.source());
        }
    }

    @Test
    void unknownSelectionNamesTheKeyAndTheChoices() {
        try (PluginRegistry registry = PluginRegistry.load(Optional.empty())) {
            RunnelException e = assertThrows(RunnelException.class,
                    () -> registry.require(Spi.COMPRESSION_CODEC, "brotli", "compression.type"));
            assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
            assertTrue(e.getMessage().contains("compression.type=brotli") && e.getMessage().contains("none"),
                    e.getMessage());
        }
    }
}
