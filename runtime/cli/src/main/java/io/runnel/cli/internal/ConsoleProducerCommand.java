package io.runnel.cli.internal;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code runnel console-producer}: sends each line of standard input as a record, like Kafka's
 * {@code kafka-console-producer.sh}. At the end of the input it flushes and exits 0, or 1 after
 * naming every line that could not be sent.
 */
@Command(name = "console-producer",
        mixinStandardHelpOptions = true,
        description = {"Send each line of standard input to a topic as one record (like Kafka's kafka-console-producer.sh).",
                "At the end of the input (Ctrl-D), waits until every record is acknowledged and exits; exits 1 after "
                        + "naming the lines that could not be sent."},
        footer = {"", "Line reader properties (--property):",
                "  parse.key=true|false   split each line into key and value at key.separator (default false)",
                "  key.separator=SEP      the separator (default: a tab)",
                "", "Example: runnel console-producer --bootstrap-server localhost:9092 --topic orders "
                + "--property parse.key=true --property key.separator=:"})
public final class ConsoleProducerCommand implements Callable<Integer>, StandardInput {
    private static final Set<String> READER_PROPERTIES = Set.of("parse.key", "key.separator");

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to, comma-separated (required unless --producer.config sets bootstrap.servers).")
    String bootstrapServer;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to send to.")
    String topic;

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE",
            description = "A producer configuration key (docs/client.md), e.g. acks=1; may be repeated; wins over --producer.config.")
    List<String> producerProperties = new ArrayList<>();

    @Option(names = "--producer.config", paramLabel = "FILE", description = "Producer configuration file (properties).")
    Path producerConfig;

    @Option(names = "--property", paramLabel = "KEY=VALUE",
            description = "A line reader property: parse.key, key.separator; may be repeated.")
    List<String> properties = new ArrayList<>();

    private InputStream in = System.in;

    @Override
    public void setStandardInput(InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() {
        Map<String, String> reader = ClientTools.keyValues(spec, "--property", properties);
        for (String key : reader.keySet()) {
            if (!READER_PROPERTIES.contains(key)) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--property': unknown property '"
                        + key + "'; known: parse.key, key.separator");
            }
        }
        boolean parseKey = Boolean.parseBoolean(reader.getOrDefault("parse.key", "false"));
        String separator = reader.getOrDefault("key.separator", "\t");
        if (separator.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--property': key.separator is empty");
        }
        Map<String, String> config = ClientTools.clientConfig(producerConfig,
                ClientTools.keyValues(spec, "--producer-property", producerProperties), bootstrapServer);
        ClientTools.requireBootstrap(spec, config, "--producer.config");

        try (RunnelAdmin ignored = ClientTools.connectedAdmin(config)) {
            // Only to fail at once, with one line, when no broker answers.
        }
        PrintWriter err = spec.commandLine().getErr();
        AtomicLong failed = new AtomicLong();
        long lines = 0;
        try (RunnelProducer<byte[], byte[]> producer = new RunnelProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer());
             BufferedReader input = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            // Waits once (up to max.block.ms) for the topic, which the broker may create, instead of
            // failing every line after that long.
            producer.partitionsFor(topic);
            Thread flushOnExit = new Thread(() -> producer.close(Duration.ofSeconds(10)), "console-producer-exit");
            Runtime.getRuntime().addShutdownHook(flushOnExit);
            try {
                String line;
                while ((line = input.readLine()) != null) {
                    long number = ++lines;
                    byte[] key = null;
                    String value = line;
                    if (parseKey) {
                        int at = line.indexOf(separator);
                        if (at < 0) {
                            failed.incrementAndGet();
                            err.println("error: line " + number + ": no key separator '" + printable(separator)
                                    + "' in '" + line + "'; the line was not sent");
                            continue;
                        }
                        key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                        value = line.substring(at + separator.length());
                    }
                    producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)),
                            (metadata, error) -> {
                                if (error != null) {
                                    failed.incrementAndGet();
                                    err.println("error: line " + number + ": not sent to topic " + topic + ": "
                                            + ClientTools.describe(error));
                                }
                            });
                }
                producer.flush();
            } finally {
                removeHook(flushOnExit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read standard input", e);
        }
        if (failed.get() > 0) {
            err.println("error: " + failed.get() + " of " + lines + " lines were not sent to topic " + topic);
            return 1;
        }
        return 0;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it closes the producer
        }
    }

    private static String printable(String separator) {
        return separator.replace("\t", "\\t");
    }
}
