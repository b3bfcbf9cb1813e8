package io.runnel.client.admin;

import io.runnel.api.Api;
import io.runnel.client.PartitionInfo;

import java.util.List;

/**
 * A topic and its partitions.
 *
 * @param name the topic
 * @param partitions its partitions, sorted by number
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record TopicDescription(String name, List<PartitionInfo> partitions) {
    public TopicDescription {
        partitions = List.copyOf(partitions);
    }
}
