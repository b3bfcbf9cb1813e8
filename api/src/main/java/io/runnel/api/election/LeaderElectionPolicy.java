package io.runnel.api.election;

import io.runnel.api.Api;

import java.util.Optional;

/**
 * Picks a partition's new leader. Called by the controller when a leader dies, when a partition
 * is created, and for preferred-leader elections.
 *
 * <p>Contract: the answer is one of the partition's replicas that is alive; it is an ISR member
 * unless {@link ElectionRequest#uncleanAllowed()} is true and no ISR member is alive, in which case
 * the policy may pick an out-of-sync replica and must say so with {@link Election#unclean()}. An
 * empty answer means "no leader now": the partition stays offline until the controller asks again.
 *
 * <p>Thread safety: called from the controller's single thread; a policy needs no locking but
 * must not block.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface LeaderElectionPolicy extends AutoCloseable {

    /** Picks the leader, or none. */
    Optional<Election> elect(ElectionRequest request);

    @Override
    default void close() {
    }
}
