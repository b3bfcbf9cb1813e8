package com.example.runnel.consumer;

import io.runnel.api.TopicPartition;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.testkit.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs both examples against an in-process cluster, each with a processor that "crashes" (throws)
 * at record v4 and a second run that takes over: at-least-once loses nothing, at-most-once
 * repeats nothing.
 */
@Timeout(120)
class ConsumerExamplesTest {
    private static final int RECORDS = 20;
    private static final List<String> VALUES = IntStream.range(0, RECORDS).mapToObj(i -> "v" + i).toList();

    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = EmbeddedCluster.start(1, Map.of("group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void atLeastOnceLosesNothingWhenProcessingCrashes() {
        String topic = produce("at-least-once", VALUES);
        List<String> processed = new ArrayList<>();
        assertThrows(Crash.class, () -> AtLeastOnceConsumer.run(cluster.bootstrapServers(), "g1", topic,
                crashingAt("v4", processed), new AtomicBoolean(true)));
        AtomicBoolean running = new AtomicBoolean(true);
        AtLeastOnceConsumer.run(cluster.bootstrapServers(), "g1", topic, record -> {
            processed.add(record.value());
            running.set(!processed.containsAll(VALUES));
        }, running);

        // v4 was in a poll that was never committed, so it came again; so may the records before it.
        assertTrue(processed.containsAll(VALUES), "every record processed: " + processed);
        assertCommittedTo("g1", topic, VALUES.size());
    }

    @Test
    void atMostOnceRepeatsNothingWhenProcessingCrashes() {
        String topic = produce("at-most-once", VALUES);
        List<String> processed = new ArrayList<>();
        assertThrows(Crash.class, () -> AtMostOnceConsumer.run(cluster.bootstrapServers(), "g2", topic,
                crashingAt("v4", processed), new AtomicBoolean(true)));
        produce(topic, List.of("w0", "w1", "w2"));
        AtomicBoolean running = new AtomicBoolean(true);
        AtMostOnceConsumer.run(cluster.bootstrapServers(), "g2", topic, record -> {
            processed.add(record.value());
            running.set(!record.value().equals("w2"));
        }, running);

        assertEquals(processed.size(), Set.copyOf(processed).size(), "no record processed twice: " + processed);
        // v4 was in a poll committed before processing: the crash lost it.
        assertFalse(processed.contains("v4"), "v4 is lost: " + processed);
        assertTrue(processed.containsAll(List.of("v0", "v1", "v2", "v3", "w0", "w1", "w2")), processed.toString());
        assertCommittedTo("g2", topic, VALUES.size() + 3);
    }

    /** A processor that records values and throws at the record with value {@code crashAt}. */
    private static Consumer<ConsumerRecord<String, String>> crashingAt(String crashAt, List<String> processed) {
        return record -> {
            if (record.value().equals(crashAt)) {
                throw new Crash();
            }
            processed.add(record.value());
        };
    }

    /** Creates {@code topic} with one partition if needed, and appends the values. */
    private static String produce(String topic, List<String> values) {
        String bootstrap = cluster.bootstrapServers();
        if (values == VALUES) {
            try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).get(topic).join();
            }
        }
        try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", "0"),
                new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, 0, null, null, value, List.of())).join();
            }
        }
        return topic;
    }

    private static void assertCommittedTo(String group, String topic, long offset) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", group), new StringDeserializer(), new StringDeserializer())) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(partition));
            assertEquals(offset, committed.get(partition).offset(),
                    "committed: " + committed.entrySet().stream().map(Object::toString).collect(Collectors.joining()));
        }
    }

    private static final class Crash extends RuntimeException {
    }
}
