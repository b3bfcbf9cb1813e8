package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.Callback;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.ByteArraySerializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * {@code runnel producer-perf-test}: sends records as fast as asked and reports throughput and
 * latency, with the flags and output of Kafka's {@code kafka-producer-perf-test.sh}, so that the
 * two can be compared line by line.
 *
 * <p>Per record it allocates only the {@link ProducerRecord}: the payload arrays are made once and
 * reused (as Kafka does), and the callbacks that measure latency come from a fixed ring of
 * reusable slots instead of one new callback per record.
 */
@Command(name = "producer-perf-test",
        mixinStandardHelpOptions = true,
        description = {"Measure producer throughput and latency (like Kafka's kafka-producer-perf-test.sh).",
                "Prints a line every 5 s and a total with latency percentiles; latency is the time from send() to the "
                        + "acknowledgement."},
        footer = {"", "Example: runnel producer-perf-test --topic perf --num-records 1000000 --record-size 100 "
                + "--throughput -1 --producer-props bootstrap.servers=localhost:9092 acks=1"})
public final class ProducerPerfTestCommand implements Callable<Integer> {
    private static final long REPORTING_INTERVAL_MS = 5_000;
    private static final int MAX_SLOTS = 1 << 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to send to.")
    String topic;

    @Option(names = "--num-records", required = true, paramLabel = "N", description = "How many records to send.")
    long numRecords;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Payload payload;

    static final class Payload {
        @Option(names = "--record-size", required = true, paramLabel = "BYTES",
                description = "Size of each record's value (random capital letters).")
        Integer recordSize;

        @Option(names = "--payload-file", required = true, paramLabel = "FILE",
                description = "UTF-8 file of values, split at --payload-delimiter; each record takes one at random.")
        Path payloadFile;
    }

    @Option(names = "--payload-delimiter", paramLabel = "DELIMITER", defaultValue = "\\n",
            description = "With --payload-file: what separates the values (default: a newline).")
    String payloadDelimiter;

    @Option(names = "--throughput", required = true, paramLabel = "RECORDS_PER_SEC",
            description = "Throttle to about this many records per second; -1 for no limit.")
    double throughput;

    @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE",
            description = "Producer configuration (docs/client.md), e.g. bootstrap.servers=localhost:9092 acks=1; wins over --producer.config.")
    List<String> producerProps = new ArrayList<>();

    @Option(names = "--producer.config", paramLabel = "FILE", description = "Producer configuration file (properties).")
    Path producerConfig;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Broker(s) to connect to; sets bootstrap.servers over the other two.")
    String bootstrapServer;

    @Override
    public Integer call() {
        if (numRecords < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--num-records': " + numRecords
                    + ": must be at least 1");
        }
        if (throughput == 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--throughput': 0: must be positive, "
                    + "or -1 for no limit");
        }
        if (payload.recordSize != null && payload.recordSize < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--record-size': " + payload.recordSize
                    + ": must be at least 0");
        }
        Map<String, String> config = ClientTools.clientConfig(producerConfig,
                ClientTools.keyValues(spec, "--producer-props", producerProps), bootstrapServer);
        if (!config.containsKey("bootstrap.servers")) {
            throw new ParameterException(spec.commandLine(), "Missing bootstrap.servers: give --producer-props "
                    + "bootstrap.servers=HOST:PORT, --producer.config FILE or --bootstrap-server HOST:PORT");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SplittableRandom random = new SplittableRandom();
        byte[][] payloads = payloads(random, err);

        try (RunnelAdmin ignored = ClientTools.connectedAdmin(config)) {
            // Only to fail at once, with one line, when no broker answers.
        }
        AtomicLong failures = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        PerfStats stats;
        long sent = 0;
        try (RunnelProducer<byte[], byte[]> producer = new RunnelProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.partitionsFor(topic); // the metadata (and the topic, if the broker creates it) before the clock starts
            long start = System.nanoTime();
            stats = new PerfStats(numRecords, REPORTING_INTERVAL_MS, out, start);
            Slot[] slots = slots(stats, failures, firstFailure, err);
            int mask = slots.length - 1;
            ThroughputThrottler throttler = new ThroughputThrottler(throughput < 0 ? -1 : throughput, start);
            byte[] value = payloads[0];
            for (long i = 0; i < numRecords; i++) {
                if (payloads.length > 1) {
                    value = payloads[random.nextInt(payloads.length)];
                }
                Slot slot = slots[(int) (i & mask)];
                while (!slot.free) {
                    LockSupport.parkNanos(10_000); // more records in flight than slots: wait for the oldest
                }
                slot.free = false;
                slot.bytes = value.length;
                long sendStart = System.nanoTime();
                slot.startNanos = sendStart;
                producer.send(new ProducerRecord<>(topic, value), slot);
                sent++;
                if (throttler.shouldThrottle(i, sendStart)) {
                    throttler.throttle();
                }
            }
        }
        stats.printTotal(System.nanoTime());
        if (failures.get() > 0) {
            err.println("error: " + failures.get() + " of " + sent + " records were not sent; the first failure: "
                    + firstFailure.get());
            return 1;
        }
        return 0;
    }

    /** The values to send: one array of --record-size, or one per value in --payload-file. */
    private byte[][] payloads(SplittableRandom random, PrintWriter err) {
        if (payload.recordSize != null) {
            byte[] value = new byte[payload.recordSize];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) (random.nextInt(26) + 65);
            }
            return new byte[][] {value};
        }
        String text;
        try {
            text = Files.readString(payload.payloadFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "--payload-file " + payload.payloadFile + ": no such file");
        } catch (IOException e) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "--payload-file " + payload.payloadFile + ": " + e, e);
        }
        String delimiter = payloadDelimiter.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r");
        err.println("Reading payloads from: " + payload.payloadFile.toAbsolutePath());
        List<byte[]> values = new ArrayList<>();
        for (String value : text.split(Pattern.quote(delimiter))) {
            if (!value.isEmpty()) {
                values.add(value.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (values.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "--payload-file " + payload.payloadFile
                    + ": no payloads in the file (delimiter '" + payloadDelimiter + "')");
        }
        err.println("Number of messages read: " + values.size());
        return values.toArray(new byte[0][]);
    }

    /** A power of two of slots, enough for the records in flight (at most {@value #MAX_SLOTS}). */
    private Slot[] slots(PerfStats stats, AtomicLong failures, AtomicReference<String> firstFailure, PrintWriter err) {
        int n = (int) Math.min(MAX_SLOTS, Long.highestOneBit(Math.max(1, numRecords - 1)) << 1);
        Slot[] slots = new Slot[Math.max(1, n)];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(stats, failures, firstFailure, err);
        }
        return slots;
    }

    /**
     * The callback of one record in flight, reused once it has completed. The sending thread sets
     * the fields and then sends (the producer hands the callback to its I/O thread under a lock);
     * the I/O thread reads them in {@link #onCompletion} and then marks the slot free.
     */
    private static final class Slot implements Callback {
        private final PerfStats stats;
        private final AtomicLong failures;
        private final AtomicReference<String> firstFailure;
        private final PrintWriter err;
        long startNanos;
        int bytes;
        volatile boolean free = true;

        Slot(PerfStats stats, AtomicLong failures, AtomicReference<String> firstFailure, PrintWriter err) {
            this.stats = stats;
            this.failures = failures;
            this.firstFailure = firstFailure;
            this.err = err;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            long now = System.nanoTime();
            if (exception == null) {
                stats.record((int) TimeUnit.NANOSECONDS.toMillis(now - startNanos), bytes, now);
            } else if (failures.getAndIncrement() == 0) {
                firstFailure.set(ClientTools.describe(exception));
                err.println("error: a record was not sent: " + firstFailure.get() + " (further failures are counted, "
                        + "not printed)");
            }
            free = true;
        }
    }
}
