package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Header;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.OffsetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.OffsetAndTimestamp;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.testkit.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Producer, consumer and admin client against real brokers ({@link EmbeddedCluster}), over the network. */
@Timeout(180)
@ExtendWith(NettyLeaks.class)
class EndToEndTest {
    private static EmbeddedCluster cluster;
    private static RunnelAdmin admin;
    private static final AtomicInteger topicIds = new AtomicInteger();

    @BeforeAll
    static void start() {
        cluster = EmbeddedCluster.start(1, Map.of());
        admin = RunnelAdmin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String newTopic(int partitions) {
        String name = "e2e-" + topicIds.incrementAndGet();
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).get(name).join();
        return name;
    }

    @ParameterizedTest(name = "compression {0}, acks {1}")
    @CsvSource({"none,all", "gzip,all", "snappy,1", "lz4,all", "zstd,0", "none,1", "gzip,0"})
    void everyRecordComesBackExactly(String codec, String acks) {
        String topic = newTopic(3);
        int n = 500;
        long baseTime = System.currentTimeMillis() - 60_000;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "compression.type", codec, "acks", acks, "batch.size", "4096", "linger.ms", "2"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                List<Header> headers = List.of(new Header("i", Integer.toString(i).getBytes(StandardCharsets.UTF_8)),
                        new Header("empty", null));
                futures.add(producer.send(new ProducerRecord<>(topic, i % 3, baseTime + i, i % 10 == 0 ? null : "k" + i,
                        "value-" + i, headers)));
            }
            producer.flush();
        }
        Map<Integer, Long> producedOffsets = new HashMap<>();
        for (int i = 0; i < n; i++) {
            RecordMetadata m = futures.get(i).join();
            assertEquals(i % 3, m.topicPartition().partition());
            if (!acks.equals("0")) {
                producedOffsets.put(i, m.offset());
            }
        }

        try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "auto.offset.reset", "earliest", "max.poll.records", "50", "fetch.max.wait.ms", "100"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2)));
            List<ConsumerRecord<String, String>> records = FakeBrokerClientTest.pollUntil(consumer, n,
                    Duration.ofSeconds(60));
            assertEquals(n, records.size());
            Map<Integer, Long> nextOffset = new HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
                int i = Integer.parseInt(r.value().substring("value-".length()));
                assertEquals(i % 3, r.partition());
                assertEquals(nextOffset.merge(r.partition(), 1L, Long::sum) - 1, r.offset(), "offsets dense and in order");
                assertEquals(i % 10 == 0 ? null : "k" + i, r.key());
                assertEquals(baseTime + i, r.timestamp());
                assertEquals(List.of(new Header("i", Integer.toString(i).getBytes(StandardCharsets.UTF_8)),
                        new Header("empty", null)), r.headers());
                if (producedOffsets.containsKey(i)) {
                    assertEquals(producedOffsets.get(i), r.offset(), "the offset the producer was told");
                }
            }
            assertEquals(Map.of(new TopicPartition(topic, 0), 167L), consumer.endOffsets(List.of(new TopicPartition(topic, 0))));
        }
    }

    @Test
    void adminReportsBrokerErrorsAndDescribesTopics() {
        String topic = newTopic(2);
        RunnelException exists = assertInstanceOf(RunnelException.class, assertThrows(CompletionException.class,
                () -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).get(topic).join()).getCause());
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, exists.errorCode());
        RunnelException invalid = assertInstanceOf(RunnelException.class, assertThrows(CompletionException.class,
                () -> admin.createTopics(List.of(new NewTopic("bad topic!", 1, (short) 1))).get("bad topic!").join())
                .getCause());
        assertEquals(ErrorCode.INVALID_TOPIC, invalid.errorCode());
        assertTrue(admin.listTopics().join().contains(topic));
        assertEquals(2, admin.describeTopics(List.of(topic)).join().get(topic).partitions().size());
        assertEquals(1, admin.describeCluster().join().nodes().size());
        assertEquals(0L, admin.listOffsets(Map.of(new TopicPartition(topic, 1), OffsetSpec.latest())).join()
                .get(new TopicPartition(topic, 1)).offset());
        admin.deleteTopics(List.of(topic)).get(topic).join();
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterATime() throws Exception {
        String topic = newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        long base = System.currentTimeMillis() - 3_600_000;
        try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "batch.size", "200", "linger.ms", "0"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 30; i++) { // several batches, timestamps base, base+10, ... base+290
                producer.send(new ProducerRecord<>(topic, 0, base + 10L * i, null, "v" + i, null)).get();
            }
        }
        try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            Map<TopicPartition, OffsetAndTimestamp> middle = consumer.offsetsForTimes(Map.of(tp, base + 145));
            assertEquals(new OffsetAndTimestamp(15, base + 150), middle.get(tp), "between two records");
            Map<TopicPartition, OffsetAndTimestamp> exact = consumer.offsetsForTimes(Map.of(tp, base + 70));
            assertEquals(new OffsetAndTimestamp(7, base + 70), exact.get(tp), "exactly a record's time");
            Map<TopicPartition, OffsetAndTimestamp> first = consumer.offsetsForTimes(Map.of(tp, base - 1000));
            assertEquals(new OffsetAndTimestamp(0, base), first.get(tp), "before the first record");
            Map<TopicPartition, OffsetAndTimestamp> after = consumer.offsetsForTimes(Map.of(tp, base + 291));
            assertTrue(after.containsKey(tp) && after.get(tp) == null, "after the last record: null, got " + after);
        }
    }
}
