package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.admin.ElectionType;
import io.runnel.client.admin.RunnelAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code runnel leader-election}: asks the controller for preferred or unclean leader elections,
 * with the flags and output of Kafka's {@code kafka-leader-election.sh}.
 */
@Command(name = "leader-election",
        mixinStandardHelpOptions = true,
        description = {"Move partition leaderships to their preferred replicas, or elect leaders for partitions that "
                + "have none (like Kafka's kafka-leader-election.sh).",
                "Exits 1 if a partition could not get the leader asked for (an election that was not needed is no error)."},
        footer = {"", "Examples:",
                "  runnel leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --all-topic-partitions",
                "  runnel leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --topic orders --partition 0",
                "  runnel leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --path-to-json-file elect.json",
                "", "The JSON file lists the partitions: {\"partitions\": [{\"topic\": \"orders\", \"partition\": 0}]}"})
public final class LeaderElectionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to, comma-separated.")
    String bootstrapServer;

    @Option(names = "--election-type", required = true, paramLabel = "TYPE",
            description = "PREFERRED: the preferred (first) replica leads if it is alive and in the ISR. "
                    + "UNCLEAN: a partition without a leader gets one, from outside the ISR if need be (records may be lost).")
    String electionType;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic of the partition to elect (with --partition).")
    String topic;

    @Option(names = "--partition", paramLabel = "P", description = "The partition to elect (with --topic).")
    Integer partition;

    @Option(names = "--all-topic-partitions", description = "Every partition of every topic.")
    boolean allTopicPartitions;

    @Option(names = "--path-to-json-file", paramLabel = "FILE",
            description = "A JSON file listing the partitions: {\"partitions\": [{\"topic\": \"t\", \"partition\": 0}, ...]}.")
    Path jsonFile;

    @Option(names = {"--admin.config", "--command-config"}, paramLabel = "FILE",
            description = "Admin client configuration (client.id, request.timeout.ms, ...).")
    Path commandConfig;

    @Override
    public Integer call() {
        ElectionType type = electionType();
        Set<TopicPartition> partitions = partitions();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> clientConfig = ClientTools.clientConfig(commandConfig, Map.of(), bootstrapServer);
        Map<TopicPartition, Optional<RunnelException>> results;
        try (RunnelAdmin admin = ClientTools.connectedAdmin(clientConfig)) {
            results = new TreeMap<>(ClientTools.join(admin.electLeaders(type, partitions)));
        }
        List<TopicPartition> elected = new ArrayList<>();
        List<TopicPartition> notNeeded = new ArrayList<>();
        Map<TopicPartition, RunnelException> failed = new TreeMap<>();
        results.forEach((tp, outcome) -> {
            if (outcome.isEmpty()) {
                elected.add(tp);
            } else if (outcome.get().errorCode() == ErrorCode.ELECTION_NOT_NEEDED) {
                notNeeded.add(tp);
            } else {
                failed.put(tp, outcome.get());
            }
        });
        if (!elected.isEmpty()) {
            out.println("Successfully completed leader election (" + type + ") for partitions " + names(elected));
        }
        if (!notNeeded.isEmpty()) {
            out.println("Valid replica already elected for partitions " + names(notNeeded));
        }
        out.flush();
        if (!failed.isEmpty()) {
            failed.forEach((tp, e) -> err.println("Error completing leader election (" + type + ") for partition: " + tp
                    + ": " + e.errorCode() + ": " + ClientTools.describe(e)));
            err.println("error: " + failed.size() + " replica(s) could not be elected");
            return 1;
        }
        return 0;
    }

    private static String names(List<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::toString).collect(Collectors.joining(", "));
    }

    private ElectionType electionType() {
        try {
            return ElectionType.valueOf(electionType.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--election-type': '"
                    + electionType + "': expected PREFERRED or UNCLEAN");
        }
    }

    /** The partitions asked for; null for every partition. Usage errors (exit 2) before anything is sent. */
    private Set<TopicPartition> partitions() {
        int sources = (allTopicPartitions ? 1 : 0) + (topic != null || partition != null ? 1 : 0) + (jsonFile != null ? 1 : 0);
        if (sources != 1) {
            throw new ParameterException(spec.commandLine(), "One and only one of the following options is required: "
                    + "--all-topic-partitions, --topic with --partition, --path-to-json-file");
        }
        if (allTopicPartitions) {
            return null;
        }
        if (jsonFile == null) {
            if (topic == null || partition == null) {
                throw new ParameterException(spec.commandLine(), topic == null
                        ? "Option '--partition' needs '--topic=TOPIC'" : "Option '--topic' needs '--partition=P'");
            }
            if (partition < 0) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--partition': " + partition
                        + ": must be at least 0");
            }
            return Set.of(new TopicPartition(topic, partition));
        }
        String text;
        try {
            text = Files.readString(jsonFile);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--path-to-json-file': cannot read "
                    + jsonFile + ": " + e.getMessage());
        }
        try {
            return parsePartitions(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--path-to-json-file': " + jsonFile
                    + ": " + e.getMessage());
        }
    }

    /** {@code {"partitions": [{"topic": "t", "partition": 0}, ...]}}, as Kafka's tool reads. */
    static Set<TopicPartition> parsePartitions(String json) {
        Object root = new Json(json).document();
        if (!(root instanceof Map<?, ?> object) || !(object.get("partitions") instanceof List<?> list)) {
            throw new IllegalArgumentException("expected an object with a \"partitions\" array");
        }
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        for (Object entry : list) {
            if (!(entry instanceof Map<?, ?> p) || !(p.get("topic") instanceof String t) || t.isEmpty()
                    || !(p.get("partition") instanceof Long n) || n < 0 || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("each partition must be {\"topic\": \"name\", \"partition\": N>=0}, not "
                        + entry);
            }
            TopicPartition tp = new TopicPartition(t, n.intValue());
            if (!partitions.add(tp)) {
                throw new IllegalArgumentException("partition " + tp + " is listed twice");
            }
        }
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("the \"partitions\" array is empty");
        }
        return partitions;
    }

    /** A small JSON reader: objects (as maps), arrays, strings, integers (as Long), true, false, null. */
    private static final class Json {
        private final String text;
        private int at;

        Json(String text) {
            this.text = text;
        }

        Object document() {
            Object value = value();
            space();
            if (at != text.length()) {
                throw fail("unexpected text after the JSON value");
            }
            return value;
        }

        private Object value() {
            space();
            if (at >= text.length()) {
                throw fail("unexpected end of the file");
            }
            char c = text.charAt(at);
            if (c == '{') {
                at++;
                Map<String, Object> object = new java.util.LinkedHashMap<>();
                space();
                if (peek('}')) {
                    return object;
                }
                do {
                    space();
                    String key = string();
                    space();
                    expect(':');
                    object.put(key, value());
                    space();
                } while (peek(','));
                expect('}');
                return object;
            }
            if (c == '[') {
                at++;
                List<Object> array = new ArrayList<>();
                space();
                if (peek(']')) {
                    return array;
                }
                do {
                    array.add(value());
                    space();
                } while (peek(','));
                expect(']');
                return array;
            }
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = at;
            if (c == '-') {
                at++;
            }
            while (at < text.length() && Character.isDigit(text.charAt(at))) {
                at++;
            }
            if (at == start || (at < text.length() && ".eE".indexOf(text.charAt(at)) >= 0)) {
                throw fail("expected a value (an integer, a string, an object or an array)");
            }
            try {
                return Long.parseLong(text.substring(start, at));
            } catch (NumberFormatException e) {
                throw fail("number " + text.substring(start, at) + " is out of range");
            }
        }

        private String string() {
            expect('"');
            StringBuilder s = new StringBuilder();
            while (at < text.length() && text.charAt(at) != '"') {
                char c = text.charAt(at++);
                if (c == '\\') {
                    if (at >= text.length()) {
                        break;
                    }
                    char e = text.charAt(at++);
                    switch (e) {
                        case 'n' -> s.append('\n');
                        case 't' -> s.append('\t');
                        case 'r' -> s.append('\r');
                        case 'b' -> s.append('\b');
                        case 'f' -> s.append('\f');
                        case 'u' -> {
                            if (at + 4 > text.length()) {
                                throw fail("bad \\u escape");
                            }
                            try {
                                s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                            } catch (NumberFormatException x) {
                                throw fail("bad \\u escape");
                            }
                            at += 4;
                        }
                        default -> s.append(e);
                    }
                } else {
                    s.append(c);
                }
            }
            expect('"');
            return s.toString();
        }

        private void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private boolean peek(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw fail("expected '" + c + "'");
            }
        }

        private IllegalArgumentException fail(String what) {
            int line = 1;
            for (int i = 0; i < Math.min(at, text.length()); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            return new IllegalArgumentException("not valid JSON at line " + line + " (character " + (at + 1) + "): " + what);
        }
    }
}
