package io.runnel.client;

import io.runnel.api.TopicPartition;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Clients follow the cluster: an idempotent producer at acks=all keeps writing while the
 * partition's leader stops, and a consumer reads every record once, in send order.
 */
@Timeout(180)
class FailoverEndToEndTest {

    @Test
    void theProducerFollowsTheLeaderWithoutLossDuplicatesOrReordering() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "3000"))) {
            String bootstrap = cluster.bootstrapServers();
            int leader;
            try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("moving", 1, (short) 3, Map.of("min.insync.replicas", "2"))))
                        .get("moving").join();
                TopicDescription topic = admin.describeTopics(List.of("moving")).join().get("moving");
                leader = topic.partitions().get(0).leader().id();
            }
            int n = 6_000;
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", "1",
                    "batch.size", "4096", "retry.backoff.ms", "50"), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < n; i++) {
                    sent.add(producer.send(new ProducerRecord<>("moving", 0, null, null, "v" + i, List.of())));
                    if (i == n / 3) {
                        sent.get(i).join(); // some records are in before the leader goes
                        cluster.stopBroker(leader);
                    }
                }
                producer.flush();
            }
            for (CompletableFuture<RecordMetadata> f : sent) {
                f.join();
            }
            String survivors = cluster.bootstrapServers();
            try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", survivors, "auto.offset.reset", "earliest"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition("moving", 0)));
                List<ConsumerRecord<String, String>> records = FakeBrokerClientTest.pollUntil(consumer, n, Duration.ofSeconds(60));
                assertEquals(n, records.size(), "every acknowledged record, once");
                for (int i = 0; i < n; i++) {
                    assertEquals("v" + i, records.get(i).value(), "in send order");
                    assertEquals(i, records.get(i).offset());
                }
            }
        }
    }
}
