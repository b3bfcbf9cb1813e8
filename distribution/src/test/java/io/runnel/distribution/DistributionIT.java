package io.runnel.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code bin/runnel} from a copy of the unpacked distribution, as a user would, with the
 * sample plugin and broken plugin jars dropped into its {@code plugins/} folder.
 */
@Timeout(120)
class DistributionIT extends DistributionTestBase {
    private static final Path SAMPLE_JAR = Path.of(System.getProperty("sample.codec.plugin.jar"));
    private static final Path API_JAR = Path.of(System.getProperty("runnel.api.jar"));
    private static final String SAMPLE_PROVIDER = "com/example/runnel/codec/zlib/ZlibCodecProvider.class";

    private static String lineFor(String output, String name) {
        return output.lines().filter(l -> l.matches("compression-codec\\s+" + name + "\\s.*")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for codec " + name + " in:\n" + output));
    }

    /** The codecs this distribution was assembled with (the profiles may leave some out). */
    private List<String> bundledCodecs() throws IOException {
        String prefix = "runnel-codec-";
        try (Stream<Path> jars = Files.list(dist.home.resolve("lib"))) {
            return jars.map(j -> j.getFileName().toString()).filter(n -> n.startsWith(prefix))
                    .map(n -> n.substring(prefix.length(), n.length() - ("-" + VERSION + ".jar").length())).sorted().toList();
        }
    }

    @Test
    void listsTheBuiltInPlugins() throws Exception {
        Distribution.Result result = dist.run("plugins");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().startsWith("SPI"), result.toString());
        List<String> codecs = bundledCodecs();
        for (String codec : codecs) {
            String line = lineFor(result.out(), codec);
            assertTrue(line.contains(VERSION) && line.contains("built-in")
                    && line.contains("lib/runnel-codec-" + codec + "-" + VERSION + ".jar"), line);
        }
        assertEquals(codecs.size() + 1, result.out().lines().filter(l -> l.startsWith("compression-codec")).count(),
                "the bundled codecs and none: " + result.out());
        assertTrue(lineFor(result.out(), "none").contains("codec id 0"));
        if (Files.exists(dist.home.resolve("lib/runnel-storage-segmented-log-" + VERSION + ".jar"))) {
            assertTrue(result.out().lines().anyMatch(l -> l.matches("storage-engine\\s+segmented-log\\s.*built-in.*")),
                    result.out());
        }
    }

    @Test
    void listsTheSamplePluginDroppedIntoPlugins() throws Exception {
        Files.copy(SAMPLE_JAR, dist.plugins().resolve(SAMPLE_JAR.getFileName()));
        Distribution.Result result = dist.run("plugins");
        assertEquals(0, result.exitCode(), result.toString());
        String line = lineFor(result.out(), "zlib");
        assertTrue(line.contains(VERSION) && line.contains(" jar ") && line.contains("codec id 5")
                && line.contains("plugins/" + SAMPLE_JAR.getFileName()), line);
    }

    @Test
    void refusesPluginWithAMissingClass() throws Exception {
        new JarRewriter(SAMPLE_JAR).drop(SAMPLE_PROVIDER).writeTo(dist.plugins().resolve("missing-class.jar"));
        assertRefusedWithOneLine("missing-class.jar", "com.example.runnel.codec.zlib.ZlibCodecProvider");
    }

    @Test
    void refusesPluginThatBundlesTheApi() throws Exception {
        new JarRewriter(SAMPLE_JAR).addFrom(API_JAR, name -> name.startsWith("io/runnel/api/"))
                .writeTo(dist.plugins().resolve("fat.jar"));
        assertRefusedWithOneLine("fat.jar", "bundles io/runnel/api/");
    }

    @Test
    void refusesTwoPluginsWithTheSameName() throws Exception {
        Files.copy(SAMPLE_JAR, dist.plugins().resolve("a-zlib.jar"));
        new JarRewriter(SAMPLE_JAR).manifest("Plugin-Id", "another-zlib").writeTo(dist.plugins().resolve("b-zlib.jar"));
        String line = assertRefusedWithOneLine("b-zlib.jar", "duplicate compression-codec name 'zlib'");
        assertTrue(line.contains("a-zlib.jar"), "both jars are named: " + line);
    }

    @Test
    void refusesTheSamePluginTwice() throws Exception {
        Files.copy(SAMPLE_JAR, dist.plugins().resolve("one.jar"));
        Files.copy(SAMPLE_JAR, dist.plugins().resolve("two.jar"));
        String line = assertRefusedWithOneLine("two.jar", "Plugin-Id 'sample-zlib-codec' is already used");
        assertTrue(line.contains("one.jar"), line);
    }

    @Test
    void refusesPluginBuiltForAnotherSpi() throws Exception {
        new JarRewriter(SAMPLE_JAR).manifest("Plugin-Requires", ">=2.0.0 & <3.0.0")
                .writeTo(dist.plugins().resolve("future.jar"));
        assertRefusedWithOneLine("future.jar", "this runtime provides SPI 1.0.0");
    }

    /** One problem line naming the jar; no table, because nothing may start half-configured. */
    private String assertRefusedWithOneLine(String jar, String expected) throws Exception {
        Distribution.Result result = dist.run("plugins");
        assertEquals(1, result.exitCode(), result.toString());
        assertEquals("", result.out(), "nothing listed when a plugin is broken\n" + result);
        List<String> errors = result.errorLines();
        assertEquals(1, errors.size(), result.toString());
        String line = errors.get(0);
        assertTrue(line.contains(jar) && line.contains(expected), line);
        assertFalse(result.err().contains("\tat "), "no stack trace for a user error\n" + result);
        return line;
    }

    @Test
    void everyRunnelJarIsANamedModule() throws IOException {
        try (Stream<Path> jars = Files.list(dist.home.resolve("lib"))) {
            List<Path> runnelJars = jars.filter(j -> j.getFileName().toString().startsWith("runnel-")).sorted().toList();
            for (String core : List.of("runnel-api", "runnel-runtime", "runnel-cli")) {
                assertTrue(runnelJars.contains(dist.home.resolve("lib/" + core + "-" + VERSION + ".jar")), core);
            }
            for (Path jar : runnelJars) {
                Set<ModuleReference> modules = ModuleFinder.of(jar).findAll();
                assertEquals(1, modules.size(), jar.toString());
                ModuleDescriptor descriptor = modules.iterator().next().descriptor();
                assertFalse(descriptor.isAutomatic(), jar + " must have a module-info");
                assertTrue(descriptor.name().startsWith("io.runnel."), descriptor.name());
                assertEquals(VERSION, descriptor.rawVersion().orElse(""), descriptor.toNameAndVersion());
            }
        }
    }

    @Test
    void reportsBadFlagsAndAnswersHelpAndVersion() throws Exception {
        Distribution.Result bad = dist.run("plugins", "--frobnicate");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("Unknown option: '--frobnicate'"), bad.toString());

        Distribution.Result help = dist.run("--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.out().contains("plugins"), help.toString());

        Distribution.Result version = dist.run("--version");
        assertEquals(0, version.exitCode(), version.toString());
        assertTrue(version.out().contains("Runnel " + VERSION + " (plugin SPI 1.0.0)"), version.toString());
    }

    @Test
    void refusesJavaOlderThan17() throws Exception {
        Path fakeJdk = Files.createDirectories(temp.resolve("old-jdk/bin"));
        Path java = fakeJdk.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho '    java.specification.version = 1.8' >&2\n"
                + "echo 'openjdk version \"1.8.0_402\"' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Distribution.Result result = dist.run(Map.of("JAVA_HOME", fakeJdk.getParent().toString()), "plugins");
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.err().contains("Java 17 or newer is required") && result.err().contains("version 1.8"),
                result.toString());
    }

    /** A JDK whose version carries a suffix (early access, home-built) still counts by its number. */
    @Test
    void acceptsEarlyAccessJavaAndIgnoresToolOptionsThatMentionVersions() throws Exception {
        Path fakeJdk = Files.createDirectories(temp.resolve("ea-jdk/bin"));
        Path java = fakeJdk.resolve("java");
        String real = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(java, "#!/bin/sh\ncase \"$*\" in *-XshowSettings*)\n"
                + "  echo 'openjdk version \"21-ea\" 2023-09-19' >&2\n"
                + "  echo '    java.specification.version = 21' >&2; exit 0;;\nesac\nexec '" + real + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Distribution.Result result = dist.run(Map.of("JAVA_HOME", fakeJdk.getParent().toString(),
                "JAVA_TOOL_OPTIONS", "-Dmy.version=1"), "--version");
        assertEquals(0, result.exitCode(), result.toString());
    }

    @Test
    void namesABadJavaHome() throws Exception {
        Distribution.Result result = dist.run(Map.of("JAVA_HOME", temp.resolve("no-jdk").toString()), "--version");
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.err().contains("JAVA_HOME is set to '" + temp.resolve("no-jdk") + "'"), result.toString());
    }

    /** Started through a symlink, from a folder with spaces, with CDPATH exported: it still finds itself. */
    @Test
    void findsItsHomeThroughSymlinksSpacesAndCdpath() throws Exception {
        Path spaced = Files.createDirectories(temp.resolve("my tools"));
        Distribution moved = Distribution.copyInto(spaced);
        Path link = Files.createSymbolicLink(temp.resolve("runnel-link"), moved.home.resolve("bin/runnel"));
        Distribution.Result result = moved.runLauncher(link, Map.of("CDPATH", ".:/tmp"), "plugins");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("lib/runnel-runtime-" + VERSION + ".jar"), result.toString());
    }

    @Test
    void checksTheConfiguredPluginsAndNamesTheMissingOnes() throws Exception {
        Path config = temp.resolve("server.properties");
        Files.writeString(config, "storage.engine=rocksdb\ncompression.zstd.level=3\n");
        Distribution.Result result = dist.run("plugins", "--config", config.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.errorLines().stream().anyMatch(l -> l.contains("storage.engine=rocksdb: no storage-engine plugin "
                + "named 'rocksdb' is installed; installed: segmented-log")), result.toString());
    }

    /** With every default plugin built in, the shipped configuration's choices are all installed. */
    @Test
    void theShippedConfigurationSelectsInstalledPlugins() throws Exception {
        Distribution.Result result = dist.run("plugins", "--config", "config/server.properties");
        assertEquals(0, result.exitCode(), result.toString());
        for (String selected : List.of("*segmented-log", "*zookeeper", "*fewest-leaders", "*range", "*sticky")) {
            assertTrue(result.out().contains(selected), selected + " marked as selected:\n" + result.out());
        }
        assertTrue(result.out().lines().anyMatch(l -> l.matches("replica-placement-policy\\s+\\*round-robin\\s.*")),
                result.out());
    }

    @Test
    void refusesAPluginDirectoryThatDoesNotExist() throws Exception {
        Distribution.Result result = dist.run("plugins", "--plugin-dir", temp.resolve("nowhere").toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.err().contains("nowhere does not exist"), result.toString());
    }

    @Test
    void tarballHoldsTheSameTreeWithAnExecutableLauncher() throws Exception {
        Path tarball = Path.of(System.getProperty("runnel.dist.tarball"));
        Process tar = new ProcessBuilder("tar", "-tzvf", tarball.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes());
        assertEquals(0, tar.waitFor(), listing);
        String root = "runnel-" + VERSION + "/";
        String launcher = listing.lines().filter(l -> l.endsWith(root + "bin/runnel")).findFirst()
                .orElseThrow(() -> new AssertionError("no bin/runnel in\n" + listing));
        assertTrue(launcher.startsWith("-rwxr-xr-x"), launcher);
        for (String path : List.of("config/server.properties", "config/logback.xml", "plugins/README.txt", "LICENSE",
                "THIRD-PARTY.txt", "lib/runnel-cli-" + VERSION + ".jar")) {
            assertTrue(listing.contains(root + path), path + " missing from the tarball");
        }
    }
}
