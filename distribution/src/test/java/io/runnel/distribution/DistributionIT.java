package io.runnel.distribution;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
class DistributionIT {
    private static final String VERSION = System.getProperty("runnel.version");
    private static final Path SAMPLE_JAR = Path.of(System.getProperty("sample.codec.plugin.jar"));
    private static final Path API_JAR = Path.of(System.getProperty("runnel.api.jar"));
    private static final String SAMPLE_PROVIDER = "com/example/runnel/codec/zlib/ZlibCodecProvider.class";

    @TempDir
    Path temp;

    private Distribution dist;

    @BeforeEach
    void copyDistribution() {
        dist = Distribution.copyInto(temp);
    }

    private static String lineFor(String output, String name) {
        return output.lines().filter(l -> l.matches("compression-codec\\s+" + name + "\\s.*")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for codec " + name + " in:\n" + output));
    }

    @Test
    void listsTheBuiltInPlugins() throws Exception {
        Distribution.Result result = dist.run("plugins");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().startsWith("SPI"), result.toString());
        for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
            String line = lineFor(result.out(), codec);
            assertTrue(line.contains(VERSION) && line.contains("built-in")
                    && line.contains("lib/runnel-codec-" + codec + "-" + VERSION + ".jar"), line);
        }
        assertTrue(lineFor(result.out(), "none").contains("codec id 0"));
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
            assertEquals(7, runnelJars.size(), runnelJars.toString());
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
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"1.8.0_402\"' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Distribution.Result result = dist.run(Map.of("JAVA_HOME", fakeJdk.getParent().toString()), "plugins");
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.err().contains("Java 17 or newer is required") && result.err().contains("1.8.0_402"),
                result.toString());
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
