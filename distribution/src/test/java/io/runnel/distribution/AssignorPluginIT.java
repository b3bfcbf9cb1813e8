package io.runnel.distribution;

import io.runnel.api.TopicPartition;
import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample third-party assignor ({@code samples/assignor-plugin}, named {@code whole-topic}) from
 * a distribution: its jar dropped into {@code plugins/}, listed by {@code bin/runnel plugins},
 * offered by a broker through {@code group.assignors}, and used by a group whose members accept
 * only it.
 *
 * <p>How the test knows the group used it: members that list only {@code whole-topic} can join
 * only if the coordinator runs it (else INCONSISTENT_GROUP_PROTOCOL), and the assignment has its
 * signature: with topics of 4 and 2 partitions, two members get a whole topic each (4 + 2),
 * where the built-in assignors would give 3 + 3.
 */
@Timeout(300)
class AssignorPluginIT extends DistributionTestBase {
    private static final Path SAMPLE_JAR = Path.of(System.getProperty("sample.assignor.plugin.jar"));
    private static final String ASSIGNOR = "whole-topic";
    private static final long START_SECONDS = 60;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process process = processes.get(i);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void groupRunsTheSampleAssignorFromPlugins() throws Exception {
        Files.copy(SAMPLE_JAR, dist.plugins().resolve(SAMPLE_JAR.getFileName()));
        Distribution.Result plugins = dist.run("plugins");
        assertEquals(0, plugins.exitCode(), plugins.toString());
        String line = plugins.out().lines().filter(l -> l.matches("partition-assignor\\s+" + ASSIGNOR + "\\s.*"))
                .findFirst().orElseThrow(() -> new AssertionError("no " + ASSIGNOR + " line in:\n" + plugins.out()));
        assertTrue(line.contains(VERSION) && line.contains(" jar ") && line.contains("plugins/" + SAMPLE_JAR.getFileName()),
                line);

        int zkPort = freePort();
        int brokerPort = freePort();
        String bootstrap = "127.0.0.1:" + brokerPort;
        Path zkConfig = temp.resolve("zookeeper.properties");
        Files.writeString(zkConfig, Files.readString(dist.home.resolve("config/zookeeper.properties"))
                .replace("dataDir=/tmp/runnel-zookeeper", "dataDir=" + temp.resolve("zk-data"))
                .replace("clientPort=2181", "clientPort=" + zkPort));
        start(temp.resolve("zookeeper.log"), "zookeeper-start", zkConfig.toString());
        Path brokerLog = temp.resolve("broker.log");
        Process broker = start(brokerLog, "server-start", "config/server.properties",
                "--override", "zookeeper.connect=127.0.0.1:" + zkPort,
                "--override", "listeners=PLAINTEXT://" + bootstrap,
                "--override", "log.dirs=" + temp.resolve("broker-logs"),
                "--override", "group.assignors=range,round-robin,sticky," + ASSIGNOR,
                "--override", "group.initial.rebalance.delay.ms=2000");
        awaitBroker(broker, brokerLog, bootstrap);

        createTopic(bootstrap, "alpha", 4);
        createTopic(bootstrap, "beta", 2);

        // The command-line consumer asks for the plugin by name, joins and reads (one member: all of alpha).
        Distribution.Result produced = dist.runWithInput("a1\na2\na3\n", "console-producer",
                "--bootstrap-server", bootstrap, "--topic", "alpha");
        assertEquals(0, produced.exitCode(), produced.toString());
        Distribution.Result consumed = dist.run("console-consumer", "--bootstrap-server", bootstrap, "--topic", "alpha",
                "--group", "cli-group", "--from-beginning", "--max-messages", "3",
                "--consumer-property", "partition.assignment.strategy=" + ASSIGNOR);
        assertEquals(0, consumed.exitCode(), consumed + "\nbroker log:\n" + Files.readString(brokerLog));
        assertEquals(Set.of("a1", "a2", "a3"), Set.copyOf(consumed.out().lines().toList()), consumed.toString());

        // The name matters: an assignor the broker does not offer is refused (INCONSISTENT_GROUP_PROTOCOL).
        Distribution.Result refused = dist.run("console-consumer", "--bootstrap-server", bootstrap, "--topic", "alpha",
                "--group", "refused-group", "--from-beginning", "--max-messages", "1", "--timeout-ms", "20000",
                "--consumer-property", "partition.assignment.strategy=no-such-assignor");
        assertTrue(refused.exitCode() != 0 && refused.err().contains("assignors are not compatible"), refused.toString());

        // Two members of one group, each accepting only the plugin, on topics of 4 and 2 partitions.
        Set<TopicPartition> alpha = partitions("alpha", 4);
        Set<TopicPartition> beta = partitions("beta", 2);
        AtomicBoolean stop = new AtomicBoolean();
        List<AtomicReference<Set<TopicPartition>>> assignments = List.of(new AtomicReference<>(Set.of()),
                new AtomicReference<>(Set.of()));
        List<AtomicReference<Throwable>> failures = List.of(new AtomicReference<>(), new AtomicReference<>());
        List<Thread> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int member = i;
            Thread thread = new Thread(() -> {
                try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS, bootstrap,
                        ConsumerConfig.GROUP_ID, "whole-topic-group",
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY, ASSIGNOR),
                        new StringDeserializer(), new StringDeserializer())) {
                    consumer.subscribe(List.of("alpha", "beta"));
                    while (!stop.get()) {
                        consumer.poll(Duration.ofMillis(200));
                        assignments.get(member).set(Set.copyOf(consumer.assignment()));
                    }
                } catch (Throwable e) {
                    failures.get(member).set(e);
                }
            }, "group-member-" + i);
            thread.start();
            members.add(thread);
        }
        try {
            Waits.until("each member to hold a whole topic, as " + ASSIGNOR + " assigns", Duration.ofSeconds(60), () -> {
                for (AtomicReference<Throwable> failure : failures) {
                    if (failure.get() != null) {
                        throw new AssertionError("a member failed; broker log:\n" + Files.readString(brokerLog), failure.get());
                    }
                }
                return assignments.stream().map(AtomicReference::get).collect(Collectors.toSet()).equals(Set.of(alpha, beta));
            });
        } finally {
            stop.set(true);
            for (Thread thread : members) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    private void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        Distribution.Result created = dist.run("topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic,
                "--partitions", String.valueOf(partitions), "--replication-factor", "1");
        assertEquals(0, created.exitCode(), created.toString());
    }

    private static Set<TopicPartition> partitions(String topic, int count) {
        return IntStream.range(0, count).mapToObj(p -> new TopicPartition(topic, p)).collect(Collectors.toCollection(HashSet::new));
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
            assertTrue(broker.isAlive(), "server-start exited:\n" + Files.readString(log));
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
