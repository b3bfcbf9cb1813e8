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
 * At-least-once: process the records of a poll, then commit. A consumer that dies between the two
 * has its partitions taken over from the last commit, so the records it processed but did not
 * commit are read again: duplicates are possible, loss is not. Make processing idempotent (or
 * detect repeats) when duplicates matter.
 *
 * <p>Usage: {@code AtLeastOnceConsumer BOOTSTRAP GROUP TOPIC}; prints each record's value and
 * stops on Ctrl-C.
 */
public final class AtLeastOnceConsumer {
    private AtLeastOnceConsumer() {
    }

    /**
     * Reads {@code topic} as a member of {@code group} until {@code running} turns false.
     *
     * @param processor what to do with each record; it has finished with a record when it returns
     */
    public static void run(String bootstrap, String group, String topic, Consumer<ConsumerRecord<String, String>> processor,
                           AtomicBoolean running) {
        Map<String, String> config = Map.of(
                "bootstrap.servers", bootstrap,
                "group.id", group,
                "enable.auto.commit", "false",     // we commit ourselves, after processing
                "auto.offset.reset", "earliest");  // a new group starts at the beginning
        try (RunnelConsumer<String, String> consumer =
                     new RunnelConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (running.get()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, String> record : records) {
                    processor.accept(record);      // 1. process ...
                }
                if (!records.isEmpty()) {
                    consumer.commitSync();         // 2. ... then commit what was processed
                }
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: AtLeastOnceConsumer BOOTSTRAP GROUP TOPIC");
            System.exit(2);
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.set(false);
            try {
                main.join(); // let the loop finish its commit and leave the group
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        run(args[0], args[1], args[2], record -> System.out.println(record.value()), running);
    }
}
