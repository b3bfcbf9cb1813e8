package io.runnel.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ZooKeeper folder plugin and {@code bin/runnel zookeeper-start}, from the unpacked distribution. */
@Timeout(180)
class ZooKeeperIT extends DistributionTestBase {

    @Test
    void theZooKeeperBackendIsAFolderPluginWithItsOwnLibraries() throws Exception {
        Distribution.Result result = dist.run("plugins");
        assertEquals(0, result.exitCode(), result.toString());
        String line = result.out().lines().filter(l -> l.startsWith("coordination-backend")).findFirst()
                .orElseThrow(() -> new AssertionError("no coordination backend listed\n" + result));
        assertTrue(line.matches("coordination-backend\\s+zookeeper\\s+" + VERSION.replace(".", "\\.")
                + "\\s+jar\\s+plugins/coordination-zookeeper\\s.*"), line);
        Path lib = dist.home.resolve("plugins/coordination-zookeeper/lib");
        assertTrue(Files.exists(lib.resolve("runnel-coordination-zookeeper-" + VERSION + ".jar")));
        try (var jars = Files.list(lib)) {
            assertTrue(jars.noneMatch(j -> j.getFileName().toString().startsWith("slf4j")), "slf4j comes from the runtime");
        }
        try (var jars = Files.list(dist.home.resolve("lib"))) {
            assertTrue(jars.noneMatch(j -> j.getFileName().toString().startsWith("zookeeper")),
                    "ZooKeeper stays out of the module path");
        }
    }

    @Test
    void zookeeperStartRunsAServerThatAnswers() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String config = Files.readString(dist.home.resolve("config/zookeeper.properties"))
                .replace("dataDir=/tmp/runnel-zookeeper", "dataDir=" + temp.resolve("zk-data"))
                .replace("clientPort=2181", "clientPort=" + port);
        Path file = temp.resolve("zookeeper.properties");
        Files.writeString(file, config);
        Path log = temp.resolve("zookeeper.log");
        Process server = dist.start(log, "zookeeper-start", file.toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // "ruok" says imok as soon as the port is open; "srvr" reports a mode only once serving.
            String status = "";
            while (!status.contains("Mode: standalone")) {
                assertTrue(server.isAlive(), "zookeeper-start exited:\n" + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "not serving within 60 s:\n" + status + "\n" + Files.readString(log));
                status = fourLetterWord(port, "srvr");
            }
            assertEquals("imok", fourLetterWord(port, "ruok"));
        } finally {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static String fourLetterWord(int port, String word) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        } catch (IOException notYet) {
            return "";
        }
    }

    @Test
    void zookeeperStartExplainsItselfAndRefusesBadArguments() throws Exception {
        Distribution.Result help = dist.run("zookeeper-start", "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.out().contains("Usage: runnel zookeeper-start"), help.toString());

        Distribution.Result bad = dist.run("zookeeper-start", "--port", "1");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("unknown option '--port'"), bad.toString());

        Distribution.Result missing = dist.run("zookeeper-start", temp.resolve("nope.properties").toString());
        assertEquals(1, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("nope.properties' does not exist"), missing.toString());

        Distribution.Result listed = dist.run("--help");
        assertTrue(listed.out().contains("zookeeper-start"), listed.toString());
    }
}
