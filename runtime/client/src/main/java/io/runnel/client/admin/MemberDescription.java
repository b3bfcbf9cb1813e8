package io.runnel.client.admin;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * One member of a consumer group, in a {@link ConsumerGroupDescription}.
 *
 * @param consumerId the member id the coordinator gave it
 * @param clientId its {@code client.id}
 * @param host the address it connects from, as the coordinator sees it ({@code /ip})
 * @param assignment the partitions of the current generation's assignment; empty while the group
 *     rebalances
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record MemberDescription(String consumerId, String clientId, String host, List<TopicPartition> assignment) {
    public MemberDescription {
        requireNonNull(consumerId, "consumerId is null");
        clientId = clientId == null ? "" : clientId;
        host = host == null ? "" : host;
        assignment = List.copyOf(assignment);
    }
}
