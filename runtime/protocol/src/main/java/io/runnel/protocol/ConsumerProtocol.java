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
 *   bool     cooperative       the member can rebalance cooperatively (keeps partitions while it rejoins)
 *   [string] topics            empty when a pattern is given
 *   string?  pattern           a java.util.regex pattern matched against whole topic names, or null
 *   [string topic, [int32 partition]] ownedPartitions
 *   bytes?   userData
 *
 * Assignment:
 *   int16    version (0)
 *   int8     rebalanceProtocol 0: eager, 1: cooperative (how this generation's members rebalance next)
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

    /**
     * A member's subscription: a topic list, or a pattern (then {@code topics} is empty); with
     * {@code cooperative} the member supports cooperative rebalancing.
     */
    public record Subscription(List<String> topics, String pattern, List<TopicPartition> ownedPartitions,
                               ByteBuffer userData, boolean cooperative) {
        public Subscription {
            topics = List.copyOf(topics);
            ownedPartitions = List.copyOf(ownedPartitions);
        }

        public static Subscription ofTopics(List<String> topics) {
            return new Subscription(topics, null, List.of(), null, false);
        }

        public static Subscription ofPattern(String pattern) {
            return new Subscription(List.of(), pattern, List.of(), null, false);
        }
    }

    /**
     * A member's partitions in a generation; {@code cooperative}: the generation rebalances
     * cooperatively (on the next rebalance the member keeps its partitions and reports them as owned).
     */
    public record Assignment(List<TopicPartition> partitions, ByteBuffer userData, boolean cooperative) {
        public Assignment {
            partitions = List.copyOf(partitions);
        }
    }

    public static ByteBuffer encodeSubscription(Subscription subscription) {
        ProtocolWriter w = new ProtocolWriter();
        w.int16(VERSION).bool(subscription.cooperative()).array(subscription.topics(), ProtocolWriter::string)
                .nullableString(subscription.pattern());
        writePartitions(w, subscription.ownedPartitions());
        w.nullableBytes(subscription.userData());
        return w.toSend().toBuffer();
    }

    /** @throws io.runnel.api.RunnelException {@code INVALID_REQUEST} for malformed bytes */
    public static Subscription decodeSubscription(ByteBuffer bytes) {
        ProtocolReader r = new ProtocolReader(bytes);
        version(r);
        boolean cooperative = r.bool("cooperative");
        List<String> topics = r.array("topics", x -> x.string("topic"));
        String pattern = r.nullableString("pattern");
        List<TopicPartition> owned = readPartitions(r, "ownedPartitions");
        ByteBuffer userData = r.nullableBytes("userData");
        return new Subscription(topics, pattern, owned, userData, cooperative);
    }

    public static ByteBuffer encodeAssignment(Assignment assignment) {
        ProtocolWriter w = new ProtocolWriter();
        w.int16(VERSION).int8((byte) (assignment.cooperative() ? 1 : 0));
        writePartitions(w, assignment.partitions());
        w.nullableBytes(assignment.userData());
        return w.toSend().toBuffer();
    }

    /** @throws io.runnel.api.RunnelException {@code INVALID_REQUEST} for malformed bytes */
    public static Assignment decodeAssignment(ByteBuffer bytes) {
        ProtocolReader r = new ProtocolReader(bytes);
        version(r);
        byte protocol = r.int8("rebalanceProtocol");
        if (protocol != 0 && protocol != 1) {
            throw ProtocolReader.malformed("rebalanceProtocol is " + protocol + ", not 0 (eager) or 1 (cooperative)");
        }
        List<TopicPartition> partitions = readPartitions(r, "partitions");
        return new Assignment(partitions, r.nullableBytes("userData"), protocol == 1);
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
