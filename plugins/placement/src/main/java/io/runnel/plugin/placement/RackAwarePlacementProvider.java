package io.runnel.plugin.placement;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginContext;
import io.runnel.api.RunnelException;
import io.runnel.api.placement.BrokerInfo;
import io.runnel.api.placement.ReplicaPlacementPolicy;
import io.runnel.api.placement.ReplicaPlacementPolicyProvider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code rack-aware}: the replicas of a partition go to as many different racks
 * ({@code broker.rack}) as there are, so losing a rack loses at most one replica while racks
 * outnumber the replication factor.
 *
 * <p>The brokers are first listed rack by rack in turn (the first broker of each rack, then the
 * second of each, ...), so that neighbours in the list sit in different racks. Partition i's first
 * replica is the i-th broker of that list; each further replica is the next broker in the list
 * whose rack the partition does not use yet, or, once every rack is used, the next unused broker.
 * Every live broker must have a rack.
 */
public final class RackAwarePlacementProvider implements ReplicaPlacementPolicyProvider {

    @Override
    public String name() {
        return "rack-aware";
    }

    @Override
    public String description() {
        return "replicas of a partition in different racks (broker.rack)";
    }

    @Override
    public ReplicaPlacementPolicy create(PluginContext context, Map<String, String> config) {
        return request -> {
            PlacementChecks.check(request);
            List<BrokerInfo> alternated = alternateRacks(request.liveBrokers());
            int n = alternated.size();
            long racks = alternated.stream().map(b -> b.rack().orElseThrow()).distinct().count();
            List<List<Integer>> placement = new ArrayList<>();
            for (int p = 0; p < request.partitionCount(); p++) {
                int start = (request.firstPartition() + p) % n;
                List<Integer> replicas = new ArrayList<>();
                Set<String> usedRacks = new HashSet<>();
                for (int step = 0; step < n && replicas.size() < request.replicationFactor(); step++) {
                    BrokerInfo candidate = alternated.get((start + step) % n);
                    if (usedRacks.size() < racks && usedRacks.contains(candidate.rack().orElseThrow())) {
                        continue;
                    }
                    replicas.add(candidate.id());
                    usedRacks.add(candidate.rack().orElseThrow());
                }
                for (int step = 0; replicas.size() < request.replicationFactor(); step++) {
                    int id = alternated.get((start + step) % n).id();
                    if (!replicas.contains(id)) {
                        replicas.add(id);
                    }
                }
                placement.add(List.copyOf(replicas));
            }
            return List.copyOf(placement);
        };
    }

    private static List<BrokerInfo> alternateRacks(List<BrokerInfo> brokers) {
        List<Integer> missing = brokers.stream().filter(b -> b.rack().isEmpty()).map(BrokerInfo::id).sorted().toList();
        if (!missing.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_REPLICATION_FACTOR, "rack-aware placement needs broker.rack on "
                    + "every live broker; brokers " + missing + " have none");
        }
        Map<String, List<BrokerInfo>> byRack = new TreeMap<>();
        for (BrokerInfo broker : brokers) {
            byRack.computeIfAbsent(broker.rack().orElseThrow(), r -> new ArrayList<>()).add(broker);
        }
        byRack.values().forEach(list -> list.sort(Comparator.comparingInt(BrokerInfo::id)));
        List<BrokerInfo> alternated = new ArrayList<>();
        Map<String, Integer> next = new LinkedHashMap<>();
        byRack.keySet().forEach(rack -> next.put(rack, 0));
        while (alternated.size() < brokers.size()) {
            for (Map.Entry<String, List<BrokerInfo>> rack : byRack.entrySet()) {
                int index = next.get(rack.getKey());
                if (index < rack.getValue().size()) {
                    alternated.add(rack.getValue().get(index));
                    next.put(rack.getKey(), index + 1);
                }
            }
        }
        return alternated;
    }
}
