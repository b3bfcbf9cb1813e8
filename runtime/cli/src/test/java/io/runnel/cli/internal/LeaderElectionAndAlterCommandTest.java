package io.runnel.cli.internal;

import io.runnel.api.TopicPartition;
import io.runnel.cli.internal.ClientToolsTest.Result;
import io.runnel.testkit.Await;
import io.runnel.testkit.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.runnel.cli.internal.ClientToolsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code runnel leader-election} and {@code runnel topics --alter} against a 3-broker cluster in this JVM. */
@Timeout(150)
class LeaderElectionAndAlterCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedCluster cluster;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() {
        cluster = EmbeddedCluster.start(3, Map.of("auto.leader.rebalance.enable", "false",
                "replica.lag.time.max.ms", "2000", "auto.create.topics.enable", "false"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void create(String topic, int partitions, int replicationFactor) {
        Result created = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--create", "--topic", topic, "--partitions",
                String.valueOf(partitions), "--replication-factor", String.valueOf(replicationFactor));
        assertEquals(0, created.exitCode(), created.toString());
    }

    private static List<String> describe(String topic) {
        Result described = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--describe", "--topic", topic);
        assertEquals(0, described.exitCode(), described.toString());
        return described.lines();
    }

    @Test
    void preferredElectionAfterARestartAndItsReports() throws Exception {
        create("elect", 3, 3);
        Await.until("full ISRs", WAIT, () -> describe("elect"), lines -> lines.size() == 4 && lines.stream().skip(1)
                .allMatch(l -> l.split("Isr: ")[1].split(",").length == 3));
        cluster.stopBroker(0);
        cluster.startBroker(0);
        cluster.awaitEveryBrokerSeesAll();
        Await.until("broker 0 back in the ISR of elect-0, led by another", WAIT, () -> describe("elect").get(1),
                line -> line.contains("Isr: ") && line.split("Isr: ")[1].contains("0") && !line.contains("Leader: 0\t"));

        Result elected = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "preferred",
                "--topic", "elect", "--partition", "0");
        assertEquals(0, elected.exitCode(), elected.toString());
        assertEquals("Successfully completed leader election (PREFERRED) for partitions elect-0\n", elected.out());
        assertTrue(describe("elect").get(1).contains("Leader: 0\t"), describe("elect").toString());

        Result all = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "PREFERRED",
                "--all-topic-partitions");
        assertEquals(0, all.exitCode(), all.toString());
        assertTrue(all.out().contains("Valid replica already elected for partitions ")
                && all.out().contains("elect-0, elect-1, elect-2"), all.toString());

        Path json = temp.resolve("elect.json");
        Files.writeString(json, "{\"partitions\": [{\"topic\": \"elect\", \"partition\": 1},\n"
                + "  {\"topic\": \"elect\", \"partition\": 9}]}");
        Result partly = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "PREFERRED",
                "--path-to-json-file", json.toString());
        assertEquals(1, partly.exitCode(), partly.toString());
        assertEquals("Valid replica already elected for partitions elect-1\n", partly.out());
        assertTrue(partly.err().contains("Error completing leader election (PREFERRED) for partition: elect-9: "
                + "UNKNOWN_TOPIC_OR_PARTITION: topic-partition elect-9 does not exist"), partly.toString());
        assertTrue(partly.err().contains("error: 1 replica(s) could not be elected"), partly.toString());
    }

    @Test
    void leaderElectionUsageErrorsNameTheValue() throws Exception {
        Result noSource = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "PREFERRED");
        assertEquals(2, noSource.exitCode(), noSource.toString());
        assertTrue(noSource.err().contains("One and only one of the following options is required"), noSource.toString());

        Result type = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "fastest",
                "--all-topic-partitions");
        assertEquals(2, type.exitCode(), type.toString());
        assertTrue(type.err().contains("'fastest': expected PREFERRED or UNCLEAN"), type.toString());

        Result noPartition = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "PREFERRED",
                "--topic", "t");
        assertEquals(2, noPartition.exitCode(), noPartition.toString());
        assertTrue(noPartition.err().contains("needs '--partition=P'"), noPartition.toString());

        Path bad = temp.resolve("bad.json");
        Files.writeString(bad, "{\"partitions\": [{\"topic\": \"t\", \"partition\": -1}]}");
        Result badJson = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "PREFERRED",
                "--path-to-json-file", bad.toString());
        assertEquals(2, badJson.exitCode(), badJson.toString());
        assertTrue(badJson.err().contains(bad.toString()) && badJson.err().contains("\"partition\": N>=0"),
                badJson.toString());

        Result missing = run("leader-election", "--bootstrap-server", cluster.bootstrapServers(), "--election-type", "PREFERRED",
                "--path-to-json-file", temp.resolve("none.json").toString());
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("cannot read " + temp.resolve("none.json")), missing.toString());
    }

    @Test
    void theJsonFileFormatOfKafkasTool() {
        assertEquals(Set.of(new TopicPartition("a", 0), new TopicPartition("b.c", 3)), LeaderElectionCommand.parsePartitions(
                " {\"partitions\" : [ {\"topic\":\"a\",\"partition\":0}, {\"partition\": 3, \"topic\": \"b.c\"} ] } "));
        for (String bad : List.of("", "[]", "{\"partitions\": []}", "{\"partitions\": [{\"topic\": \"a\"}]}",
                "{\"partitions\": [{\"topic\": \"a\", \"partition\": 1.5}]}", "{\"partitions\": [{\"topic\": \"a\", "
                        + "\"partition\": 0}, {\"topic\": \"a\", \"partition\": 0}]}", "{\"partitions\": [} ",
                "{\"partitions\": [{\"topic\": \"a\", \"partition\": 99999999999}]}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LeaderElectionCommand.parsePartitions(bad), bad);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), bad);
        }
    }

    @Test
    void alterAddsPartitionsAndRefusesFewer() {
        create("altered", 2, 2);
        Result altered = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--alter", "--topic", "altered", "--partitions", "4");
        assertEquals(0, altered.exitCode(), altered.toString());
        assertEquals("", altered.out());
        List<String> lines = describe("altered");
        assertTrue(lines.get(0).contains("PartitionCount: 4"), lines.toString());
        assertTrue(lines.get(3).contains("Partition: 2\tLeader: 2\tReplicas: 2,0\t"), lines.toString());
        assertTrue(lines.get(4).contains("Partition: 3\tLeader: 0\tReplicas: 0,1\t"), lines.toString());

        Result fewer = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--alter", "--topic", "altered", "--partitions", "3");
        assertEquals(1, fewer.exitCode(), fewer.toString());
        assertEquals("Error while executing topic command : topic 'altered' has 4 partition(s); the new count must be "
                + "larger, not 3 (partitions cannot be removed)\n", fewer.err());

        Result unknown = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--alter", "--topic", "nothing-like-it",
                "--partitions", "3");
        assertEquals(1, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("Topic 'nothing-like-it' does not exist as expected"), unknown.toString());
        Result ifExists = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--alter", "--topic", "nothing-like-it",
                "--partitions", "3", "--if-exists");
        assertEquals(0, ifExists.exitCode(), ifExists.toString());

        Result noCount = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--alter", "--topic", "altered");
        assertEquals(2, noCount.exitCode(), noCount.toString());
        assertTrue(noCount.err().contains("Missing required option for --alter: '--partitions=N'"), noCount.toString());
        Result factor = run("topics", "--bootstrap-server", cluster.bootstrapServers(), "--alter", "--topic", "altered", "--partitions",
                "5", "--replication-factor", "3");
        assertEquals(2, factor.exitCode(), factor.toString());
        assertTrue(factor.err().contains("'--replication-factor' can only be used with --create, not with --alter"),
                factor.toString());
    }
}
