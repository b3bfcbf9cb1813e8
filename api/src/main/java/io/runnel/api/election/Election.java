package io.runnel.api.election;

import io.runnel.api.Api;

/**
 * A policy's answer.
 *
 * @param leader the broker id of the new leader
 * @param unclean true if the leader was not in the ISR (records may be lost); the controller then
 *     resets the ISR to the new leader alone
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record Election(int leader, boolean unclean) {

    public static Election clean(int leader) {
        return new Election(leader, false);
    }

    public static Election unclean(int leader) {
        return new Election(leader, true);
    }
}
