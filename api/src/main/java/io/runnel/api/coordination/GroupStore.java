package io.runnel.api.coordination;

import io.runnel.api.Api;
import io.runnel.api.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Consumer groups: the coordinator's group state (members, generation, assignment, as opaque
 * bytes the runtime defines) and committed offsets.
 *
 * <p>Offsets for many partitions are written in one call, which the backend should turn into one
 * round trip. Group state is versioned so that a coordinator that lost its role cannot overwrite
 * the new coordinator's state.
 *
 * <p>Thread safety as for {@link CoordinationBackend}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface GroupStore {

    /** The groups that have stored state or offsets. */
    CompletableFuture<List<String>> listGroups();

    /** The group's state, if any. */
    CompletableFuture<Optional<Versioned<byte[]>>> loadState(String groupId);

    /**
     * Stores the group's state if its version is still {@code expectedVersion} (-1: must not exist).
     *
     * @return the new version; fails with {@link VersionConflictException} otherwise
     */
    CompletableFuture<Integer> storeState(String groupId, byte[] state, int expectedVersion);

    /** Writes the offsets of many partitions at once. */
    CompletableFuture<Void> commitOffsets(String groupId, Map<TopicPartition, CommittedOffset> offsets);

    /** The committed offsets of the group, all partitions if {@code partitions} is empty. */
    CompletableFuture<Map<TopicPartition, CommittedOffset>> fetchOffsets(String groupId,
                                                                        Set<TopicPartition> partitions);

    /** Deletes offsets of the given partitions, all if empty. */
    CompletableFuture<Void> deleteOffsets(String groupId, Set<TopicPartition> partitions);

    /** Deletes the group's state and offsets. */
    CompletableFuture<Void> deleteGroup(String groupId);
}
