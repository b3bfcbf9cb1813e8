package io.runnel.client.admin;

import io.runnel.api.Api;

/**
 * The new partition count of a topic, for {@link RunnelAdmin#createPartitions}.
 *
 * @param totalCount the number of partitions the topic is to have; must be larger than today's
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record NewPartitions(int totalCount) {

    /** Partitions added until the topic has {@code totalCount}. */
    public static NewPartitions increaseTo(int totalCount) {
        return new NewPartitions(totalCount);
    }
}
