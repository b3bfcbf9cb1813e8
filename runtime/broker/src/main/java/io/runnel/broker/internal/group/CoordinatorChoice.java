package io.runnel.broker.internal.group;

import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.broker.internal.metadata.MetadataCache;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * Which broker coordinates a group: among the live brokers in this broker's metadata cache, the
 * one with the highest rendezvous hash of the group id and the broker id (64-bit FNV-1a of the
 * group id's UTF-8 bytes, mixed with the broker id). Rendezvous hashing is used so that when a
 * broker goes only its groups move. See {@code docs/broker.md}, "Which broker coordinates a group".
 *
 * <p>Thread safe: stateless apart from the (thread safe) metadata cache it reads.
 */
final class CoordinatorChoice {
    private final int brokerId;
    private final MetadataCache cache;

    CoordinatorChoice(int brokerId, MetadataCache cache) {
        this.brokerId = brokerId;
        this.cache = requireNonNull(cache, "cache is null");
    }

    /** The live broker that coordinates {@code groupId} in this broker's view, if any broker is alive. */
    OptionalInt coordinatorOf(String groupId) {
        return rendezvous(groupId, cache.brokers().stream().map(BrokerRegistration::brokerId).toList());
    }

    /** Whether this broker coordinates {@code groupId} in its own view. */
    boolean isCoordinator(String groupId) {
        OptionalInt coordinator = coordinatorOf(groupId);
        return coordinator.isPresent() && coordinator.getAsInt() == brokerId;
    }

    /** The broker with the highest hash of the group id and its id (rendezvous hashing); empty for no brokers. */
    static OptionalInt rendezvous(String groupId, Collection<Integer> brokerIds) {
        long groupHash = fnv64(groupId);
        int best = -1;
        long bestHash = 0;
        for (int brokerId : brokerIds) {
            long h = mix64(groupHash ^ mix64(brokerId + 0x9E3779B97F4A7C15L));
            if (best == -1 || Long.compareUnsigned(h, bestHash) > 0 || (h == bestHash && brokerId < best)) {
                best = brokerId;
                bestHash = h;
            }
        }
        return best == -1 ? OptionalInt.empty() : OptionalInt.of(best);
    }

    private static long fnv64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
