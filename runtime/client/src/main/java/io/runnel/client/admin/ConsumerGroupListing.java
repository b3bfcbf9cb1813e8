package io.runnel.client.admin;

import io.runnel.api.Api;

import static java.util.Objects.requireNonNull;

/**
 * One group in the answer of {@link RunnelAdmin#listConsumerGroups}.
 *
 * @param groupId the group id
 * @param state the group's state as its coordinator reports it: {@code Empty},
 *     {@code PreparingRebalance}, {@code CompletingRebalance}, {@code Stable} or {@code Dead}
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ConsumerGroupListing(String groupId, String state) {
    public ConsumerGroupListing {
        requireNonNull(groupId, "groupId is null");
        requireNonNull(state, "state is null");
    }
}
