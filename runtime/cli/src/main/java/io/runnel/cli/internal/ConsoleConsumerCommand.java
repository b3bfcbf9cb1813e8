package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Header;
import io.runnel.api.record.TimestampType;
import io.runnel.client.PartitionInfo;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code runnel console-consumer}: prints the records of a topic, like Kafka's
 * {@code kafka-console-consumer.sh}: every partition of the topic, the one {@code --partition}
 * names, or, with {@code --group}, the partitions the group's coordinator assigns it. In a group it
 * starts at the group's committed offsets (else per {@code auto.offset.reset}, which
 * {@code --from-beginning} sets to earliest) and commits exactly what it printed: when partitions
 * are taken away in a rebalance and before it exits.
 */
@Command(name = "console-consumer",
        mixinStandardHelpOptions = true,
        description = {"Print the records of a topic, one a line (like Kafka's kafka-console-consumer.sh).",
                "Reads every partition of the topic (or --partition), from the end unless --from-beginning or --offset say "
                        + "otherwise, until --max-messages, --timeout-ms or Ctrl-C; then prints 'Processed a total of N "
                        + "messages' on standard error.",
                "With --group G it joins consumer group G and reads the partitions the group gives it, from the group's "
                        + "committed offsets (without one: the end, or the beginning with --from-beginning), and commits "
                        + "what it printed before it exits."},
        footer = {"", "Formatter properties (--property), each true|false unless said otherwise:",
                "  print.timestamp   CreateTime:<ms> (or LogAppendTime:<ms>) first",
                "  print.partition   Partition:<n>",
                "  print.offset      Offset:<n>",
                "  print.headers     key:value,... (NO_HEADERS when none)",
                "  print.key         the key (null when none)",
                "  print.value       the value (default true)",
                "  key.separator     between the fields above (default: a tab)",
                "  line.separator    after each record (default: a newline)",
                "  headers.separator, headers.key.separator, null.literal (defaults ',', ':', 'null')",
                "", "Example: runnel console-consumer --bootstrap-server localhost:9092 --topic orders --from-beginning "
                + "--property print.key=true"})
public final class ConsoleConsumerCommand implements Callable<Integer> {
    private static final Set<String> FORMATTER_PROPERTIES = Set.of("print.timestamp", "print.partition", "print.offset",
            "print.headers", "print.key", "print.value", "key.separator", "line.separator", "headers.separator",
            "headers.key.separator", "null.literal");

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to, comma-separated (required unless --consumer.config sets bootstrap.servers).")
    String bootstrapServer;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the first record of each partition, not at the end.")
    boolean fromBeginning;

    @Option(names = "--partition", paramLabel = "N", description = "Read only this partition.")
    Integer partition;

    @Option(names = "--offset", paramLabel = "OFFSET",
            description = "With --partition: where to start: an offset, 'earliest' or 'latest' (default latest).")
    String offset;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Join this consumer group (group.id) instead of reading every partition; not with --partition.")
    String group;

    @Option(names = "--max-messages", paramLabel = "N", description = "Exit after printing this many records.")
    Long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit when no record arrives for this long.")
    Long timeoutMs;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE",
            description = "A consumer configuration key (docs/client.md); may be repeated; wins over --consumer.config.")
    List<String> consumerProperties = new ArrayList<>();

    @Option(names = "--consumer.config", paramLabel = "FILE", description = "Consumer configuration file (properties).")
    Path consumerConfig;

    @Option(names = "--property", paramLabel = "KEY=VALUE",
            description = "A formatter property (print.key, print.timestamp, ..., see below); may be repeated.")
    List<String> properties = new ArrayList<>();

    private volatile boolean stopping;

    @Override
    public Integer call() {
        Formatter formatter = formatter();
        if (offset != null && partition == null) {
            throw new ParameterException(spec.commandLine(), "Option '--offset' needs '--partition'");
        }
        if (offset != null && fromBeginning) {
            throw new ParameterException(spec.commandLine(), "Options '--from-beginning' and '--offset' cannot be used together");
        }
        long startOffset = parseOffset();
        if (partition != null && partition < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--partition': " + partition
                    + ": must be at least 0");
        }
        if (maxMessages != null && maxMessages < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--max-messages': " + maxMessages
                    + ": must be at least 1");
        }
        if (timeoutMs != null && timeoutMs < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--timeout-ms': " + timeoutMs
                    + ": must be at least 0");
        }
        Map<String, String> config = ClientTools.clientConfig(consumerConfig,
                ClientTools.keyValues(spec, "--consumer-property", consumerProperties), bootstrapServer);
        ClientTools.requireBootstrap(spec, config, "--consumer.config");
        if (group != null) {
            if (group.isBlank()) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--group': must not be blank");
            }
            config = new java.util.HashMap<>(config);
            config.put("group.id", group);
        }
        boolean inGroup = config.containsKey("group.id") && partition == null;
        if (group != null && partition != null) {
            throw new ParameterException(spec.commandLine(), "Options '--group' and '--partition' cannot be used together");
        }
        if (inGroup) {
            group = config.get("group.id");
            config = new java.util.HashMap<>(config);
            config.put("enable.auto.commit", "false"); // commits exactly what was printed, below
            if (fromBeginning) {
                config.put("auto.offset.reset", "earliest");
            } else {
                config.putIfAbsent("auto.offset.reset", "latest");
            }
        }

        List<TopicPartition> partitions = partitions(config);
        PrintWriter terminal = spec.commandLine().getOut();
        PrintWriter out = new PrintWriter(new BufferedWriter(terminal, 64 * 1024));
        long processed = 0;
        CountDownLatch done = new CountDownLatch(1);
        Thread onExit = new Thread(() -> {
            stopping = true;
            try {
                done.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "console-consumer-exit");
        Runtime.getRuntime().addShutdownHook(onExit);
        try (RunnelConsumer<byte[], byte[]> consumer = new RunnelConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            if (inGroup) {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                        out.flush();
                        commitPrinted(consumer, revoked);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> lost) {
                        printed.keySet().removeAll(lost); // others own them now: a commit would be refused
                    }
                });
            } else {
                consumer.assign(partitions);
                if (fromBeginning || startOffset == EARLIEST) {
                    consumer.seekToBeginning(partitions);
                } else if (startOffset == LATEST) {
                    consumer.seekToEnd(partitions);
                } else {
                    consumer.seek(partitions.get(0), startOffset);
                }
            }
            long lastRecordNanos = System.nanoTime();
            long limit = maxMessages != null ? maxMessages : Long.MAX_VALUE;
            while (processed < limit && !stopping) {
                long waitMs = 200;
                if (timeoutMs != null) {
                    long leftMs = timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRecordNanos);
                    if (leftMs <= 0) {
                        break;
                    }
                    waitMs = Math.min(waitMs, leftMs);
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(waitMs));
                if (records.isEmpty()) {
                    continue;
                }
                lastRecordNanos = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    formatter.write(record, out);
                    printed.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    if (++processed >= limit) {
                        break;
                    }
                }
                out.flush();
                if (terminal.checkError()) {
                    break; // the reader went away (| head): stop like Kafka does
                }
            }
            out.flush();
            if (inGroup) {
                commitPrinted(consumer, Set.copyOf(printed.keySet()));
            }
        } finally {
            out.flush();
            spec.commandLine().getErr().println("Processed a total of " + processed + " messages");
            spec.commandLine().getErr().flush();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook waited for this
            }
        }
        return 0;
    }

    /** The offset after the last printed record, per partition not yet committed (group mode). */
    private final Map<TopicPartition, Long> printed = new java.util.HashMap<>();

    private void commitPrinted(RunnelConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
        for (TopicPartition tp : partitions) {
            Long next = printed.remove(tp);
            if (next != null) {
                offsets.put(tp, new OffsetAndMetadata(next));
            }
        }
        try {
            consumer.commitSync(offsets);
        } catch (RunnelException e) {
            spec.commandLine().getErr().println("error: committing " + offsets + " for group " + group + " failed: "
                    + e.getMessage());
        }
    }

    private static final long EARLIEST = -2;
    private static final long LATEST = -1;

    private long parseOffset() {
        if (offset == null || offset.equals("latest")) {
            return LATEST;
        }
        if (offset.equals("earliest")) {
            return EARLIEST;
        }
        try {
            long value = Long.parseLong(offset);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ParameterException(spec.commandLine(), "Invalid value for option '--offset': '" + offset
                + "': expected an offset (0 or more), 'earliest' or 'latest'");
    }

    /** The partitions to read, checked against the topic's metadata. */
    private List<TopicPartition> partitions(Map<String, String> config) {
        TopicDescription description;
        try (RunnelAdmin admin = ClientTools.connectedAdmin(config)) {
            description = ClientTools.join(admin.describeTopics(List.of(topic))).get(topic);
        }
        List<PartitionInfo> all = description.partitions();
        if (partition != null) {
            if (partition >= all.size()) {
                throw new RunnelException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "--partition " + partition + ": topic "
                        + topic + " has " + all.size() + " partition" + (all.size() == 1 ? "" : "s"));
            }
            return List.of(new TopicPartition(topic, partition));
        }
        return all.stream().map(PartitionInfo::topicPartition).toList();
    }

    private Formatter formatter() {
        Map<String, String> p = ClientTools.keyValues(spec, "--property", properties);
        for (String key : p.keySet()) {
            if (!FORMATTER_PROPERTIES.contains(key)) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--property': unknown property '"
                        + key + "'; known: " + String.join(", ", new java.util.TreeSet<>(FORMATTER_PROPERTIES)));
            }
        }
        return new Formatter(flag(p, "print.timestamp", false), flag(p, "print.partition", false),
                flag(p, "print.offset", false), flag(p, "print.headers", false), flag(p, "print.key", false),
                flag(p, "print.value", true), p.getOrDefault("key.separator", "\t"), p.getOrDefault("line.separator", "\n"),
                p.getOrDefault("headers.separator", ","), p.getOrDefault("headers.key.separator", ":"),
                p.getOrDefault("null.literal", "null"));
    }

    private boolean flag(Map<String, String> properties, String key, boolean defaultValue) {
        String value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--property': " + key + "=" + value
                    + ": expected true or false");
        }
        return Boolean.parseBoolean(value);
    }

    /** Kafka's DefaultMessageFormatter: the fields asked for, in its order, with its separators. */
    record Formatter(boolean timestamp, boolean partition, boolean offset, boolean headers, boolean key, boolean value,
                     String keySeparator, String lineSeparator, String headersSeparator, String headerKeySeparator,
                     String nullLiteral) {
        void write(ConsumerRecord<byte[], byte[]> record, PrintWriter out) {
            if (timestamp) {
                out.write(record.timestampType() == TimestampType.LOG_APPEND_TIME ? "LogAppendTime:" : "CreateTime:");
                out.write(Long.toString(record.timestamp()));
                separator(out, partition || offset || headers || key || value);
            }
            if (partition) {
                out.write("Partition:");
                out.write(Integer.toString(record.partition()));
                separator(out, offset || headers || key || value);
            }
            if (offset) {
                out.write("Offset:");
                out.write(Long.toString(record.offset()));
                separator(out, headers || key || value);
            }
            if (headers) {
                if (record.headers().isEmpty()) {
                    out.write("NO_HEADERS");
                } else {
                    for (int i = 0; i < record.headers().size(); i++) {
                        Header h = record.headers().get(i);
                        if (i > 0) {
                            out.write(headersSeparator);
                        }
                        out.write(h.key());
                        out.write(headerKeySeparator);
                        out.write(text(h.value()));
                    }
                }
                separator(out, key || value);
            }
            if (key) {
                out.write(text(record.key()));
                separator(out, value);
            }
            if (value) {
                out.write(text(record.value()));
                out.write(lineSeparator);
            }
        }

        private void separator(PrintWriter out, boolean moreColumns) {
            out.write(moreColumns ? keySeparator : lineSeparator);
        }

        private String text(byte[] bytes) {
            return bytes == null ? nullLiteral : new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
