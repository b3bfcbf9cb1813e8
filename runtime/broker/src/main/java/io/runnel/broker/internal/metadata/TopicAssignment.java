package io.runnel.broker.internal.metadata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A topic as stored in {@code /brokers/topics/<topic>}: an id unique to this incarnation of the
 * name (a topic deleted and created again gets a new one, so nothing of the old one is mistaken for
 * the new), the replicas of each partition (the first is the preferred leader) and the topic's own
 * configuration.
 *
 * <pre>
 *   id=8c1f0e2a4b7d4e0f9a51c3d2e6f7a8b9
 *   partitions=3
 *   replicas.0=0,1
 *   replicas.1=1,2
 *   replicas.2=2,0
 *   config.retention.ms=86400000
 * </pre>
 */
public record TopicAssignment(String topic, String topicId, Map<Integer, List<Integer>> replicas,
                              Map<String, String> configs) {
    private static final String CONFIG_PREFIX = "config.";

    public TopicAssignment {
        replicas = Map.copyOf(replicas);
        configs = Map.copyOf(configs);
    }

    /** A fresh topic id. */
    public static String newTopicId() {
        return java.util.UUID.randomUUID().toString().replace("-", "");
    }

    public int partitionCount() {
        return replicas.size();
    }

    public byte[] encode() {
        Map<String, String> values = new TreeMap<>();
        values.put("id", topicId);
        values.put("partitions", String.valueOf(replicas.size()));
        replicas.forEach((p, brokers) -> values.put("replicas." + p, ZnodeText.join(brokers)));
        configs.forEach((k, v) -> values.put(CONFIG_PREFIX + k, v));
        return ZnodeText.encode(values);
    }

    public static TopicAssignment decode(String topic, byte[] data) {
        String path = MetadataPaths.topic(topic);
        Map<String, String> values = ZnodeText.decode(data, path);
        int count = ZnodeText.intValue(values, "partitions", path);
        Map<Integer, List<Integer>> replicas = new HashMap<>();
        for (int p = 0; p < count; p++) {
            replicas.put(p, List.copyOf(ZnodeText.intList(values, "replicas." + p, path)));
        }
        Map<String, String> configs = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(CONFIG_PREFIX)) {
                configs.put(k.substring(CONFIG_PREFIX.length()), v);
            }
        });
        return new TopicAssignment(topic, values.getOrDefault("id", ""), replicas, configs);
    }
}
