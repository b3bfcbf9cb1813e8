package io.runnel.distribution;

import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fault test's writer: one idempotent {@code acks=all} producer sending the values
 * {@code p<partition>-<n>} to each partition in turn, at a steady rate, and recording every
 * outcome in an {@link AckHistory}. At most {@value #MAX_OUTSTANDING} records wait for their
 * outcome at a time, so an unavailable partition slows the writer instead of queueing without end.
 */
final class FaultProducer implements AutoCloseable {
    private static final int MAX_OUTSTANDING = 2000;
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(120);

    private final RunnelProducer<String, String> producer;
    private final String topic;
    private final AckHistory history;
    private final long nanosPerRecord;
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable crashed;

    FaultProducer(String bootstrap, String topic, AckHistory history, int recordsPerSecond) {
        this.topic = topic;
        this.history = history;
        this.nanosPerRecord = TimeUnit.SECONDS.toNanos(1) / recordsPerSecond;
        this.producer = new RunnelProducer<>(Map.of(
                "bootstrap.servers", bootstrap,
                "client.id", "fault-producer",
                "acks", "all",
                "enable.idempotence", "true",
                "max.in.flight.requests.per.connection", "5",
                "linger.ms", "5",
                "request.timeout.ms", "10000",
                "delivery.timeout.ms", Long.toString(DELIVERY_TIMEOUT.toMillis()),
                "max.block.ms", "60000"), new StringSerializer(), new StringSerializer());
        this.thread = new Thread(this::run, "fault-producer");
    }

    void start() {
        thread.start();
    }

    private void run() {
        long next = System.nanoTime();
        int partition = 0;
        try {
            while (running) {
                outstanding.acquire();
                int p = partition;
                long n = history.nextToSend(p);
                producer.send(new ProducerRecord<>(topic, p, null, null, AckHistory.value(p, n), null), (metadata, error) -> {
                    if (error == null) {
                        history.acked(p, n);
                    } else {
                        history.failed(p, n, error);
                    }
                    outstanding.release();
                });
                partition = (partition + 1) % history.partitions();
                // Pacing, not synchronisation: hold the rate at recordsPerSecond.
                next += nanosPerRecord;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                    next = System.nanoTime(); // fell behind during an outage: do not burst to catch up
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            crashed = t;
        }
    }

    /** Stops sending and waits until every record sent has its outcome (delivery.timeout.ms bounds it). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(70));
        producer.close(DELIVERY_TIMEOUT.plusSeconds(30));
        if (crashed != null) {
            throw new AssertionError("the producer thread failed", crashed);
        }
    }
}
