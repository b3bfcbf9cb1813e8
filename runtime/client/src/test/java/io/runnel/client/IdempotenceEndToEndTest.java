package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.testkit.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idempotence against a real broker: through a network that loses Produce answers after the
 * broker wrote the records, and with batches the broker refuses for good, every record that
 * succeeds arrives exactly once and in the order it was sent.
 */
@Timeout(180)
@ExtendWith(NettyLeaks.class)
class IdempotenceEndToEndTest {

    /**
     * A record too large for the topic is refused (MESSAGE_TOO_LARGE) while the batches after it
     * were already numbered and sent: the producer takes a new producer id and renumbers them, so
     * they are delivered, once each and in order, long before delivery.timeout.ms.
     */
    @Test
    void aBatchRefusedForGoodDoesNotStrandTheLaterBatchesOfItsPartition() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1, Map.of())) {
            String bootstrap = cluster.bootstrapServers();
            try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("small", 1, (short) 1, Map.of("max.message.bytes", "2000"))))
                        .get("small").join();
            }
            int n = 400;
            List<Integer> large = List.of(100, 250); // two refusals: the second under the producer's second id
            List<String> expected = new ArrayList<>();
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            long deliveryTimeoutMs = 30_000;
            long start = System.nanoTime();
            try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", "0",
                    "batch.size", "256", "delivery.timeout.ms", String.valueOf(deliveryTimeoutMs)),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < n; i++) {
                    String value = large.contains(i) ? "L" + i + "-" + "x".repeat(3_000) : "v" + i + "-" + "y".repeat(40);
                    if (!large.contains(i)) {
                        expected.add(value);
                    }
                    sent.add(producer.send(new ProducerRecord<>("small", 0, null, null, value, List.of())));
                }
                for (int i = 0; i < n; i++) {
                    if (large.contains(i)) {
                        CompletionException e = assertThrows(CompletionException.class, sent.get(i)::join);
                        RunnelException cause = assertInstanceOf(RunnelException.class, e.getCause());
                        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, cause.errorCode(), cause.getMessage());
                    } else {
                        sent.get(i).join();
                    }
                }
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 10_000, "every record answered within " + tookMs + " ms, delivery.timeout.ms="
                    + deliveryTimeoutMs);

            TopicPartition tp = new TopicPartition("small", 0);
            try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset",
                    "earliest", "fetch.max.wait.ms", "100"), new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(tp));
                List<ConsumerRecord<String, String>> records = FakeBrokerClientTest.pollUntil(consumer, expected.size(),
                        Duration.ofSeconds(30));
                assertEquals(expected, records.stream().map(ConsumerRecord::value).toList(),
                        "every small record once, in send order");
                assertEquals(Map.of(tp, (long) expected.size()), consumer.endOffsets(List.of(tp)), "nothing else stored");
            }
        }
    }

    @Test
    void retriesAfterLostAnswersNeitherDuplicateNorReorder() throws Exception {
        try (LossyProxy proxy = new LossyProxy(7);
             EmbeddedCluster cluster = EmbeddedCluster.start(1,
                     Map.of("advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port()))) {
            proxy.start(cluster.broker(0).boundAddress());
            String bootstrap = "127.0.0.1:" + proxy.port();
            try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("lossy", 2, (short) 1))).get("lossy").join();
            }
            int n = 3_000;
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", "1",
                    "batch.size", "2048", "max.in.flight.requests.per.connection", "5", "retry.backoff.ms", "20"),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < n; i++) {
                    sent.add(producer.send(new ProducerRecord<>("lossy", i % 2, null, null, "v" + i, List.of())));
                }
                producer.flush();
            }
            for (CompletableFuture<RecordMetadata> f : sent) {
                f.join();
            }
            assertTrue(proxy.dropped() > 0, "the proxy lost at least one answer");

            try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.broker(0).advertisedAddress()
                    .replace(String.valueOf(proxy.port()), String.valueOf(cluster.broker(0).boundAddress().getPort())),
                    "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                List<TopicPartition> partitions = List.of(new TopicPartition("lossy", 0), new TopicPartition("lossy", 1));
                // Every record once: the log ends exactly at n/2 per partition.
                assertEquals(Map.of(partitions.get(0), (long) n / 2, partitions.get(1), (long) n / 2),
                        consumer.endOffsets(partitions));
            }
            try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest",
                    "fetch.max.wait.ms", "100"), new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition("lossy", 0), new TopicPartition("lossy", 1)));
                List<ConsumerRecord<String, String>> records = FakeBrokerClientTest.pollUntil(consumer, n, Duration.ofSeconds(60));
                assertEquals(n, records.size());
                int[] expectedNext = {0, 1};
                for (ConsumerRecord<String, String> r : records) {
                    int i = Integer.parseInt(r.value().substring(1));
                    assertEquals(expectedNext[r.partition()], i, "in send order, without duplicates, on partition "
                            + r.partition());
                    expectedNext[r.partition()] += 2;
                    assertEquals((long) i / 2, r.offset());
                }
            }
        }
    }
}
