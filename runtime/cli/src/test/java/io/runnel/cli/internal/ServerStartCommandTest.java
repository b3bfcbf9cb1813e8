package io.runnel.cli.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** server-start refuses a bad configuration with one line naming the key, file or address, and exit 1. */
@Timeout(60)
class ServerStartCommandTest {

    private static Path config(Path dir, String extra) throws IOException {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "broker.id=0\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + dir.resolve("logs")
                + "\nzookeeper.connect=127.0.0.1:1\n" + extra);
        return file;
    }

    @Test
    void anUnknownKeyIsNamedWithASuggestion(@TempDir Path dir) throws IOException {
        ClientToolsTest.Result result = ClientToolsTest.run("server-start", config(dir, "").toString(),
                "--override", "log.retension.hours=1");
        assertEquals(1, result.exitCode(), result.err());
        assertTrue(result.err().contains("log.retension.hours"), result.err());
        assertTrue(result.err().contains("log.retention.hours"), "a did-you-mean: " + result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace: " + result.err());
    }

    @Test
    void aBadValueIsNamedWithTheKey(@TempDir Path dir) throws IOException {
        ClientToolsTest.Result result = ClientToolsTest.run("server-start", config(dir, "num.partitions=many\n").toString());
        assertEquals(1, result.exitCode(), result.err());
        assertTrue(result.err().contains("num.partitions") && result.err().contains("many"), result.err());
    }

    @Test
    void aMalformedOverrideAndAMissingFileAreNamed(@TempDir Path dir) throws IOException {
        ClientToolsTest.Result override = ClientToolsTest.run("server-start", config(dir, "").toString(), "--override", "broker.id");
        assertEquals(1, override.exitCode(), override.err());
        assertTrue(override.err().contains("--override broker.id") && override.err().contains("KEY=VALUE"), override.err());

        ClientToolsTest.Result missing = ClientToolsTest.run("server-start", dir.resolve("nope.properties").toString());
        assertEquals(1, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("nope.properties"), missing.err());
    }

    @Test
    void aListenerPortInUseIsNamed(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            // The coordination backend is reached first, so give it a real one.
            try (io.runnel.testkit.EmbeddedCluster cluster = io.runnel.testkit.EmbeddedCluster.start(0, java.util.Map.of())) {
                Path file = dir.resolve("server.properties");
                Files.writeString(file, "broker.id=5\nlisteners=PLAINTEXT://127.0.0.1:" + taken.getLocalPort()
                        + "\nlog.dirs=" + dir.resolve("logs") + "\nzookeeper.connect=" + cluster.zookeeperConnect() + "\n");
                ClientToolsTest.Result result = ClientToolsTest.run("server-start", file.toString());
                assertEquals(1, result.exitCode(), result.err());
                assertTrue(result.err().contains("127.0.0.1:" + taken.getLocalPort()), result.err());
                assertTrue(result.err().contains("listeners"), result.err());
            }
        }
    }
}
