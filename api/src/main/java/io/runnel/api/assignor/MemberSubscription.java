package io.runnel.api.assignor;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One group member's side of an assignment: what it subscribes to and what it owns now.
 *
 * @param memberId the member's id in the group
 * @param groupInstanceId the static member id, if the member configured one
 * @param topics the topics the member subscribes to (a pattern is already resolved)
 * @param ownedPartitions the partitions the member owned in the previous generation
 * @param userData opaque bytes the member's assignor sent along, read-only
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record MemberSubscription(String memberId, Optional<String> groupInstanceId, List<String> topics,
                                 List<TopicPartition> ownedPartitions, ByteBuffer userData) {

    public MemberSubscription {
        requireNonNull(memberId, "memberId is null");
        requireNonNull(groupInstanceId, "groupInstanceId is null");
        topics = List.copyOf(topics);
        ownedPartitions = List.copyOf(ownedPartitions);
        userData = userData == null ? ByteBuffer.allocate(0).asReadOnlyBuffer() : userData.asReadOnlyBuffer();
    }

    /** A subscription with no static id, nothing owned and no user data. */
    public static MemberSubscription of(String memberId, List<String> topics) {
        return new MemberSubscription(memberId, Optional.empty(), topics, List.of(), null);
    }
}
