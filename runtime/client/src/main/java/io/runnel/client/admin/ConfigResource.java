package io.runnel.client.admin;

import io.runnel.api.Api;

import static java.util.Objects.requireNonNull;

/**
 * Something that has a configuration: a topic (by name) or a broker (by id, as a string).
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ConfigResource(Type type, String name) {
    /** The kinds of resource {@link RunnelAdmin#describeConfigs} describes. */
    public enum Type {
        TOPIC,
        BROKER
    }

    public ConfigResource {
        requireNonNull(type, "type is null");
        requireNonNull(name, "name is null");
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }

    public static ConfigResource broker(int id) {
        return new ConfigResource(Type.BROKER, Integer.toString(id));
    }
}
