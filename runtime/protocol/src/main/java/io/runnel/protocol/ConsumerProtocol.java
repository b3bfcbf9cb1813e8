package io.runnel.protocol;

import io.runnel.api.TopicPartition;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bytes a consumer group's members exchange through the coordinator, opaque to the group
 * protocol: a member's subscription (JoinGroup protocol metadata) and its assignment (SyncGroup).
 *
 * <pre>
 * Subscription:
 *   int16    version (0)
 *   [string] topics            empty when a pattern is given
 *   string?  pattern           a java.util.regex pattern matched against whole topic names, or null
 *   [string topic, [int32 partition]] ownedPartitions
 *   bytes?   userData
 *
 * Assignment:
 *   int16    version (0)
 *   [string topic, [int32 partition]] partitions
 *   bytes?   userData
 * </pre>
 *
 * A reader accepts a higher version and ignores trailing fields it does not know, so members can
 * add fields later. Thread safe (stateless).
 */
public final class ConsumerProtocol {
    public static final short VERSION = 0;

    private ConsumerProtocol() {
    }

    /** A member's subscription: a topic list, or a pattern (then {@code topics} is empty). */
    public record Subscription(List<String> topics, String pattern, List<TopicPartition> ownedPartitions,
                               ByteBuffer userData) {
        public Subscription {
            topics = List.copyOf(topics);
            ownedPartitions = List.copyOf(ownedPartitions);
        }

        public static Subscription ofTopics(List<String> topics) {
            return new Subscription(topics, null, List.of(), null);
        }

        public static Subscription ofPattern(String pattern) {
            return new Subscription(List.of(), pattern, List.of(), null);
        }
    }

    /** A member's partitions in a generation. */
    public record Assignment(List<TopicPartition> partitions, ByteBuffer userData) {
        public Assignment {
            partitions = List.copyOf(partitions);
        }
    }

    public static ByteBuffer encodeSubscription(Subscription subscription) {
        ProtocolWriter w = new ProtocolWriter();
        w.int16(VERSION).array(subscription.topics(), ProtocolWriter::string).nullableString(subscription.pattern());
        writePartitions(w, subscription.ownedPartitions());
        w.nullableBytes(subscription.userData());
        return w.toSend().toBuffer();
    }

    /** @throws io.runnel.api.RunnelException {@code INVALID_REQUEST} for malformed bytes */
    public static Subscription decodeSubscription(ByteBuffer bytes) {
        ProtocolReader r = new ProtocolReader(bytes);
        version(r);
        List<String> topics = r.array("topics", x -> x.string("topic"));
        String pattern = r.nullableString("pattern");
        List<TopicPartition> owned = readPartitions(r, "ownedPartitions");
        ByteBuffer userData = r.nullableBytes("userData");
        return new Subscription(topics, pattern, owned, userData);
    }

    public static ByteBuffer encodeAssignment(Assignment assignment) {
        ProtocolWriter w = new ProtocolWriter();
        w.int16(VERSION);
        writePartitions(w, assignment.partitions());
        w.nullableBytes(assignment.userData());
        return w.toSend().toBuffer();
    }

    /** @throws io.runnel.api.RunnelException {@code INVALID_REQUEST} for malformed bytes */
    public static Assignment decodeAssignment(ByteBuffer bytes) {
        ProtocolReader r = new ProtocolReader(bytes);
        version(r);
        List<TopicPartition> partitions = readPartitions(r, "partitions");
        return new Assignment(partitions, r.nullableBytes("userData"));
    }

    private static void version(ProtocolReader r) {
        short version = r.int16("version");
        if (version < 0) {
            throw ProtocolReader.malformed("consumer protocol version " + version);
        }
    }

    private static void writePartitions(ProtocolWriter w, List<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        w.array(byTopic.entrySet(), (x, e) -> x.string(e.getKey()).int32Array(e.getValue()));
    }

    private static List<TopicPartition> readPartitions(ProtocolReader r, String field) {
        List<TopicPartition> result = new ArrayList<>();
        r.array(field, x -> {
            String topic = x.string("topic");
            for (int p : x.int32Array("partitions")) {
                if (p < 0) {
                    throw ProtocolReader.malformed(field + " has partition " + p + " of " + topic);
                }
                result.add(new TopicPartition(topic, p));
            }
            return topic;
        });
        return result;
    }
}
