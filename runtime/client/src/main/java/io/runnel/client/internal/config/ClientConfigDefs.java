package io.runnel.client.internal.config;

import io.runnel.client.internal.config.ConfigDef.Type;

import static io.runnel.client.internal.config.ConfigDef.ANY;
import static io.runnel.client.internal.config.ConfigDef.between;
import static io.runnel.client.internal.config.ConfigDef.oneOf;

/**
 * Every key the producer, the consumer and the admin client read, with default, valid values and
 * documentation: the one place {@code docs/client.md}'s tables come from
 * ({@code ClientConfigDefsTest} checks the doc is current).
 */
public final class ClientConfigDefs {
    private static final String POSITIVE_INT = "1 to 2147483647";
    private static final String NON_NEGATIVE_INT = "0 to 2147483647";
    private static final String NON_NEGATIVE_LONG = "0 to 9223372036854775807";

    private ClientConfigDefs() {
    }

    private static ConfigDef common() {
        return new ConfigDef()
                .define("bootstrap.servers", Type.LIST, null, "host:port,...", v -> !((java.util.List<?>) v).isEmpty(),
                        "Brokers to ask for the cluster's metadata first; after that the client talks to the brokers the metadata names.")
                .define("client.id", Type.STRING, "", "any", ANY,
                        "Sent in every request header, for the brokers' logs.")
                .define("request.timeout.ms", Type.INT, "30000", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "How long to wait for the answer to a request; then the connection is closed and the request retried or failed.")
                .define("retry.backoff.ms", Type.LONG, "100", NON_NEGATIVE_LONG, between(0, Long.MAX_VALUE),
                        "How long to wait before retrying a failed request.")
                .define("metadata.max.age.ms", Type.LONG, "300000", NON_NEGATIVE_LONG, between(0, Long.MAX_VALUE),
                        "Refresh the cluster metadata at least this often, even without errors.");
    }

    /** The producer's keys. Codec plugins' own keys ({@code compression.*}) pass through to them. */
    public static ConfigDef producer() {
        return common()
                .define("acks", Type.STRING, "all", "0, 1, all, -1", oneOf("0", "1", "all", "-1"),
                        "How many replicas must have a batch before the leader answers: 0 (no answer at all), 1 (the leader), all (every in-sync replica).")
                .define("batch.size", Type.INT, "16384", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "Bytes of records batched per partition before the batch is sent; a larger record gets a batch of its own.")
                .define("linger.ms", Type.LONG, "5", NON_NEGATIVE_LONG, between(0, Long.MAX_VALUE),
                        "How long a batch that is not full waits for more records.")
                .define("buffer.memory", Type.LONG, "33554432", "1 to 9223372036854775807", between(1, Long.MAX_VALUE),
                        "Bytes of records waiting to be sent or acknowledged; send() blocks when they are used up.")
                .define("max.block.ms", Type.LONG, "60000", NON_NEGATIVE_LONG, between(0, Long.MAX_VALUE),
                        "How long send() and partitionsFor() may block for buffer memory or metadata before failing with REQUEST_TIMED_OUT.")
                .define("compression.type", Type.STRING, "none", "none, gzip, snappy, lz4, zstd, or an installed codec plugin's name",
                        v -> !((String) v).isBlank(),
                        "Codec for the producer's batches; the broker stores them as they are. The codec's plugin jar must be present.")
                .define("retries", Type.INT, "2147483647", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "How often a batch is resent after a retriable error, within delivery.timeout.ms.")
                .define("delivery.timeout.ms", Type.LONG, "120000", "1 to 9223372036854775807", between(1, Long.MAX_VALUE),
                        "Upper bound on the time from send() to success or failure, retries included.")
                .define("max.in.flight.requests.per.connection", Type.INT, "5", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "Unanswered produce requests per broker; at most 5 with idempotence.")
                .define("enable.idempotence", Type.BOOLEAN, "true", "true, false", ANY,
                        "Number each batch with a producer id and sequence, so that retries never duplicate or reorder records. Needs acks=all and max.in.flight.requests.per.connection <= 5.")
                .define("max.request.size", Type.INT, "1048576", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "Largest produce request, and so largest record; a larger record fails with MESSAGE_TOO_LARGE before it is sent.")
                .defineOptional("partitioner.class", Type.CLASS, "a class implementing io.runnel.client.producer.Partitioner",
                        ANY, "Chooses partitions for records that name none; default: murmur2 of the key, sticky for records without a key.")
                .acceptPrefix("compression.");
    }

    /** The consumer's keys. */
    public static ConfigDef consumer() {
        return common()
                .define("max.poll.records", Type.INT, "500", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "Most records one poll() returns.")
                .define("fetch.min.bytes", Type.INT, "1", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "The broker answers a fetch once this many bytes are ready, or fetch.max.wait.ms has passed.")
                .define("fetch.max.wait.ms", Type.INT, "500", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "Longest time the broker holds a fetch waiting for fetch.min.bytes.")
                .define("fetch.max.bytes", Type.INT, "52428800", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "Most bytes of one fetch answer (the broker still returns a first batch that is larger).")
                .define("max.partition.fetch.bytes", Type.INT, "1048576", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "Most bytes per partition in one fetch answer.")
                .define("auto.offset.reset", Type.STRING, "latest", "latest, earliest, none", oneOf("latest", "earliest", "none"),
                        "Where to start when a partition has no position, or its position is out of range: the log end, the log start, or fail.")
                .define("check.crcs", Type.BOOLEAN, "true", "true, false", ANY,
                        "Check the CRC-32C of every fetched batch.")
                .define("default.api.timeout.ms", Type.INT, "60000", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "Bound for blocking calls that take no timeout: position(), beginningOffsets(), endOffsets(), offsetsForTimes(), partitionsFor(), commitSync(), committed().")
                .defineOptional("group.id", Type.STRING, "a group id without '/' and other than '.' and '..'",
                        v -> !((String) v).isEmpty(),
                        "The consumer group to join with subscribe(), and whose committed offsets commitSync()/committed() use. Required for subscribe() and commits.")
                .define("session.timeout.ms", Type.INT, "45000", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "A member without a heartbeat for this long is removed from the group; must lie within the brokers' group.min/max.session.timeout.ms.")
                .define("heartbeat.interval.ms", Type.INT, "3000", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "How often the background thread sends heartbeats to the coordinator; well below session.timeout.ms (a third at most).")
                .define("max.poll.interval.ms", Type.INT, "300000", POSITIVE_INT, between(1, Integer.MAX_VALUE),
                        "Longest time between poll() calls; a member that takes longer leaves the group (its partitions go to others). Also the rebalance timeout the member sends.")
                .define("partition.assignment.strategy", Type.LIST, "range,sticky", "assignor names: range, round-robin, sticky, or a plugin's",
                        v -> !((java.util.List<?>) v).isEmpty(),
                        "Assignors this member accepts, preferred first; the group uses the first one every member accepts. The coordinator runs it. sticky first gives cooperative rebalances.")
                .define("enable.auto.commit", Type.BOOLEAN, "true", "true, false", ANY,
                        "With a group.id, commit the positions of the assigned partitions every auto.commit.interval.ms from poll(), before giving up partitions, and on close().")
                .define("auto.commit.interval.ms", Type.INT, "5000", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "How often poll() commits positions when enable.auto.commit is true.");
    }

    /** The admin client's keys. */
    public static ConfigDef admin() {
        return common()
                .define("default.api.timeout.ms", Type.INT, "60000", NON_NEGATIVE_INT, between(0, Integer.MAX_VALUE),
                        "Bound for each admin operation, retries included.");
    }
}
