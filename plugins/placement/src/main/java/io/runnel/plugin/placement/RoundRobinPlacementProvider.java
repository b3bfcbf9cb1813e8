package io.runnel.plugin.placement;

import io.runnel.api.PluginContext;
import io.runnel.api.placement.BrokerInfo;
import io.runnel.api.placement.ReplicaPlacementPolicy;
import io.runnel.api.placement.ReplicaPlacementPolicyProvider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code round-robin}, the default placement: over the live brokers sorted by id (n of them),
 * partition i's first replica (its preferred leader) goes on broker {@code i mod n} and its j-th
 * replica on broker {@code (i + j) mod n}. Leaders and replicas spread evenly, and adding
 * partitions continues the pattern.
 */
public final class RoundRobinPlacementProvider implements ReplicaPlacementPolicyProvider {

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public String description() {
        return "partition i on broker i mod n, its j-th replica on (i + j) mod n";
    }

    @Override
    public ReplicaPlacementPolicy create(PluginContext context, Map<String, String> config) {
        return request -> {
            PlacementChecks.check(request);
            List<Integer> brokers = request.liveBrokers().stream().sorted(Comparator.comparingInt(BrokerInfo::id))
                    .map(BrokerInfo::id).toList();
            int n = brokers.size();
            List<List<Integer>> placement = new ArrayList<>();
            for (int p = 0; p < request.partitionCount(); p++) {
                int i = request.firstPartition() + p;
                List<Integer> replicas = new ArrayList<>();
                for (int j = 0; j < request.replicationFactor(); j++) {
                    replicas.add(brokers.get((i + j) % n));
                }
                placement.add(List.copyOf(replicas));
            }
            return List.copyOf(placement);
        };
    }
}
