package io.runnel.plugin.election;

import io.runnel.api.PluginContext;
import io.runnel.api.election.Election;
import io.runnel.api.election.ElectionRequest;
import io.runnel.api.election.LeaderElectionPolicy;
import io.runnel.api.election.LeaderElectionPolicyProvider;

import java.util.Map;
import java.util.Optional;

/**
 * {@code fewest-leaders}, the default leader election:
 * <ul>
 *   <li>a new or leaderless partition gets the live in-sync replica that leads the fewest
 *       partitions now, ties going to the earlier replica in the assignment (so the preferred
 *       leader wins when loads are equal);</li>
 *   <li>with no live in-sync replica: nobody, unless {@code unclean.leader.election.enable} is on,
 *       then the first live replica in assignment order, marked unclean (records may be lost);</li>
 *   <li>a preferred-leader election gets the first replica if it is alive and in sync, else nobody.</li>
 * </ul>
 */
public final class FewestLeadersElectionProvider implements LeaderElectionPolicyProvider {

    @Override
    public String name() {
        return "fewest-leaders";
    }

    @Override
    public String description() {
        return "the live in-sync replica leading the fewest partitions";
    }

    @Override
    public LeaderElectionPolicy create(PluginContext context, Map<String, String> config) {
        return FewestLeadersElectionProvider::elect;
    }

    static Optional<Election> elect(ElectionRequest request) {
        if (request.reason() == ElectionRequest.Reason.PREFERRED) {
            if (request.replicas().isEmpty()) {
                return Optional.empty();
            }
            int preferred = request.replicas().get(0);
            return request.liveBrokers().contains(preferred) && request.isr().contains(preferred)
                    ? Optional.of(Election.clean(preferred)) : Optional.empty();
        }
        Integer best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int replica : request.replicas()) {
            if (!request.isr().contains(replica) || !request.liveBrokers().contains(replica)) {
                continue;
            }
            int load = request.leaderCounts().getOrDefault(replica, 0);
            if (load < bestLoad) {
                best = replica;
                bestLoad = load;
            }
        }
        if (best != null) {
            return Optional.of(Election.clean(best));
        }
        if (request.uncleanAllowed()) {
            for (int replica : request.replicas()) {
                if (request.liveBrokers().contains(replica)) {
                    return Optional.of(Election.unclean(replica));
                }
            }
        }
        return Optional.empty();
    }
}
