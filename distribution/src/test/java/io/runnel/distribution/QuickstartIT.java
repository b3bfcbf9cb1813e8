package io.runnel.distribution;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user does, from the unpacked distribution with real processes (README's quickstart):
 * a ZooKeeper, a broker, a topic, three lines in and out, a clean stop with SIGTERM, and the data
 * still there after a restart.
 */
@Timeout(300)
class QuickstartIT extends DistributionTestBase {
    private static final long START_SECONDS = 60;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopEverything() throws InterruptedException {
        // Brokers first (they were started after ZooKeeper), so that they deregister cleanly.
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process process = processes.get(i);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void startProduceConsumeStopRestart() throws Exception {
        int zkPort = freePort();
        int brokerPort = freePort();
        String bootstrap = "127.0.0.1:" + brokerPort;

        Path zkConfig = temp.resolve("zookeeper.properties");
        Files.writeString(zkConfig, Files.readString(dist.home.resolve("config/zookeeper.properties"))
                .replace("dataDir=/tmp/runnel-zookeeper", "dataDir=" + temp.resolve("zk-data"))
                .replace("clientPort=2181", "clientPort=" + zkPort));
        Path zkLog = temp.resolve("zookeeper.log");
        start(zkLog, "zookeeper-start", zkConfig.toString());

        String[] serverStart = {"server-start", "config/server.properties",
                "--override", "zookeeper.connect=127.0.0.1:" + zkPort,
                "--override", "listeners=PLAINTEXT://" + bootstrap,
                "--override", "log.dirs=" + temp.resolve("broker-logs")};
        Path brokerLog = temp.resolve("broker.log");
        Process broker = start(brokerLog, serverStart);
        awaitBroker(broker, brokerLog, bootstrap);

        Distribution.Result created = dist.run("topics", "--bootstrap-server", bootstrap, "--create", "--topic",
                "quickstart", "--partitions", "1", "--replication-factor", "1");
        assertEquals(0, created.exitCode(), created.toString());
        assertEquals("Created topic quickstart.\n", created.out());

        Distribution.Result produced = dist.runWithInput("first event\nsecond event\nthird event\n", "console-producer",
                "--bootstrap-server", bootstrap, "--topic", "quickstart");
        assertEquals(0, produced.exitCode(), produced.toString());

        assertConsumesTheThreeLines(bootstrap);

        broker.destroy(); // SIGTERM
        assertTrue(broker.waitFor(30, TimeUnit.SECONDS), "the broker did not stop within 30 s of SIGTERM:\n"
                + Files.readString(brokerLog));
        assertEquals(0, broker.exitValue(), Files.readString(brokerLog));
        assertTrue(Files.readString(brokerLog).contains("Broker 0 stopped"), Files.readString(brokerLog));

        Path restartLog = temp.resolve("broker-restart.log");
        Process restarted = start(restartLog, serverStart);
        awaitBroker(restarted, restartLog, bootstrap);
        assertConsumesTheThreeLines(bootstrap);
    }

    private void assertConsumesTheThreeLines(String bootstrap) throws Exception {
        Distribution.Result consumed = dist.run("console-consumer", "--bootstrap-server", bootstrap, "--topic",
                "quickstart", "--from-beginning", "--max-messages", "3");
        assertEquals(0, consumed.exitCode(), consumed.toString());
        assertEquals("first event\nsecond event\nthird event\n", consumed.out(), consumed.toString());
        assertTrue(consumed.err().contains("Processed a total of 3 messages"), consumed.toString());
    }

    private Process start(Path log, String... args) throws IOException {
        Process process = dist.start(log, args);
        processes.add(process);
        return process;
    }

    /** Polls {@code topics --list} until the broker answers (each try is a JVM start, so no busy loop). */
    private void awaitBroker(Process broker, Path log, String bootstrap) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        Distribution.Result last = null;
        while (true) {
            assertTrue(broker.isAlive(), "server-start exited with " + (broker.isAlive() ? "" : broker.exitValue())
                    + ":\n" + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "the broker did not answer within " + START_SECONDS + " s; last try: "
                    + last + "\nbroker log:\n" + Files.readString(log));
            last = dist.run("topics", "--bootstrap-server", bootstrap, "--list");
            if (last.exitCode() == 0) {
                return;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
