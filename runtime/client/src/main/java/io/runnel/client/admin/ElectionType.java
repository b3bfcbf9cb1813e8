package io.runnel.client.admin;

import io.runnel.api.Api;

/**
 * The kind of leader election {@link RunnelAdmin#electLeaders} asks for.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public enum ElectionType {
    /**
     * Move leadership to the preferred replica (the first of the partition's replicas) if it is
     * alive and in the ISR; {@code ELECTION_NOT_NEEDED} if it leads already,
     * {@code PREFERRED_LEADER_NOT_AVAILABLE} if it cannot.
     */
    PREFERRED((byte) 0),
    /**
     * Elect a leader for a partition that has none, from outside the ISR if no in-sync replica is
     * alive (records may be lost); {@code ELECTION_NOT_NEEDED} if it has a live leader,
     * {@code ELIGIBLE_LEADERS_NOT_AVAILABLE} if no replica is alive.
     */
    UNCLEAN((byte) 1);

    private final byte value;

    ElectionType(byte value) {
        this.value = value;
    }

    /** The value on the wire (ElectLeaders' {@code electionType}). */
    public byte value() {
        return value;
    }
}
