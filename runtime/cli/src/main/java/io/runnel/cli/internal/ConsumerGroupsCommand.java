package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.PartitionInfo;
import io.runnel.client.admin.ConsumerGroupDescription;
import io.runnel.client.admin.ConsumerGroupListing;
import io.runnel.client.admin.ListOffsetsResult;
import io.runnel.client.admin.MemberDescription;
import io.runnel.client.admin.OffsetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;
import io.runnel.client.consumer.OffsetAndMetadata;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code runnel consumer-groups}: lists, describes and deletes consumer groups and resets their
 * committed offsets, with the flags and output of Kafka's {@code kafka-consumer-groups.sh}.
 */
@Command(name = "consumer-groups",
        mixinStandardHelpOptions = true,
        description = {"List, describe or delete consumer groups, or reset their offsets (like Kafka's "
                + "kafka-consumer-groups.sh).",
                "A failed operation prints 'Error: <reason>' and exits 1; bad usage exits 2."},
        footer = {"", "Examples:",
                "  runnel consumer-groups --bootstrap-server localhost:9092 --list",
                "  runnel consumer-groups --bootstrap-server localhost:9092 --describe --group orders-app",
                "  runnel consumer-groups --bootstrap-server localhost:9092 --describe --group orders-app --members --verbose",
                "  runnel consumer-groups --bootstrap-server localhost:9092 --describe --all-groups --state",
                "  runnel consumer-groups --bootstrap-server localhost:9092 --reset-offsets --group orders-app --topic orders "
                        + "--to-earliest --execute",
                "  runnel consumer-groups --bootstrap-server localhost:9092 --delete --group orders-app"})
public final class ConsumerGroupsCommand implements Callable<Integer> {
    private static final String NONE = "-";

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to, comma-separated.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Admin client configuration (client.id, request.timeout.ms, default.api.timeout.ms, ...).")
    Path commandConfig;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--list", required = true, description = "List all consumer groups, one a line.")
        boolean list;
        @Option(names = "--describe", required = true,
                description = "Describe the group(s): offsets and lag per partition (default), --members or --state.")
        boolean describe;
        @Option(names = "--delete", required = true,
                description = "Delete the group(s) with their committed offsets; only groups without active members.")
        boolean delete;
        @Option(names = "--reset-offsets", required = true,
                description = "Reset the group's committed offsets (only while it has no active members); "
                        + "prints the plan (--dry-run, the default) or commits it (--execute).")
        boolean resetOffsets;
    }

    @Option(names = "--group", paramLabel = "GROUP", description = "The consumer group; may be repeated.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--all-groups", description = "With --describe, --delete or --reset-offsets: every group.")
    boolean allGroups;

    @Option(names = "--members", description = "With --describe: the members of the group.")
    boolean members;

    @Option(names = "--verbose", description = "With --describe --members: each member's assigned partitions too.")
    boolean verbose;

    @Option(names = "--state", description = "With --describe: the group's coordinator, assignor, state and member count.")
    boolean state;

    @Option(names = "--topic", paramLabel = "TOPIC[:P,P...]",
            description = "With --reset-offsets: the topic, all its partitions or those listed; may be repeated.")
    List<String> topics = new ArrayList<>();

    @Option(names = "--all-topics",
            description = "With --reset-offsets: every partition the group has committed an offset for.")
    boolean allTopics;

    @Option(names = "--to-earliest", description = "Reset to the log start offset.")
    boolean toEarliest;

    @Option(names = "--to-latest", description = "Reset to the log end offset.")
    boolean toLatest;

    @Option(names = "--to-datetime", paramLabel = "YYYY-MM-DDTHH:mm:SS.sss",
            description = "Reset to the first offset whose record's timestamp is at or after this time (local time "
                    + "zone unless a zone offset such as Z or +02:00 follows); the log end if there is none.")
    String toDatetime;

    @Option(names = "--to-offset", paramLabel = "N",
            description = "Reset to offset N (kept within the log start and end offsets).")
    Long toOffset;

    @Option(names = "--shift-by", paramLabel = "N",
            description = "Move the committed offset by N (negative: back), kept within the log start and end offsets.")
    Long shiftBy;

    @Option(names = "--dry-run", description = "With --reset-offsets: only print the new offsets (the default).")
    boolean dryRun;

    @Option(names = "--execute", description = "With --reset-offsets: commit the new offsets.")
    boolean execute;

    @Override
    public Integer call() {
        checkFlags();
        long datetime = toDatetime != null ? parseDatetime() : -1;
        Map<String, List<Integer>> topicPartitions = action.resetOffsets ? topicSpecs() : Map.of();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> clientConfig = ClientTools.clientConfig(commandConfig, Map.of(), bootstrapServer);
        try (RunnelAdmin admin = ClientTools.connectedAdmin(clientConfig)) {
            try {
                if (action.list) {
                    ClientTools.join(admin.listConsumerGroups()).forEach(g -> out.println(g.groupId()));
                    return 0;
                }
                List<String> ids = allGroups ? ClientTools.join(admin.listConsumerGroups()).stream()
                        .map(ConsumerGroupListing::groupId).toList() : List.copyOf(new java.util.LinkedHashSet<>(groups));
                if (action.delete) {
                    return delete(admin, ids, out, err);
                }
                if (action.resetOffsets) {
                    return reset(admin, ids, topicPartitions, datetime, out);
                }
                return describe(admin, ids, out, err);
            } catch (RunnelException e) {
                if (e.errorCode() == ErrorCode.NETWORK_EXCEPTION) {
                    throw e; // the connection was lost: an "error:" line like any tool's
                }
                out.flush();
                err.println("Error: " + ClientTools.describe(e));
                return 1;
            }
        } finally {
            out.flush();
        }
    }

    /** Usage errors (exit 2) before anything is sent. */
    private void checkFlags() {
        String name = action.list ? "--list" : action.describe ? "--describe" : action.delete ? "--delete" : "--reset-offsets";
        if (action.list) {
            onlyWith(!groups.isEmpty(), "--group", "--describe, --delete or --reset-offsets", name);
            onlyWith(allGroups, "--all-groups", "--describe, --delete or --reset-offsets", name);
        } else if (groups.isEmpty() && !allGroups) {
            throw new ParameterException(spec.commandLine(), "Missing required option for " + name
                    + ": '--group=GROUP' or '--all-groups'");
        } else if (!groups.isEmpty() && allGroups) {
            throw new ParameterException(spec.commandLine(), "Options '--group' and '--all-groups' cannot be used together");
        }
        for (String g : groups) {
            if (g.isBlank()) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--group': the group id is empty");
            }
        }
        if (!action.describe) {
            onlyWith(members, "--members", "--describe", name);
            onlyWith(state, "--state", "--describe", name);
        }
        if (members && state) {
            throw new ParameterException(spec.commandLine(), "Options '--members' and '--state' cannot be used together");
        }
        onlyWith(verbose && !members, "--verbose", "--describe --members", name);
        if (!action.resetOffsets) {
            String reset = "--reset-offsets";
            onlyWith(!topics.isEmpty(), "--topic", reset, name);
            onlyWith(allTopics, "--all-topics", reset, name);
            onlyWith(toEarliest, "--to-earliest", reset, name);
            onlyWith(toLatest, "--to-latest", reset, name);
            onlyWith(toDatetime != null, "--to-datetime", reset, name);
            onlyWith(toOffset != null, "--to-offset", reset, name);
            onlyWith(shiftBy != null, "--shift-by", reset, name);
            onlyWith(dryRun, "--dry-run", reset, name);
            onlyWith(execute, "--execute", reset, name);
            return;
        }
        if (topics.isEmpty() == !allTopics) {
            throw new ParameterException(spec.commandLine(), "One and only one of '--topic' and '--all-topics' is required "
                    + "for --reset-offsets");
        }
        int modes = (toEarliest ? 1 : 0) + (toLatest ? 1 : 0) + (toDatetime != null ? 1 : 0) + (toOffset != null ? 1 : 0)
                + (shiftBy != null ? 1 : 0);
        if (modes != 1) {
            throw new ParameterException(spec.commandLine(), "One and only one of the following options is required for "
                    + "--reset-offsets: --to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by");
        }
        if (dryRun && execute) {
            throw new ParameterException(spec.commandLine(), "Options '--dry-run' and '--execute' cannot be used together");
        }
    }

    private void onlyWith(boolean given, String flag, String allowed, String action) {
        if (given) {
            throw new ParameterException(spec.commandLine(), "Option '" + flag + "' can only be used with " + allowed
                    + ", not with " + action);
        }
    }

    private long parseDatetime() {
        try {
            return OffsetDateTime.parse(toDatetime).toInstant().toEpochMilli();
        } catch (DateTimeParseException withoutZone) {
            try {
                return LocalDateTime.parse(toDatetime).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--to-datetime': '" + toDatetime
                        + "': expected YYYY-MM-DDTHH:mm:SS.sss, optionally followed by a zone offset (Z, +02:00)");
            }
        }
    }

    /** The --topic values: topic to partitions (an empty list: all of them). */
    private Map<String, List<Integer>> topicSpecs() {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (String value : topics) {
            int colon = value.indexOf(':');
            String topic = colon < 0 ? value : value.substring(0, colon);
            if (topic.isBlank()) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--topic': '" + value
                        + "': expected TOPIC or TOPIC:P,P...");
            }
            List<Integer> partitions = out.computeIfAbsent(topic, t -> new ArrayList<>());
            if (colon >= 0) {
                for (String p : value.substring(colon + 1).split(",")) {
                    try {
                        int partition = Integer.parseInt(p.trim());
                        if (partition < 0) {
                            throw new NumberFormatException();
                        }
                        partitions.add(partition);
                    } catch (NumberFormatException e) {
                        throw new ParameterException(spec.commandLine(), "Invalid value for option '--topic': '" + value
                                + "': '" + p + "' is not a partition number (TOPIC:P,P...)");
                    }
                }
            }
        }
        return out;
    }

    private int describe(RunnelAdmin admin, List<String> ids, PrintWriter out, PrintWriter err) {
        // Listed before they are described: a coordinator describes a group it has nothing stored for as Empty.
        Set<String> listed = allGroups ? Set.copyOf(ids) : ClientTools.join(admin.listConsumerGroups()).stream()
                .map(ConsumerGroupListing::groupId).collect(Collectors.toSet());
        Map<String, ConsumerGroupDescription> descriptions = new LinkedHashMap<>();
        admin.describeConsumerGroups(ids).forEach((id, f) -> descriptions.put(id, ClientTools.join(f)));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (ConsumerGroupDescription d : descriptions.values()) {
            offsets.put(d.groupId(), ClientTools.join(admin.listConsumerGroupOffsets(d.groupId())));
            if (d.members().isEmpty() && offsets.get(d.groupId()).isEmpty() && !listed.contains(d.groupId())) {
                missing.add(d.groupId());
            }
        }
        missing.forEach(descriptions::remove);
        if (state && !descriptions.isEmpty()) {
            Table table = new Table("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS");
            for (ConsumerGroupDescription d : descriptions.values()) {
                table.row(d.groupId(), d.coordinator().host() + ":" + d.coordinator().port() + " (" + d.coordinator().id()
                        + ")", dash(d.assignmentStrategy()), d.state(), String.valueOf(d.members().size()));
            }
            out.println();
            table.print(out);
        }
        for (ConsumerGroupDescription d : state ? List.<ConsumerGroupDescription>of() : descriptions.values()) {
            Map<TopicPartition, OffsetAndMetadata> committed = offsets.get(d.groupId());
            if (d.members().isEmpty()) {
                out.flush();
                err.println();
                err.println("Consumer group '" + d.groupId() + "' has no active members.");
                err.flush();
            }
            out.println();
            if (members) {
                Table table = verbose ? new Table("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT")
                        : new Table("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
                for (MemberDescription m : d.members()) {
                    List<String> row = new ArrayList<>(List.of(d.groupId(), m.consumerId(), dash(m.host()),
                            dash(m.clientId()), String.valueOf(m.assignment().size())));
                    if (verbose) {
                        row.add(assignment(m.assignment()));
                    }
                    table.row(row.toArray(String[]::new));
                }
                table.print(out);
                continue;
            }
            Map<TopicPartition, MemberDescription> owners = new HashMap<>();
            d.members().forEach(m -> m.assignment().forEach(tp -> owners.put(tp, m)));
            Set<TopicPartition> partitions = new TreeSet<>(Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition));
            partitions.addAll(owners.keySet());
            partitions.addAll(committed.keySet());
            Map<TopicPartition, ListOffsetsResult> ends = endOffsets(admin, partitions);
            Table table = new Table("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                    "HOST", "CLIENT-ID");
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata current = committed.get(tp);
                ListOffsetsResult end = ends.get(tp);
                MemberDescription owner = owners.get(tp);
                table.row(d.groupId(), tp.topic(), String.valueOf(tp.partition()),
                        current == null ? NONE : String.valueOf(current.offset()),
                        end == null ? NONE : String.valueOf(end.offset()),
                        current == null || end == null ? NONE : String.valueOf(Math.max(0, end.offset() - current.offset())),
                        owner == null ? NONE : owner.consumerId(), owner == null ? NONE : dash(owner.host()),
                        owner == null ? NONE : dash(owner.clientId()));
            }
            table.print(out);
        }
        out.flush();
        missing.forEach(id -> err.println("Error: Consumer group '" + id + "' does not exist."));
        return missing.isEmpty() ? 0 : 1;
    }

    private static Map<TopicPartition, ListOffsetsResult> endOffsets(RunnelAdmin admin, Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        return specs.isEmpty() ? Map.of() : ClientTools.join(admin.listOffsets(specs));
    }

    private int delete(RunnelAdmin admin, List<String> ids, PrintWriter out, PrintWriter err) {
        Map<String, RunnelException> failed = new LinkedHashMap<>();
        List<String> deleted = new ArrayList<>();
        admin.deleteConsumerGroups(ids).forEach((id, f) -> {
            try {
                ClientTools.join(f);
                deleted.add(id);
            } catch (RunnelException e) {
                if (e.errorCode() == ErrorCode.NETWORK_EXCEPTION) {
                    throw e;
                }
                failed.put(id, e);
            }
        });
        if (!deleted.isEmpty()) {
            out.println("Deletion of requested consumer groups (" + deleted.stream().map(g -> "'" + g + "'")
                    .collect(Collectors.joining(", ")) + ") was successful.");
        }
        out.flush();
        failed.forEach((id, e) -> err.println("Error: Deletion of consumer group '" + id + "' failed: "
                + (e.errorCode() == ErrorCode.NON_EMPTY_GROUP ? "The group is not empty (it has active members)."
                : e.errorCode() == ErrorCode.GROUP_ID_NOT_FOUND ? "The group does not exist."
                : ClientTools.describe(e))));
        return failed.isEmpty() ? 0 : 1;
    }

    private int reset(RunnelAdmin admin, List<String> ids, Map<String, List<Integer>> topicPartitions, long datetime,
                      PrintWriter out) {
        Map<String, Map<TopicPartition, Long>> plans = new LinkedHashMap<>();
        for (String id : ids) {
            ConsumerGroupDescription d = ClientTools.join(admin.describeConsumerGroups(List.of(id)).get(id));
            if (!d.members().isEmpty()) {
                throw new RunnelException(ErrorCode.NON_EMPTY_GROUP, "Assignments can only be reset if the group '" + id
                        + "' is inactive, but the current state is " + d.state() + " (" + d.members().size()
                        + " active member(s)).");
            }
            Map<TopicPartition, OffsetAndMetadata> committed = ClientTools.join(admin.listConsumerGroupOffsets(id));
            plans.put(id, plan(admin, id, committed, topicPartitions, datetime));
        }
        Table table = new Table("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
        plans.forEach((id, plan) -> plan.forEach((tp, offset) -> table.row(id, tp.topic(), String.valueOf(tp.partition()),
                String.valueOf(offset))));
        if (execute) {
            for (Map.Entry<String, Map<TopicPartition, Long>> e : plans.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
                e.getValue().forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
                if (!offsets.isEmpty()) {
                    ClientTools.join(admin.alterConsumerGroupOffsets(e.getKey(), offsets));
                }
            }
        }
        out.println();
        table.print(out);
        return 0;
    }

    /** The new offset of each partition in scope, sorted. */
    private Map<TopicPartition, Long> plan(RunnelAdmin admin, String id, Map<TopicPartition, OffsetAndMetadata> committed,
                                           Map<String, List<Integer>> topicPartitions, long datetime) {
        Set<TopicPartition> scope = new TreeSet<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        if (allTopics) {
            scope.addAll(committed.keySet());
        } else {
            List<String> whole = topicPartitions.entrySet().stream().filter(e -> e.getValue().isEmpty())
                    .map(Map.Entry::getKey).toList();
            Map<String, TopicDescription> described = whole.isEmpty() ? Map.of()
                    : ClientTools.join(admin.describeTopics(whole));
            topicPartitions.forEach((topic, partitions) -> {
                if (partitions.isEmpty()) {
                    for (PartitionInfo p : described.get(topic).partitions()) {
                        scope.add(new TopicPartition(topic, p.partition()));
                    }
                } else {
                    partitions.forEach(p -> scope.add(new TopicPartition(topic, p)));
                }
            });
        }
        Map<TopicPartition, Long> plan = new LinkedHashMap<>();
        if (scope.isEmpty()) {
            return plan;
        }
        Map<TopicPartition, Long> earliest = lookup(admin, scope, OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = lookup(admin, scope, OffsetSpec.latest());
        Map<TopicPartition, Long> atTime = toDatetime != null ? lookup(admin, scope, OffsetSpec.forTimestamp(datetime))
                : Map.of();
        for (TopicPartition tp : scope) {
            long start = earliest.get(tp);
            long end = latest.get(tp);
            long target;
            if (toEarliest) {
                target = start;
            } else if (toLatest) {
                target = end;
            } else if (toDatetime != null) {
                long found = atTime.get(tp);
                target = found < 0 ? end : found;
            } else if (toOffset != null) {
                target = toOffset;
            } else {
                OffsetAndMetadata current = committed.get(tp);
                if (current == null) {
                    throw new RunnelException(ErrorCode.INVALID_REQUEST, "Group '" + id + "' has no committed offset for "
                            + tp + " to shift");
                }
                target = current.offset() + shiftBy;
            }
            plan.put(tp, Math.max(start, Math.min(end, target)));
        }
        return plan;
    }

    private static Map<TopicPartition, Long> lookup(RunnelAdmin admin, Set<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(tp -> specs.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        ClientTools.join(admin.listOffsets(specs)).forEach((tp, r) -> out.put(tp, r.offset()));
        for (TopicPartition tp : partitions) {
            if (!out.containsKey(tp)) {
                throw new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no offsets for " + tp);
            }
        }
        return out;
    }

    /** Kafka's format: {@code topic(0,1),other(2)}; {@code -} for none. */
    private static String assignment(List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return NONE;
        }
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        return byTopic.entrySet().stream().map(e -> e.getKey() + "(" + e.getValue().stream().sorted()
                .map(String::valueOf).collect(Collectors.joining(",")) + ")").collect(Collectors.joining(","));
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }

    /** Left-aligned columns, each as wide as its widest cell, one space apart. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void print(PrintWriter out) {
            int columns = rows.get(0).length;
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < columns; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    line.append(i == columns - 1 ? row[i] : String.format("%-" + widths[i] + "s ", row[i]));
                }
                out.println(line);
            }
        }
    }
}
