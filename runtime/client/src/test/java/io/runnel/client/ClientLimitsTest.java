package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.RecordBatch;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.protocol.message.Fetch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds and limits docs/client.md promises, against a {@link FakeBroker} that can be told
 * never to answer, to answer slowly, and to show what it was asked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(NettyLeaks.class)
class ClientLimitsTest {
    private FakeBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeBroker().topic("t", 3);
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    private RunnelProducer<String, String> producer(String... settings) {
        Map<String, String> config = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrap(),
                "linger.ms", "0", "retry.backoff.ms", "20"));
        for (int i = 0; i < settings.length; i += 2) {
            config.put(settings[i], settings[i + 1]);
        }
        return new RunnelProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** The error a future failed with, waiting at most {@code withinMs}. */
    private static RunnelException failure(CompletableFuture<?> future, long withinMs) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> future.get(withinMs, TimeUnit.MILLISECONDS));
        return assertInstanceOf(RunnelException.class, e.getCause());
    }

    @Test
    void deliveryTimeoutFailsASendTheBrokerNeverAnswersWithinItsBound() throws Exception {
        broker.swallowProduce.set(true);
        long deliveryTimeoutMs = 1000;
        // A request times out after 800 ms and is retried; the retry must not outlive delivery.timeout.ms.
        try (var producer = producer("request.timeout.ms", "800", "delivery.timeout.ms",
                String.valueOf(deliveryTimeoutMs), "enable.idempotence", "false", "acks", "1")) {
            for (String value : List.of("a", "b")) {
                long start = System.nanoTime();
                RunnelException error = failure(producer.send(new ProducerRecord<>("t", 0, null, "k", value, null)),
                        10_000);
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(ErrorCode.REQUEST_TIMED_OUT, error.errorCode(), error.getMessage());
                assertTrue(tookMs >= deliveryTimeoutMs - 50 && tookMs < deliveryTimeoutMs + 400,
                        "failed " + tookMs + " ms after send, delivery.timeout.ms=" + deliveryTimeoutMs + ": " + error.getMessage());
            }
            assertTrue(broker.produceRequests.get() == 0 && broker.batches("t", 0).isEmpty(), "nothing appended");

            // Once the broker answers again, later records of the partition are delivered (without
            // idempotence nothing ties them to the expired ones).
            broker.swallowProduce.set(false);
            RecordMetadata later = producer.send(new ProducerRecord<>("t", 0, null, "k", "c", null))
                    .get(10, TimeUnit.SECONDS);
            assertEquals(0L, later.offset());
            assertEquals(1, broker.batches("t", 0).size());
        }
    }

    @Test
    void anIdempotentProducerDeliversLaterRecordsOfAPartitionAfterASentBatchExpired() throws Exception {
        try (var producer = producer("request.timeout.ms", "300", "delivery.timeout.ms", "3000")) {
            producer.send(new ProducerRecord<>("t", 1, null, null, "warm-up", null)).get(10, TimeUnit.SECONDS);
            broker.swallowProduce.set(true);
            int before = broker.swallowedProduceRequests.get();
            CompletableFuture<RecordMetadata> a = producer.send(new ProducerRecord<>("t", 0, null, null, "a", null));
            // b must go out well after a (so that a expires first while b still has time): wait until a
            // has been sent and timed out three times (request.timeout.ms=300 plus the back-off each).
            io.runnel.testkit.Await.until("a to be sent three times", java.time.Duration.ofSeconds(10),
                    broker.swallowedProduceRequests::get, n -> n >= before + 3);
            // Sent (sequence 1, after a's 0) while a is still unanswered; its requests are not answered either.
            CompletableFuture<RecordMetadata> b = producer.send(new ProducerRecord<>("t", 0, null, null, "b", null));
            assertEquals(ErrorCode.REQUEST_TIMED_OUT, failure(a, 5_000).errorCode());
            broker.swallowProduce.set(false);

            // a's sequence is a gap; b (due to expire 4.5 s after a was sent) and everything after it
            // are delivered all the same.
            assertEquals(0L, b.get(5, TimeUnit.SECONDS).offset());
            assertEquals(1L, producer.send(new ProducerRecord<>("t", 0, null, null, "c", null))
                    .get(10, TimeUnit.SECONDS).offset());
            assertEquals(1L, producer.send(new ProducerRecord<>("t", 1, null, null, "d", null))
                    .get(10, TimeUnit.SECONDS).offset());
        }
        List<String> stored = new ArrayList<>();
        for (RecordBatch batch : broker.batches("t", 0)) {
            batch.records(null).forEach(r -> stored.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
        }
        assertEquals(List.of("b", "c"), stored, "b and c once each, in order; a never written");
        // b's outcome was unknown (its requests went unanswered): it was first resent under its old
        // id and sequence, and only once the broker said it was not written, under the new id from 0.
        List<FakeBroker.Appended> bs = broker.received.stream().filter(x -> x.partition() == 0).toList();
        assertTrue(bs.stream().anyMatch(x -> x.producerId() == 1000L && x.baseSequence() == 1), bs.toString());
        assertEquals(new FakeBroker.Appended("t", 0, 1001L, 0, 1, -1), bs.get(bs.size() - 2), bs.toString());
    }

    @Test
    void closeWithATimeoutReturnsInTimeWhenTheBrokerNeverAnswers() {
        broker.swallowProduce.set(true);
        var producer = producer("request.timeout.ms", "30000", "delivery.timeout.ms", "60000");
        CompletableFuture<RecordMetadata> pending = producer.send(new ProducerRecord<>("t", 0, null, "k", "v", null));
        long start = System.nanoTime();
        producer.close(Duration.ofMillis(500));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs >= 450 && tookMs < 2500, "close(500 ms) took " + tookMs + " ms");
        assertEquals(ErrorCode.NETWORK_EXCEPTION, failure(pending, 1000).errorCode());
        producer.close(Duration.ofMillis(500)); // idempotent
    }

    @Test
    void fetchAsksForTheConfiguredMinBytesMaxWaitAndSizes() {
        try (var consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
                "auto.offset.reset", "earliest", "fetch.min.bytes", "12345", "fetch.max.wait.ms", "321",
                "fetch.max.bytes", "777777", "max.partition.fetch.bytes", "55555"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition("t", 1)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (broker.fetchRequests.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100));
            }
        }
        assertFalse(broker.fetchRequests.isEmpty(), "the consumer fetched");
        for (Fetch.Request fetch : broker.fetchRequests) {
            assertEquals(12345, fetch.minBytes());
            assertEquals(321, fetch.maxWaitMs());
            assertEquals(777777, fetch.maxBytes());
            assertEquals(1, fetch.topics().size());
            assertEquals(55555, fetch.topics().get(0).partitions().get(0).partitionMaxBytes());
        }
    }

    @ParameterizedTest(name = "max.in.flight.requests.per.connection={0}")
    @ValueSource(ints = {1, 5})
    void noMoreProduceRequestsOutstandingPerConnectionThanAllowed(int maxInFlight) throws Exception {
        broker.produceDelayMs = 30;
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (var producer = producer("max.in.flight.requests.per.connection", String.valueOf(maxInFlight),
                "batch.size", "100")) {
            for (int i = 0; i < 120; i++) {
                sent.add(producer.send(new ProducerRecord<>("t", i % 3, null, null, "value-" + i, null)));
            }
            producer.flush();
        }
        for (CompletableFuture<RecordMetadata> f : sent) {
            f.get(1, TimeUnit.SECONDS);
        }
        assertTrue(broker.produceRequests.get() > 5, "several produce requests: " + broker.produceRequests.get());
        if (maxInFlight == 1) {
            assertEquals(1, broker.maxOutstandingProduce.get());
        } else {
            // the broker's count works: with a higher limit the producer does pipeline
            int seen = broker.maxOutstandingProduce.get();
            assertTrue(seen > 1 && seen <= maxInFlight, "at most " + maxInFlight + " outstanding, saw " + seen);
        }
    }
}
