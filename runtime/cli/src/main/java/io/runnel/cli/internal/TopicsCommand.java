package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import io.runnel.client.admin.NewPartitions;
import io.runnel.client.admin.ConfigEntry;
import io.runnel.client.admin.ConfigResource;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * {@code runnel topics}: creates, deletes, lists and describes topics, with the flags and output of
 * Kafka's {@code kafka-topics.sh}.
 */
@Command(name = "topics",
        mixinStandardHelpOptions = true,
        description = {"Create, delete, list, describe or add partitions to topics (like Kafka's kafka-topics.sh).",
                "A failed operation prints 'Error while executing topic command : <reason>' and exits 1."},
        footer = {"", "Examples:",
                "  runnel topics --bootstrap-server localhost:9092 --create --topic orders --partitions 3 --replication-factor 1",
                "  runnel topics --bootstrap-server localhost:9092 --describe --topic orders",
                "  runnel topics --bootstrap-server localhost:9092 --alter --topic orders --partitions 6",
                "  runnel topics --bootstrap-server localhost:9092 --describe --under-replicated-partitions"})
public final class TopicsCommand implements Callable<Integer> {
    /** The broker default of min.insync.replicas; a topic's own value cannot be read back yet. */

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to, comma-separated.")
    String bootstrapServer;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--create", required = true, description = "Create a topic.")
        boolean create;
        @Option(names = "--delete", required = true, description = "Delete the topic(s) --topic matches.")
        boolean delete;
        @Option(names = "--list", required = true, description = "List the topics' names, one a line.")
        boolean list;
        @Option(names = "--describe", required = true, description = "Describe the topics and their partitions.")
        boolean describe;
        @Option(names = "--alter", required = true,
                description = "Add partitions to the topic(s) --topic matches (with --partitions, the new total).")
        boolean alter;
    }

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "The topic; with --delete, --list, --describe and --alter also a regular expression.")
    String topic;

    @Option(names = "--partitions", paramLabel = "N",
            description = {"With --create: number of partitions (default: the broker's num.partitions).",
                    "With --alter: the new number of partitions, larger than the current one; the new partitions' "
                            + "replicas are placed by the cluster's replica.placement.policy."})
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "R",
            description = "With --create: replicas of each partition (default: the broker's default.replication.factor).")
    Integer replicationFactor;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "With --create: a topic configuration override, e.g. retention.ms=86400000; may be repeated.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--if-not-exists", description = "With --create: do nothing if the topic exists.")
    boolean ifNotExists;

    @Option(names = "--if-exists", description = "With --delete or --describe: do nothing if no topic matches.")
    boolean ifExists;

    @Option(names = "--under-replicated-partitions",
            description = "With --describe: only the partitions whose ISR is smaller than their replicas.")
    boolean underReplicated;

    @Option(names = "--under-min-isr-partitions",
            description = "With --describe: only the partitions without a leader or whose ISR is smaller than the "
                    + "topic's min.insync.replicas (acks=all writes to them fail).")
    boolean underMinIsr;

    @Option(names = "--at-min-isr-partitions",
            description = "With --describe: only the partitions whose ISR is exactly the topic's min.insync.replicas "
                    + "(one more failure stops acks=all writes).")
    boolean atMinIsr;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Admin client configuration (client.id, request.timeout.ms, ...).")
    Path commandConfig;

    @Override
    public Integer call() {
        Map<String, String> topicConfigs = checkFlags();
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> clientConfig = ClientTools.clientConfig(commandConfig, Map.of(), bootstrapServer);
        try (RunnelAdmin admin = ClientTools.connectedAdmin(clientConfig)) {
            try {
                if (action.create) {
                    create(admin, topicConfigs, out);
                } else if (action.delete) {
                    delete(admin);
                } else if (action.alter) {
                    alter(admin);
                } else if (action.list) {
                    matching(admin).forEach(out::println);
                } else {
                    describe(admin, out);
                }
            } catch (RunnelException e) {
                if (e.errorCode() == ErrorCode.NETWORK_EXCEPTION) {
                    throw e; // the connection was lost: an "error:" line like any tool's
                }
                out.flush();
                spec.commandLine().getErr().println("Error while executing topic command : " + ClientTools.describe(e));
                return 1;
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    /** Usage errors (exit 2) before anything is sent; the topic configuration overrides. */
    private Map<String, String> checkFlags() {
        String name = action.create ? "--create" : action.delete ? "--delete" : action.list ? "--list"
                : action.alter ? "--alter" : "--describe";
        if ((action.create || action.delete || action.alter) && topic == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option for " + name + ": '--topic=TOPIC'");
        }
        if (action.alter && partitions == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option for --alter: '--partitions=N' "
                    + "(only adding partitions is supported)");
        }
        if (!action.create && !action.alter) {
            onlyWith(partitions != null, "--partitions", "--create or --alter", name);
        }
        if (!action.create) {
            onlyWith(replicationFactor != null, "--replication-factor", "--create", name);
            onlyWith(!configs.isEmpty(), "--config", "--create", name);
            onlyWith(ifNotExists, "--if-not-exists", "--create", name);
        }
        if (!action.describe) {
            onlyWith(underReplicated, "--under-replicated-partitions", "--describe", name);
            onlyWith(underMinIsr, "--under-min-isr-partitions", "--describe", name);
            onlyWith(atMinIsr, "--at-min-isr-partitions", "--describe", name);
        }
        if (!action.delete && !action.describe && !action.alter) {
            onlyWith(ifExists, "--if-exists", "--delete, --describe or --alter", name);
        }
        if (partitions != null && partitions < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--partitions': " + partitions
                    + ": must be at least 1");
        }
        if (replicationFactor != null && (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE)) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--replication-factor': "
                    + replicationFactor + ": must be 1 to " + Short.MAX_VALUE);
        }
        if (topic != null && !action.create) {
            try {
                Pattern.compile(topic);
            } catch (PatternSyntaxException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--topic': '" + topic
                        + "' is not a regular expression: " + e.getDescription());
            }
        }
        return ClientTools.keyValues(spec, "--config", configs);
    }

    private void onlyWith(boolean given, String flag, String allowed, String action) {
        if (given) {
            throw new ParameterException(spec.commandLine(), "Option '" + flag + "' can only be used with " + allowed
                    + ", not with " + action);
        }
    }

    private void create(RunnelAdmin admin, Map<String, String> topicConfigs, PrintWriter out) {
        NewTopic newTopic = new NewTopic(topic, partitions != null ? partitions : -1,
                (short) (replicationFactor != null ? replicationFactor : -1), topicConfigs);
        try {
            ClientTools.join(admin.createTopics(List.of(newTopic)).get(topic));
            out.println("Created topic " + topic + ".");
        } catch (RunnelException e) {
            if (!(ifNotExists && e.errorCode() == ErrorCode.TOPIC_ALREADY_EXISTS)) {
                throw e;
            }
        }
    }

    private void delete(RunnelAdmin admin) {
        List<String> names = matching(admin);
        if (names.isEmpty()) {
            if (ifExists) {
                return;
            }
            throw new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic + "' does not exist as expected");
        }
        var futures = admin.deleteTopics(names);
        RunnelException first = null;
        for (String name : names) {
            try {
                ClientTools.join(futures.get(name)); // silent on success, like Kafka's
            } catch (RunnelException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Adds partitions to every topic --topic matches; silent on success, like Kafka's. */
    private void alter(RunnelAdmin admin) {
        List<String> names = matching(admin);
        if (names.isEmpty()) {
            if (ifExists) {
                return;
            }
            throw new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic + "' does not exist as expected");
        }
        Map<String, NewPartitions> increase = new java.util.LinkedHashMap<>();
        names.forEach(name -> increase.put(name, NewPartitions.increaseTo(partitions)));
        var futures = admin.createPartitions(increase);
        RunnelException first = null;
        for (String name : names) {
            try {
                ClientTools.join(futures.get(name));
            } catch (RunnelException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void describe(RunnelAdmin admin, PrintWriter out) {
        List<String> names = matching(admin);
        if (names.isEmpty() && topic != null) {
            if (ifExists) {
                return;
            }
            throw new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic + "' does not exist as expected");
        }
        if (names.isEmpty()) {
            return;
        }
        Map<String, TopicDescription> descriptions = ClientTools.join(admin.describeTopics(names));
        Map<ConfigResource, Map<String, ConfigEntry>> configs = ClientTools.join(admin.describeConfigs(
                names.stream().map(ConfigResource::topic).toList()));
        // As Kafka's: with a filter, only the matching partition lines, no topic lines.
        boolean filtered = underReplicated || underMinIsr || atMinIsr;
        for (String name : names) {
            TopicDescription d = descriptions.get(name);
            Map<String, ConfigEntry> topicConfig = configs.getOrDefault(ConfigResource.topic(name), Map.of());
            int minIsr = minInsyncReplicas(topicConfig);
            int replicationFactor = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
            if (!filtered) {
                // As Kafka's: the topic's own settings, not the defaults it inherits.
                String own = topicConfig.values().stream().filter(c -> !c.isDefault())
                        .map(c -> c.name() + "=" + c.value()).collect(Collectors.joining(","));
                out.println("Topic: " + name + "\tPartitionCount: " + d.partitions().size() + "\tReplicationFactor: "
                        + replicationFactor + "\tConfigs: " + own);
            }
            for (PartitionInfo p : d.partitions()) {
                boolean hasLeader = p.leader() != null && p.leader().id() >= 0;
                boolean show = !filtered
                        || (underReplicated && p.isr().size() < p.replicas().size())
                        || (underMinIsr && (!hasLeader || p.isr().size() < minIsr))
                        || (atMinIsr && hasLeader && p.isr().size() == minIsr);
                if (!show) {
                    continue;
                }
                out.println("\tTopic: " + name + "\tPartition: " + p.partition() + "\tLeader: "
                        + (p.leader() == null || p.leader().id() < 0 ? "none" : p.leader().id())
                        + "\tReplicas: " + ids(p.replicas()) + "\tIsr: " + ids(p.isr()));
            }
        }
    }

    private static int minInsyncReplicas(Map<String, ConfigEntry> topicConfig) {
        ConfigEntry entry = topicConfig.get("min.insync.replicas");
        try {
            return entry == null || entry.value() == null ? 1 : Integer.parseInt(entry.value());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String ids(List<Node> nodes) {
        return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
    }

    /** The topics --topic matches (all without --topic), sorted by name. */
    private List<String> matching(RunnelAdmin admin) {
        Set<String> all = ClientTools.join(admin.listTopics());
        if (topic == null) {
            return List.copyOf(all);
        }
        Pattern pattern = Pattern.compile(topic);
        return all.stream().filter(name -> pattern.matcher(name).matches()).toList();
    }
}
