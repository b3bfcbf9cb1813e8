package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.record.Header;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.OffsetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.OffsetAndTimestamp;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Producer, consumer and admin client against {@link FakeBroker}: the wire protocol end to end, in one JVM. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeaks.class)
class FakeBrokerClientTest {
    private FakeBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeBroker().topic("t", 3);
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    private Map<String, String> producerConfig(String... more) {
        Map<String, String> config = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrap(), "linger.ms", "5",
                "retry.backoff.ms", "20", "request.timeout.ms", "5000", "delivery.timeout.ms", "20000"));
        for (int i = 0; i < more.length; i += 2) {
            config.put(more[i], more[i + 1]);
        }
        return config;
    }

    private RunnelConsumer<String, String> consumer(String... more) {
        Map<String, String> config = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrap(),
                "auto.offset.reset", "earliest", "fetch.max.wait.ms", "50"));
        for (int i = 0; i < more.length; i += 2) {
            config.put(more[i], more[i + 1]);
        }
        return new RunnelConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until {@code count} records arrived or the deadline passed. */
    static List<ConsumerRecord<String, String>> pollUntil(RunnelConsumer<String, String> consumer, int count,
                                                          Duration within) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                out.add(r);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void producedRecordsComeBackWithKeyValueHeadersTimestampAndOffset(String codec) {
        int n = 300;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        long baseTime = 1_700_000_000_000L;
        try (var producer = new RunnelProducer<>(producerConfig("compression.type", codec, "batch.size", "2048"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                futures.add(producer.send(new ProducerRecord<>("t", i % 3, baseTime + i, "k" + i, "v" + i,
                        List.of(new Header("h", ("x" + i).getBytes(StandardCharsets.UTF_8)), new Header("n", null)))));
            }
            producer.flush();
        }
        Map<TopicPartition, Long> expectedOffset = new HashMap<>();
        for (int i = 0; i < n; i++) {
            RecordMetadata m = futures.get(i).join();
            TopicPartition tp = new TopicPartition("t", i % 3);
            long expected = expectedOffset.merge(tp, 1L, Long::sum) - 1;
            assertEquals(tp, m.topicPartition());
            assertEquals(expected, m.offset(), "offset of record " + i);
            assertEquals(baseTime + i, m.timestamp());
        }
        int stored = broker.batches("t", 0).size();
        assertTrue(stored > 1 && stored < 100, "batched, not one batch per record nor one in all: " + stored);
        if (!codec.equals("none")) {
            assertTrue(broker.batches("t", 0).stream().allMatch(b -> b.compressionId() != 0), "compressed with " + codec);
        }

        try (var consumer = consumer("max.poll.records", "7")) {
            consumer.assign(List.of(new TopicPartition("t", 0), new TopicPartition("t", 1), new TopicPartition("t", 2)));
            List<ConsumerRecord<String, String>> records = pollUntil(consumer, n, Duration.ofSeconds(20));
            assertEquals(n, records.size());
            Map<Integer, Long> next = new HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
                int i = Integer.parseInt(r.key().substring(1));
                assertEquals(i % 3, r.partition());
                assertEquals(next.merge(r.partition(), 1L, Long::sum) - 1, r.offset(), "offsets in order");
                assertEquals("v" + i, r.value());
                assertEquals(baseTime + i, r.timestamp());
                assertEquals(List.of(new Header("h", ("x" + i).getBytes(StandardCharsets.UTF_8)), new Header("n", null)),
                        r.headers());
                assertEquals(("k" + i).length(), r.serializedKeySize());
            }
        }
    }

    @Test
    void aDroppedResponseIsRetriedWithTheSameSequenceAndNoDuplicate() {
        broker.dropProduceResponses.set(1); // appends the first produce request, then closes the connection
        List<RecordMetadata> completions = new CopyOnWriteArrayList<>();
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (var producer = new RunnelProducer<>(producerConfig("batch.size", "200", "linger.ms", "0"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 50; i++) {
                futures.add(producer.send(new ProducerRecord<>("t", 0, null, "k", "v" + i, null),
                        (m, e) -> completions.add(m)));
            }
            producer.flush();
        }
        for (int i = 0; i < 50; i++) {
            assertEquals(i, futures.get(i).join().offset(), "record " + i + " keeps its place");
        }
        // Every callback ran once, with the record's offset. (Their order may differ around the resent
        // batch: a later batch accepted first completes first; docs/client.md says so.)
        List<Long> callbackOffsets = new ArrayList<>(completions.stream().map(RecordMetadata::offset).toList());
        callbackOffsets.sort(null);
        assertEquals(java.util.stream.LongStream.range(0, 50).boxed().toList(), callbackOffsets);
        // stored exactly once, in order
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : broker.batches("t", 0)) {
            batch.records(null).forEach(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("v" + i);
        }
        assertEquals(expected, values);
        // the first batch was sent twice with the same producer id and sequence
        FakeBroker.Appended first = broker.received.get(0);
        assertEquals(1000L, first.producerId());
        assertEquals(0, first.baseSequence());
        assertTrue(broker.received.stream().filter(a -> a.baseSequence() == 0).count() >= 2,
                "the first batch was resent: " + broker.received);
    }

    @Test
    void notLeaderIsRetriedAfterAMetadataRefresh() {
        broker.notLeaderResponses.set(2);
        try (var producer = new RunnelProducer<>(producerConfig(), new StringSerializer(), new StringSerializer())) {
            RecordMetadata m = producer.send(new ProducerRecord<>("t", 1, null, null, "v", null)).join();
            assertEquals(0, m.offset());
        }
        assertEquals(1, broker.batches("t", 1).size());
    }

    @Test
    void acksZeroCompletesOnWriteWithoutOffsets() {
        try (var producer = new RunnelProducer<>(producerConfig("acks", "0"), new StringSerializer(),
                new StringSerializer())) {
            RecordMetadata m = producer.send(new ProducerRecord<>("t", 2, null, "k", "v", null)).join();
            assertEquals(-1, m.offset());
        }
        try (var consumer = consumer()) {
            consumer.assign(List.of(new TopicPartition("t", 2)));
            assertEquals("v", pollUntil(consumer, 1, Duration.ofSeconds(10)).get(0).value());
        }
    }

    @Test
    void aRecordLargerThanMaxRequestSizeFailsBeforeSending() {
        List<Exception> callbackErrors = new ArrayList<>();
        try (var producer = new RunnelProducer<>(producerConfig("max.request.size", "1000"), new StringSerializer(),
                new StringSerializer())) {
            CompletableFuture<RecordMetadata> f = producer.send(new ProducerRecord<>("t", "x".repeat(2000)),
                    (m, e) -> callbackErrors.add(e));
            CompletionException e = assertThrows(CompletionException.class, f::join);
            RunnelException cause = assertInstanceOf(RunnelException.class, e.getCause());
            assertEquals(ErrorCode.MESSAGE_TOO_LARGE, cause.errorCode());
            assertTrue(cause.getMessage().contains("max.request.size=1000"), cause.getMessage());
        }
        assertEquals(1, callbackErrors.size());
        assertEquals(0, broker.produceRequests.get());
    }

    @Test
    void keyedRecordsLandOnTheMurmur2PartitionAndNullKeysStick() {
        try (var producer = new RunnelProducer<>(producerConfig(), new StringSerializer(), new StringSerializer())) {
            for (String key : List.of("a", "b", "c", "d", "e")) {
                int partition = producer.send(new ProducerRecord<>("t", key, "v")).join().topicPartition().partition();
                int expected = (io.runnel.client.internal.producer.Murmur2.hash(key.getBytes(StandardCharsets.UTF_8))
                        & 0x7fffffff) % 3;
                assertEquals(expected, partition, "partition of key " + key);
            }
            List<CompletableFuture<RecordMetadata>> unkeyed = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                unkeyed.add(producer.send(new ProducerRecord<>("t", "v" + i)));
            }
            producer.flush();
            long partitions = unkeyed.stream().map(f -> f.join().topicPartition()).distinct().count();
            assertEquals(1, partitions, "20 small records without a key fit one batch and stick to one partition");
        }
    }

    @Test
    void aBatchWithAnUninstalledCodecFailsNamingTheCodecId() {
        BaseCompressionCodec fake = new BaseCompressionCodec(6, "fake") {
            @Override
            public OutputStream compressing(OutputStream out) {
                return out;
            }

            @Override
            public InputStream decompressing(InputStream in) {
                return in;
            }
        };
        broker.appendRaw("t", 0, new RecordBatchBuilder(fake).append(1L, null, "v".getBytes(StandardCharsets.UTF_8)).build());
        try (var consumer = consumer()) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            RunnelException e = assertThrows(RunnelException.class, () -> pollUntil(consumer, 1, Duration.ofSeconds(10)));
            assertEquals(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, e.errorCode());
            assertTrue(e.getMessage().contains("codec id 6"), e.getMessage());
        }
    }

    @Test
    void outOfRangeWithResetNoneFailsNamingPartitionAndOffset() {
        try (var consumer = consumer("auto.offset.reset", "none")) {
            TopicPartition tp = new TopicPartition("t", 1);
            consumer.assign(List.of(tp));
            consumer.seek(tp, 42);
            RunnelException e = assertThrows(RunnelException.class, () -> pollUntil(consumer, 1, Duration.ofSeconds(10)));
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, e.errorCode());
            assertTrue(e.getMessage().contains("t-1") && e.getMessage().contains("42"), e.getMessage());
        }
    }

    @Test
    void outOfRangeWithResetEarliestStartsAgainFromTheBeginning() {
        try (var producer = new RunnelProducer<>(producerConfig(), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("t", 0, null, null, "first", null)).join();
        }
        try (var consumer = consumer()) {
            TopicPartition tp = new TopicPartition("t", 0);
            consumer.assign(List.of(tp));
            consumer.seek(tp, 99);
            assertEquals("first", pollUntil(consumer, 1, Duration.ofSeconds(10)).get(0).value());
        }
    }

    @Test
    void aCutOffLastBatchIsIgnoredAndFetchedAgainWhole() {
        try (var producer = new RunnelProducer<>(producerConfig("batch.size", "100", "linger.ms", "0"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>("t", 0, null, null, "value-" + i, null));
            }
            producer.flush();
        }
        try (var consumer = consumer("max.partition.fetch.bytes", "300")) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            List<ConsumerRecord<String, String>> records = pollUntil(consumer, 30, Duration.ofSeconds(20));
            assertEquals(30, records.size());
            for (int i = 0; i < 30; i++) {
                assertEquals("value-" + i, records.get(i).value());
                assertEquals(i, records.get(i).offset());
            }
        }
    }

    @Test
    void positionsAndOffsetLookups() {
        try (var producer = new RunnelProducer<>(producerConfig(), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("t", 0, 1000L * (i + 1), null, "v" + i, null));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition("t", 0);
        try (var consumer = consumer("auto.offset.reset", "latest")) {
            consumer.assign(List.of(tp));
            assertEquals(5, consumer.position(tp));
            consumer.seekToBeginning(List.of(tp));
            assertEquals(0, consumer.position(tp));
            consumer.seekToEnd(List.of(tp));
            assertEquals(5, consumer.position(tp));
            assertEquals(Map.of(tp, 0L), consumer.beginningOffsets(List.of(tp)));
            assertEquals(Map.of(tp, 5L), consumer.endOffsets(List.of(tp)));
            Map<TopicPartition, OffsetAndTimestamp> times = consumer.offsetsForTimes(Map.of(tp, 2500L));
            assertEquals(new OffsetAndTimestamp(2, 3000L), times.get(tp));
            assertNull(consumer.offsetsForTimes(Map.of(tp, 99_000L)).get(tp));
            consumer.seek(tp, 3);
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(5));
            assertEquals("v3", records.records(tp).get(0).value());
            assertEquals(3, consumer.partitionsFor("t").size());
        }
    }

    @Test
    void adminCreatesListsDescribesAndReportsBrokerErrors() {
        try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            Map<String, CompletableFuture<Void>> created = admin.createTopics(List.of(new NewTopic("fresh", 2, (short) 1),
                    new NewTopic("t"), new NewTopic("bad/name")));
            created.get("fresh").join();
            RunnelException exists = assertInstanceOf(RunnelException.class,
                    assertThrows(CompletionException.class, () -> created.get("t").join()).getCause());
            assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, exists.errorCode());
            assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
            RunnelException invalid = assertInstanceOf(RunnelException.class,
                    assertThrows(CompletionException.class, () -> created.get("bad/name").join()).getCause());
            assertEquals(ErrorCode.INVALID_TOPIC, invalid.errorCode());

            assertEquals(java.util.Set.of("t", "fresh"), admin.listTopics().join());
            assertEquals(2, admin.describeTopics(List.of("fresh")).join().get("fresh").partitions().size());
            var cluster = admin.describeCluster().join();
            assertEquals(0, cluster.controllerId());
            assertEquals(1, cluster.nodes().size());
            var offsets = admin.listOffsets(Map.of(new TopicPartition("t", 0), OffsetSpec.latest())).join();
            assertEquals(0L, offsets.get(new TopicPartition("t", 0)).offset());
            admin.deleteTopics(List.of("fresh")).get("fresh").join();
            RunnelException unknown = assertInstanceOf(RunnelException.class, assertThrows(CompletionException.class,
                    () -> admin.describeTopics(List.of("fresh")).join()).getCause());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown.errorCode());
        }
    }
}
