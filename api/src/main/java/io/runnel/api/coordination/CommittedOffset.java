package io.runnel.api.coordination;

import io.runnel.api.Api;

import static java.util.Objects.requireNonNull;

/**
 * A consumer group's committed position in one partition.
 *
 * @param offset the next offset the group will read
 * @param leaderEpoch the leader epoch of the last record read, or -1
 * @param metadata free text the committer attached
 * @param commitTimestamp when the commit was made, in epoch milliseconds
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
    public CommittedOffset {
        requireNonNull(metadata, "metadata is null");
    }
}
