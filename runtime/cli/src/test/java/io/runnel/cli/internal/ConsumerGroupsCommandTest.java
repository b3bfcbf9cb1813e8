package io.runnel.cli.internal;

import io.runnel.api.TopicPartition;
import io.runnel.cli.internal.ClientToolsTest.Result;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.testkit.Await;
import io.runnel.testkit.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import java.util.concurrent.CompletableFuture;

import static io.runnel.cli.internal.ClientToolsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code runnel consumer-groups} against a 3-broker cluster in this JVM, with real group consumers. */
class ConsumerGroupsCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int RECORDS = 10;
    private static EmbeddedCluster cluster;
    private static String bootstrap;
    /** The timestamp of record i of every partition: base + i s. */
    private static long base;
    private final List<RunnelConsumer<String, String>> consumers = new ArrayList<>();

    @BeforeAll
    static void start() {
        cluster = EmbeddedCluster.start(3, Map.of("group.min.session.timeout.ms", "1000",
                "group.initial.rebalance.delay.ms", "100", "auto.create.topics.enable", "false"));
        bootstrap = cluster.bootstrapServers();
        base = System.currentTimeMillis() - 60_000;
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeConsumers() {
        consumers.forEach(RunnelConsumer::close);
    }

    /** A topic of 2 partitions, {@link #RECORDS} records in each, record i stamped base + i s. */
    private static void topicWithRecords(String topic) {
        Result created = run("topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "2",
                "--replication-factor", "1");
        assertEquals(0, created.exitCode(), created.toString());
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < RECORDS; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, p, base + i * 1000L, null, "r" + i, List.of())));
                }
            }
            producer.flush();
            sent.forEach(CompletableFuture::join);
        }
    }

    /** A member of {@code group} subscribed to {@code topic}, polled until it owns both partitions. */
    private RunnelConsumer<String, String> member(String group, String clientId, String topic) {
        Map<String, String> config = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "group.id", group,
                "client.id", clientId, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                "session.timeout.ms", "10000", "heartbeat.interval.ms", "500", "max.poll.records", "3"));
        RunnelConsumer<String, String> consumer = new RunnelConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        consumers.add(consumer);
        consumer.subscribe(List.of(topic));
        Await.until(group + " owns " + topic, WAIT, () -> {
            consumer.poll(Duration.ofMillis(50));
            return consumer.assignment();
        }, a -> a.size() == 2);
        return consumer;
    }

    private static Result groups(String... args) {
        List<String> all = new ArrayList<>(List.of("consumer-groups", "--bootstrap-server", bootstrap));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /** The table's rows after its header, each split into cells; asserts exit 0 and the header. */
    private static List<String[]> rows(Result result, String header) {
        assertEquals(0, result.exitCode(), result.toString());
        List<String> lines = result.lines().stream().filter(l -> !l.isBlank()).toList();
        assertEquals(header, String.join(" ", lines.get(0).trim().split(" +")), result.toString());
        return lines.stream().skip(1).map(l -> l.trim().split(" +")).toList();
    }

    private static final String OFFSETS = "GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID";
    private static final String PLAN = "GROUP TOPIC PARTITION NEW-OFFSET";

    private static Map<TopicPartition, Long> committed(String group) {
        try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).join().forEach((tp, o) -> out.put(tp, o.offset()));
            return out;
        }
    }

    @Test
    @Timeout(120)
    void describeShowsTheLagOfAConsumerThatIsBehind() {
        topicWithRecords("lag");
        RunnelConsumer<String, String> consumer = member("lagging", "lag-client", "lag");
        // Read a few records (max.poll.records=3) and commit what was read: the consumer is behind.
        int[] read = {0};
        Await.until("a few records read", WAIT, () -> read[0] += consumer.poll(Duration.ofMillis(50)).count(), n -> n >= 3);
        consumer.commitSync();
        long at0 = consumer.position(new TopicPartition("lag", 0));
        long at1 = consumer.position(new TopicPartition("lag", 1));
        assertTrue(at0 + at1 >= 3 && at0 + at1 < 2 * RECORDS, at0 + " " + at1);

        Result members = groups("--describe", "--group", "lagging", "--members");
        List<String[]> memberRows = rows(members, "GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS");
        assertEquals(1, memberRows.size(), members.toString());
        String consumerId = memberRows.get(0)[1];
        String host = memberRows.get(0)[2];
        assertEquals(List.of("lagging", consumerId, host, "lag-client", "2"), List.of(memberRows.get(0)), members.toString());
        assertTrue(host.startsWith("/"), members.toString());

        Result described = groups("--describe", "--group", "lagging");
        List<String[]> rows = rows(described, OFFSETS);
        assertEquals(List.of(
                List.of("lagging", "lag", "0", "" + at0, "10", "" + (RECORDS - at0), consumerId, host, "lag-client"),
                List.of("lagging", "lag", "1", "" + at1, "10", "" + (RECORDS - at1), consumerId, host, "lag-client")),
                rows.stream().map(List::of).toList(), described.toString());
        assertEquals("", described.err());

        // It reads on and commits an exact position: the lag follows.
        consumer.commitSync(Map.of(new TopicPartition("lag", 0), new OffsetAndMetadata(4),
                new TopicPartition("lag", 1), new OffsetAndMetadata(7)));
        described = groups("--describe", "--group", "lagging");
        assertEquals(List.of(List.of("lagging", "lag", "0", "4", "10", "6", consumerId, host, "lag-client"),
                List.of("lagging", "lag", "1", "7", "10", "3", consumerId, host, "lag-client")),
                rows(described, OFFSETS).stream().map(List::of).toList(), described.toString());

        consumer.close();
        Result after = Await.until("the member gone", WAIT, () -> groups("--describe", "--group", "lagging"),
                r -> r.exitCode() == 0 && r.out().contains(" - "));
        assertEquals(List.of(List.of("lagging", "lag", "0", "4", "10", "6", "-", "-", "-"),
                List.of("lagging", "lag", "1", "7", "10", "3", "-", "-", "-")),
                rows(after, OFFSETS).stream().map(List::of).toList(), after.toString());
        assertTrue(after.err().contains("Consumer group 'lagging' has no active members."), after.toString());

        // A member that owns a partition without a commit: CURRENT-OFFSET and LAG are "-".
        RunnelConsumer<String, String> second = member("lagging2", "lag-client-2", "lag");
        second.commitSync(Map.of(new TopicPartition("lag", 1), new OffsetAndMetadata(10)));
        Result partly = groups("--describe", "--group", "lagging2");
        List<String[]> partlyRows = rows(partly, OFFSETS);
        assertEquals(List.of("lagging2", "lag", "0", "-", "10", "-"), List.of(partlyRows.get(0)).subList(0, 6),
                partly.toString());
        assertEquals(List.of("lagging2", "lag", "1", "10", "10", "0"), List.of(partlyRows.get(1)).subList(0, 6),
                partly.toString());
        assertEquals("lag-client-2", partlyRows.get(0)[8], partly.toString());
    }

    @Test
    @Timeout(120)
    void listMembersStateAndDelete() {
        topicWithRecords("members");
        RunnelConsumer<String, String> consumer = member("crew", "crew-client", "members");
        Result list = Await.until("crew listed", WAIT, () -> groups("--list"), r -> r.lines().contains("crew"));
        assertEquals(0, list.exitCode(), list.toString());

        List<String[]> verbose = rows(groups("--describe", "--group", "crew", "--members", "--verbose"),
                "GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS ASSIGNMENT");
        assertEquals(1, verbose.size());
        assertEquals("crew-client", verbose.get(0)[3]);
        assertEquals("members(0,1)", verbose.get(0)[5]);

        Result stateResult = groups("--describe", "--group", "crew", "--state");
        assertEquals(0, stateResult.exitCode(), stateResult.toString());
        List<String> lines = stateResult.lines().stream().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.get(0).matches("GROUP +COORDINATOR \\(ID\\) +ASSIGNMENT-STRATEGY +STATE +#MEMBERS"), lines.get(0));
        assertTrue(lines.get(1).matches("crew +\\S+:\\d+ \\(\\d\\) +range +Stable +1"), stateResult.toString());

        Result refused = groups("--delete", "--group", "crew");
        assertEquals(1, refused.exitCode(), refused.toString());
        assertEquals("Error: Deletion of consumer group 'crew' failed: The group is not empty (it has active members).\n",
                refused.err());

        consumer.close();
        Result emptyState = Await.until("crew empty", WAIT, () -> groups("--describe", "--group", "crew", "--state"),
                r -> r.out().contains("Empty"));
        assertTrue(emptyState.out().matches("(?s).*crew +\\S+:\\d+ \\(\\d\\) +- +Empty +0\n"), emptyState.toString());
        Result noMembers = groups("--describe", "--group", "crew", "--members");
        assertEquals(0, noMembers.exitCode(), noMembers.toString());
        assertTrue(noMembers.err().contains("Consumer group 'crew' has no active members."), noMembers.toString());

        Result deleted = groups("--delete", "--group", "crew");
        assertEquals(0, deleted.exitCode(), deleted.toString());
        assertEquals("Deletion of requested consumer groups ('crew') was successful.\n", deleted.out());
        Await.until("crew no longer listed", WAIT, () -> groups("--list"), r -> !r.lines().contains("crew"));
        Result gone = groups("--describe", "--group", "crew");
        assertEquals(1, gone.exitCode(), gone.toString());
        assertEquals("Error: Consumer group 'crew' does not exist.\n", gone.err());
        Result again = groups("--delete", "--group", "crew");
        assertEquals(1, again.exitCode(), again.toString());
        assertEquals("Error: Deletion of consumer group 'crew' failed: The group does not exist.\n", again.err());
    }

    @Test
    @Timeout(120)
    void resetOffsetsInEveryModeDryRunAndExecute() {
        topicWithRecords("reset");
        TopicPartition p0 = new TopicPartition("reset", 0);
        TopicPartition p1 = new TopicPartition("reset", 1);

        // --to-offset: a dry run changes nothing, --execute commits (the group has never had members).
        List<String[]> plan = rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--to-offset", "3"), PLAN);
        assertEquals(List.of(List.of("rg", "reset", "0", "3"), List.of("rg", "reset", "1", "3")),
                plan.stream().map(List::of).toList());
        assertEquals(Map.of(), committed("rg"));
        rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--to-offset", "3", "--execute"), PLAN);
        assertEquals(Map.of(p0, 3L, p1, 3L), committed("rg"));

        // --to-earliest
        plan = rows(groups("--reset-offsets", "--group", "rg", "--all-topics", "--to-earliest", "--dry-run"), PLAN);
        assertEquals(List.of(List.of("rg", "reset", "0", "0"), List.of("rg", "reset", "1", "0")),
                plan.stream().map(List::of).toList());
        assertEquals(Map.of(p0, 3L, p1, 3L), committed("rg"));
        rows(groups("--reset-offsets", "--group", "rg", "--all-topics", "--to-earliest", "--execute"), PLAN);
        assertEquals(Map.of(p0, 0L, p1, 0L), committed("rg"));

        // --to-latest, one partition only
        plan = rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset:1", "--to-latest"), PLAN);
        assertEquals(List.of(List.of("rg", "reset", "1", "10")), plan.stream().map(List::of).toList());
        assertEquals(Map.of(p0, 0L, p1, 0L), committed("rg"));
        rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset:1", "--to-latest", "--execute"), PLAN);
        assertEquals(Map.of(p0, 0L, p1, 10L), committed("rg"));

        // --shift-by, kept within the log
        plan = rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--shift-by", "-4"), PLAN);
        assertEquals(List.of(List.of("rg", "reset", "0", "0"), List.of("rg", "reset", "1", "6")),
                plan.stream().map(List::of).toList());
        assertEquals(Map.of(p0, 0L, p1, 10L), committed("rg"));
        rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--shift-by", "-4", "--execute"), PLAN);
        assertEquals(Map.of(p0, 0L, p1, 6L), committed("rg"));

        // --to-datetime: the first record at or after the time, in the local time zone (record 5 is at base + 5 s)
        String time = LocalDateTime.ofInstant(Instant.ofEpochMilli(base + 4_500), ZoneId.systemDefault())
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS"));
        plan = rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--to-datetime", time), PLAN);
        assertEquals(List.of(List.of("rg", "reset", "0", "5"), List.of("rg", "reset", "1", "5")),
                plan.stream().map(List::of).toList());
        assertEquals(Map.of(p0, 0L, p1, 6L), committed("rg"));
        rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--to-datetime", time, "--execute"), PLAN);
        assertEquals(Map.of(p0, 5L, p1, 5L), committed("rg"));

        // --to-offset past the log end is kept at the end
        rows(groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--to-offset", "99", "--execute"), PLAN);
        assertEquals(Map.of(p0, 10L, p1, 10L), committed("rg"));

        // Refused, dry run included, while the group has a member; the offsets stay.
        RunnelConsumer<String, String> consumer = member("rg", "rg-client", "reset");
        for (String mode : List.of("--dry-run", "--execute")) {
            Result refused = groups("--reset-offsets", "--group", "rg", "--topic", "reset", "--to-earliest", mode);
            assertEquals(1, refused.exitCode(), refused.toString());
            assertTrue(refused.err().startsWith("Error: Assignments can only be reset if the group 'rg' is inactive, "
                    + "but the current state is "), refused.toString());
            assertEquals(1, refused.err().lines().count(), refused.toString());
        }
        assertEquals(Map.of(p0, 10L, p1, 10L), committed("rg"));
        consumer.close();
        Await.until("rg without members", WAIT, () -> groups("--reset-offsets", "--group", "rg", "--topic", "reset",
                "--to-earliest", "--execute"), r -> r.exitCode() == 0);
        assertEquals(Map.of(p0, 0L, p1, 0L), committed("rg"));
    }

    @Test
    @Timeout(120)
    void listMergesTheGroupsOfEveryCoordinatorAndDescribeTakesSeveral() {
        topicWithRecords("many");
        List<String> names = List.of("many-a", "many-b", "many-c", "many-d", "many-e", "many-f");
        for (String group : names) {
            rows(groups("--reset-offsets", "--group", group, "--topic", "many", "--to-offset", "2", "--execute"), PLAN);
        }
        try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
            Set<Integer> coordinators = new java.util.HashSet<>();
            admin.describeConsumerGroups(names).values().forEach(f -> coordinators.add(f.join().coordinator().id()));
            assertTrue(coordinators.size() > 1, "the groups are coordinated by more than one broker: " + coordinators);
        }
        Result list = groups("--list");
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.lines().containsAll(names), list.toString());

        List<String[]> states = rows(groups("--describe", "--all-groups", "--state"),
                "GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS");
        for (String group : names) {
            assertTrue(states.stream().anyMatch(r -> r[0].equals(group) && List.of(r).subList(3, 6)
                    .equals(List.of("-", "Empty", "0"))), group + " in " + states.stream().map(List::of).toList());
        }

        Result two = groups("--describe", "--group", "many-a", "--group", "no-such-group", "--group", "many-b");
        assertEquals(1, two.exitCode(), two.toString());
        assertEquals(List.of("many-a many 0 2 10 8 - - -", "many-a many 1 2 10 8 - - -",
                "many-b many 0 2 10 8 - - -", "many-b many 1 2 10 8 - - -"), two.lines().stream()
                .filter(l -> l.startsWith("many-")).map(l -> String.join(" ", l.trim().split(" +"))).toList(), two.toString());
        assertTrue(two.err().endsWith("Error: Consumer group 'no-such-group' does not exist.\n"), two.toString());
        // Another name: the coordinator keeps a group it was asked about in memory, and lists it from then on.
        Result noState = groups("--describe", "--group", "never-seen", "--state");
        assertEquals(1, noState.exitCode(), noState.toString());
        assertEquals("", noState.out());
        assertEquals("Error: Consumer group 'never-seen' does not exist.\n", noState.err());

        Result deleted = groups("--delete", "--group", "many-a", "--group", "many-b");
        assertEquals(0, deleted.exitCode(), deleted.toString());
        assertEquals("Deletion of requested consumer groups ('many-a', 'many-b') was successful.\n", deleted.out());
        assertEquals(Map.of(), committed("many-a"));
    }

    @Test
    @Timeout(60)
    void badFlagsAreUsageErrorsNamingTheFlag() {
        assertUsage("Missing required argument", "--state");
        assertUsage("Missing required option for --describe: '--group=GROUP' or '--all-groups'", "--describe");
        assertUsage("Option '--members' can only be used with --describe, not with --list", "--list", "--members");
        assertUsage("Option '--group' can only be used with", "--list", "--group", "g");
        assertUsage("Options '--members' and '--state' cannot be used together", "--describe", "--group", "g", "--members",
                "--state");
        assertUsage("Option '--verbose' can only be used with --describe --members", "--describe", "--group", "g", "--verbose");
        assertUsage("Option '--execute' can only be used with --reset-offsets, not with --describe", "--describe",
                "--group", "g", "--execute");
        assertUsage("One and only one of '--topic' and '--all-topics'", "--reset-offsets", "--group", "g", "--to-earliest");
        assertUsage("--to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by", "--reset-offsets", "--group", "g",
                "--all-topics");
        assertUsage("--to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by", "--reset-offsets", "--group", "g",
                "--all-topics", "--to-earliest", "--to-latest");
        assertUsage("Options '--dry-run' and '--execute' cannot be used together", "--reset-offsets", "--group", "g",
                "--all-topics", "--to-latest", "--dry-run", "--execute");
        assertUsage("Invalid value for option '--to-datetime': 'yesterday'", "--reset-offsets", "--group", "g",
                "--all-topics", "--to-datetime", "yesterday");
        assertUsage("Invalid value for option '--topic': 't:x'", "--reset-offsets", "--group", "g", "--topic", "t:x",
                "--to-latest");
        assertUsage("'--to-offset'", "--reset-offsets", "--group", "g", "--all-topics", "--to-offset", "ten");
        assertUsage("Options '--group' and '--all-groups' cannot be used together", "--delete", "--group", "g",
                "--all-groups");
        assertUsage("mutually exclusive", "--list", "--delete");
    }

    private static void assertUsage(String message, String... args) {
        Result result = groups(args);
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains(message), "expected '" + message + "'\n" + result);
        assertFalse(result.err().contains("\tat "), result.toString());
        assertNotEquals("", result.err());
    }

}
