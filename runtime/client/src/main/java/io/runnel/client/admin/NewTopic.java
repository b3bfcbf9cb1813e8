package io.runnel.client.admin;

import io.runnel.api.Api;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A topic to create.
 *
 * @param name the topic's name
 * @param numPartitions the number of partitions, or -1 for the broker's default
 * @param replicationFactor the number of replicas, or -1 for the broker's default
 * @param configs topic configuration overrides (e.g. {@code retention.ms}); null is taken as none
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record NewTopic(String name, int numPartitions, short replicationFactor, Map<String, String> configs) {
    public NewTopic {
        requireNonNull(name, "name is null");
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    /** A topic with the broker's default partitions and replication and no overrides. */
    public NewTopic(String name) {
        this(name, -1, (short) -1, Map.of());
    }

    /** A topic with the given partitions and replication factor. */
    public NewTopic(String name, int numPartitions, short replicationFactor) {
        this(name, numPartitions, replicationFactor, Map.of());
    }
}
