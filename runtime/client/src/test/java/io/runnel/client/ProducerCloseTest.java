package io.runnel.client;

import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every record completes, one way or the other, whatever happens around close and callbacks (found by review). */
@Timeout(60)
class ProducerCloseTest {

    @Test
    void aSendWaitingForMemoryWhileTheProducerClosesStillCompletes() throws Exception {
        try (FakeBroker broker = new FakeBroker().topic("t", 1)) {
            broker.produceDelayMs = 2_000;
            var producer = new RunnelProducer<>(Map.of("bootstrap.servers", broker.bootstrap(), "linger.ms", "0",
                    "buffer.memory", "3000"), new StringSerializer(), new StringSerializer());
            String big = "x".repeat(2000);
            producer.send(new ProducerRecord<String, String>("t", 0, null, null, big, List.of()));
            Await.until("the first batch to reach the broker", Duration.ofSeconds(10), broker.produceRequests::get, n -> n >= 1);
            AtomicReference<CompletableFuture<RecordMetadata>> second = new AtomicReference<>();
            Thread sender = new Thread(() -> second.set(
                    producer.send(new ProducerRecord<String, String>("t", 0, null, null, big, List.of()))));
            sender.start();
            Await.until("the second send to wait for memory", Duration.ofSeconds(10), sender::getState,
                    state -> state == Thread.State.TIMED_WAITING || state == Thread.State.WAITING);
            producer.close(Duration.ofMillis(200));
            sender.join(10_000);
            try {
                second.get().get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("the record sent while the producer closed never completed (no success, no failure)");
            } catch (Exception expected) {
                // failed: fine
            }
        }
    }

    @Test
    void aCallbackThrowingAnErrorDoesNotStopTheProducer() throws Exception {
        try (FakeBroker broker = new FakeBroker().topic("t", 1)) {
            var producer = new RunnelProducer<>(Map.of("bootstrap.servers", broker.bootstrap(), "linger.ms", "0"),
                    new StringSerializer(), new StringSerializer());
            CountDownLatch thrown = new CountDownLatch(1);
            producer.send(new ProducerRecord<String, String>("t", 0, null, null, "a", List.of()), (m, e) -> {
                thrown.countDown();
                throw new AssertionError("a failing assertion in a callback");
            });
            assertTrue(thrown.await(10, TimeUnit.SECONDS));
            CompletableFuture<RecordMetadata> next = producer.send(new ProducerRecord<String, String>("t", 0, null, null, "b", List.of()));
            try {
                next.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("the record after the throwing callback never completed: the I/O thread died");
            } finally {
                producer.close(Duration.ofMillis(100));
            }
        }
    }
}
