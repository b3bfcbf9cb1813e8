package io.runnel.cli.internal;

import io.runnel.api.TopicPartition;
import io.runnel.client.PartitionInfo;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code runnel consumer-perf-test}: reads a topic from the beginning of every partition and
 * reports the throughput, with the flags and output of Kafka's {@code kafka-consumer-perf-test.sh}.
 * There are no consumer groups yet, so {@code rebalance.time.ms} is always 0.
 */
@Command(name = "consumer-perf-test",
        mixinStandardHelpOptions = true,
        description = {"Measure consumer throughput (like Kafka's kafka-consumer-perf-test.sh).",
                "Reads every partition of the topic from the beginning until --messages records are read, or none "
                        + "arrives for --timeout ms; prints a header and one line of results."},
        footer = {"", "Example: runnel consumer-perf-test --bootstrap-server localhost:9092 --topic perf --messages 1000000"})
public final class ConsumerPerfTestCommand implements Callable<Integer> {
    static final String HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
    static final String DETAILED_HEADER = "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to (required unless --consumer.config sets bootstrap.servers).")
    String bootstrapServer;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = "--messages", required = true, paramLabel = "N", description = "How many records to read.")
    long messages;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "10000",
            description = "Stop when no record arrives for this long (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--fetch-size", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Bytes to fetch per partition and request: max.partition.fetch.bytes (default ${DEFAULT-VALUE}).")
    int fetchSize;

    @Option(names = "--consumer.config", paramLabel = "FILE", description = "Consumer configuration file (properties).")
    Path consumerConfig;

    @Option(names = "--date-format", paramLabel = "FORMAT", defaultValue = "yyyy-MM-dd HH:mm:ss:SSS",
            description = "java.text.SimpleDateFormat of start.time and end.time (default ${DEFAULT-VALUE}).")
    String dateFormat;

    @Option(names = "--hide-header", description = "Print the results without the header line.")
    boolean hideHeader;

    @Option(names = "--show-detailed-stats", description = "Also print a line of statistics every --reporting-interval.")
    boolean showDetailedStats;

    @Option(names = "--reporting-interval", paramLabel = "MS", defaultValue = "5000",
            description = "How often progress is printed (default ${DEFAULT-VALUE}): with --show-detailed-stats a "
                    + "line on standard output, else a line on standard error.")
    long reportingIntervalMs;

    @Override
    public Integer call() {
        if (messages < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--messages': " + messages
                    + ": must be at least 1");
        }
        if (timeoutMs < 1 || reportingIntervalMs < 1 || fetchSize < 1) {
            String flag = timeoutMs < 1 ? "--timeout" : reportingIntervalMs < 1 ? "--reporting-interval" : "--fetch-size";
            throw new ParameterException(spec.commandLine(), "Invalid value for option '" + flag + "': must be at least 1");
        }
        SimpleDateFormat format;
        try {
            format = new SimpleDateFormat(dateFormat, Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--date-format': '" + dateFormat
                    + "': " + e.getMessage());
        }
        Map<String, String> config = ClientTools.clientConfig(consumerConfig, Map.of(), bootstrapServer);
        ClientTools.requireBootstrap(spec, config, "--consumer.config");
        config.putIfAbsent("max.partition.fetch.bytes", Integer.toString(fetchSize));
        if (spec.commandLine().getParseResult().hasMatchedOption("--fetch-size")) {
            config.put("max.partition.fetch.bytes", Integer.toString(fetchSize));
        }
        List<TopicPartition> partitions;
        try (RunnelAdmin admin = ClientTools.connectedAdmin(config)) {
            partitions = ClientTools.join(admin.describeTopics(List.of(topic))).get(topic).partitions().stream()
                    .map(PartitionInfo::topicPartition).toList();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (showDetailedStats && !hideHeader) {
            out.println(DETAILED_HEADER);
            out.flush();
        }
        long read = 0;
        long bytes = 0;
        long startMs = System.currentTimeMillis();
        long endMs;
        try (RunnelConsumer<byte[], byte[]> consumer = new RunnelConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long lastConsumedMs = System.currentTimeMillis();
            long lastReportMs = startMs;
            long lastReportRead = 0;
            long lastReportBytes = 0;
            long now = lastConsumedMs;
            while (read < messages && now - lastConsumedMs <= timeoutMs) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                now = System.currentTimeMillis();
                if (!records.isEmpty()) {
                    lastConsumedMs = now;
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        read++;
                        bytes += Math.max(0, record.serializedKeySize()) + Math.max(0, record.serializedValueSize());
                    }
                }
                if (now - lastReportMs >= reportingIntervalMs) {
                    if (showDetailedStats) {
                        printDetailed(out, format, now, lastReportMs, read - lastReportRead, bytes - lastReportBytes,
                                read, bytes);
                    } else {
                        err.printf(Locale.ROOT, "Consumed %d of %d messages (%.4f MB) so far%n", read, messages, mb(bytes));
                        err.flush();
                    }
                    lastReportMs = now;
                    lastReportRead = read;
                    lastReportBytes = bytes;
                }
            }
            endMs = System.currentTimeMillis();
        }
        if (read < messages) {
            err.println("WARNING: Exiting before consuming the expected number of messages: timeout (" + timeoutMs
                    + " ms) exceeded. You can use the --timeout option to increase the timeout.");
        }
        if (!showDetailedStats) {
            if (!hideHeader) {
                out.println(HEADER);
            }
            double elapsedSecs = Math.max(1, endMs - startMs) / 1000.0;
            long fetchTimeMs = Math.max(1, endMs - startMs); // rebalance.time.ms is 0: no groups
            out.println(String.format(Locale.ROOT, "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f",
                    format.format(new Date(startMs)), format.format(new Date(endMs)), mb(bytes), mb(bytes) / elapsedSecs,
                    read, read / elapsedSecs, 0, endMs - startMs, mb(bytes) / (fetchTimeMs / 1000.0),
                    read / (fetchTimeMs / 1000.0)));
        }
        out.flush();
        return 0;
    }

    private static void printDetailed(PrintWriter out, SimpleDateFormat format, long nowMs, long sinceMs, long windowRead,
                                      long windowBytes, long read, long bytes) {
        double elapsedSecs = Math.max(1, nowMs - sinceMs) / 1000.0;
        out.println(String.format(Locale.ROOT, "%s, %d, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f",
                format.format(new Date(nowMs)), 0, mb(bytes), mb(windowBytes) / elapsedSecs, read,
                windowRead / elapsedSecs, 0, nowMs - sinceMs, mb(windowBytes) / elapsedSecs, windowRead / elapsedSecs));
        out.flush();
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
