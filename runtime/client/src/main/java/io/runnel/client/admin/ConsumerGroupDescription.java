package io.runnel.client.admin;

import io.runnel.api.Api;
import io.runnel.client.Node;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A consumer group as its coordinator describes it ({@link RunnelAdmin#describeConsumerGroups}).
 * A group that does not exist is {@code Empty} with no members, like one whose members all left.
 *
 * @param groupId the group id
 * @param state {@code Empty}, {@code PreparingRebalance}, {@code CompletingRebalance},
 *     {@code Stable} or {@code Dead}
 * @param assignmentStrategy the assignor the group uses (e.g. {@code range}); empty for a group
 *     without members
 * @param coordinator the broker that coordinates the group
 * @param members the members, sorted by consumer id
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ConsumerGroupDescription(String groupId, String state, String assignmentStrategy, Node coordinator,
                                       List<MemberDescription> members) {
    public ConsumerGroupDescription {
        requireNonNull(groupId, "groupId is null");
        requireNonNull(state, "state is null");
        assignmentStrategy = assignmentStrategy == null ? "" : assignmentStrategy;
        requireNonNull(coordinator, "coordinator is null");
        members = List.copyOf(members);
    }
}
