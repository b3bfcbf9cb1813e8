package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.admin.ElectionType;
import io.runnel.client.admin.NewPartitions;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RunnelAdmin#createPartitions} and {@link RunnelAdmin#electLeaders} against a 3-broker
 * cluster: a producer that is already running writes to the added partitions, a consumer reads them.
 */
@Timeout(120)
class AdminPartitionsAndElectionsTest {

    @Test
    void addedPartitionsReachRunningProducersAndConsumers() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of());
             RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                     "default.api.timeout.ms", "30000"))) {
            admin.createTopics(List.of(new NewTopic("expand", 1, (short) 2))).get("expand").join();
            try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                    "max.block.ms", "20000"), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("expand", 0, null, null, "before", List.of())).join();

                admin.createPartitions(Map.of("expand", NewPartitions.increaseTo(3))).get("expand").join();
                TopicDescription grown = admin.describeTopics(List.of("expand")).join().get("expand");
                assertEquals(3, grown.partitions().size());
                assertEquals(List.of(2, 0), grown.partitions().get(2).replicas().stream().map(Node::id).toList(),
                        "round-robin placement of the new partition");

                // The producer's metadata predates the new partitions: it refreshes and writes.
                RecordMetadata written = producer.send(new ProducerRecord<>("expand", 2, null, null, "after", List.of()))
                        .join();
                assertEquals(2, written.topicPartition().partition());
                assertEquals(0L, written.offset());
            }
            try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                    "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition("expand", 2)));
                List<ConsumerRecord<String, String>> records = FakeBrokerClientTest.pollUntil(consumer, 1,
                        Duration.ofSeconds(30));
                assertEquals("after", records.get(0).value());
            }

            RunnelException fewer = failure(() -> admin.createPartitions(Map.of("expand", NewPartitions.increaseTo(2)))
                    .get("expand").join());
            assertEquals(ErrorCode.INVALID_PARTITIONS, fewer.errorCode());
            assertTrue(fewer.getMessage().contains("has 3 partition(s)") && fewer.getMessage().contains("not 2"),
                    fewer.getMessage());
            long start = System.nanoTime();
            RunnelException unknown = failure(() -> admin.createPartitions(Map.of("nope", NewPartitions.increaseTo(2)))
                    .get("nope").join());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown.errorCode());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "not retried until the API timeout");

            Map<TopicPartition, Optional<RunnelException>> results = admin.electLeaders(ElectionType.PREFERRED, null).join();
            for (int p = 0; p < 3; p++) {
                Optional<RunnelException> r = results.get(new TopicPartition("expand", p));
                assertEquals(ErrorCode.ELECTION_NOT_NEEDED, r.orElseThrow().errorCode(), "partition " + p + ": " + results);
            }
            Map<TopicPartition, Optional<RunnelException>> missing = admin.electLeaders(ElectionType.PREFERRED,
                    Set.of(new TopicPartition("expand", 9))).join();
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    missing.get(new TopicPartition("expand", 9)).orElseThrow().errorCode());
        }
    }

    private static RunnelException failure(Runnable call) {
        CompletionException e = assertThrows(CompletionException.class, call::run);
        return assertInstanceOf(RunnelException.class, e.getCause());
    }
}
