/** Built-in replica placement policies: {@code round-robin} (the default) and {@code rack-aware}. */
module io.runnel.plugin.placement {
    requires io.runnel.api;

    provides io.runnel.api.placement.ReplicaPlacementPolicyProvider
            with io.runnel.plugin.placement.RoundRobinPlacementProvider,
                 io.runnel.plugin.placement.RackAwarePlacementProvider;
}
