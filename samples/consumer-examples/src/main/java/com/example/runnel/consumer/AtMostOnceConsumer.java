package com.example.runnel.consumer;

import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * At-most-once: commit the positions after the records of a poll, then process them. A consumer
 * that dies between the two has its partitions taken over from that commit, so the records it had
 * not processed yet are never processed: loss is possible, duplicates are not. Fits data where a
 * gap is better than a repeat (metrics samples, notifications).
 *
 * <p>Usage: {@code AtMostOnceConsumer BOOTSTRAP GROUP TOPIC}; prints each record's value and
 * stops on Ctrl-C.
 */
public final class AtMostOnceConsumer {
    private AtMostOnceConsumer() {
    }

    /**
     * Reads {@code topic} as a member of {@code group} until {@code running} turns false.
     *
     * @param processor what to do with each record; a record is already committed when it gets it
     */
    public static void run(String bootstrap, String group, String topic, Consumer<ConsumerRecord<String, String>> processor,
                           AtomicBoolean running) {
        Map<String, String> config = Map.of(
                "bootstrap.servers", bootstrap,
                "group.id", group,
                "enable.auto.commit", "false",     // we commit ourselves, before processing
                "auto.offset.reset", "earliest");  // a new group starts at the beginning
        try (RunnelConsumer<String, String> consumer =
                     new RunnelConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (running.get()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                consumer.commitSync();             // 1. commit past these records ...
                for (ConsumerRecord<String, String> record : records) {
                    processor.accept(record);      // 2. ... then process them
                }
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: AtMostOnceConsumer BOOTSTRAP GROUP TOPIC");
            System.exit(2);
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.set(false);
            try {
                main.join(); // let the loop finish and leave the group
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        run(args[0], args[1], args[2], record -> System.out.println(record.value()), running);
    }
}
