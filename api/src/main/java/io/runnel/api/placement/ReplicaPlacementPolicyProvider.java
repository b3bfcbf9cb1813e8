package io.runnel.api.placement;

import io.runnel.api.Api;
import io.runnel.api.PluginContext;
import io.runnel.api.PluginProvider;

/**
 * Discovers a {@link ReplicaPlacementPolicy}; selected by {@code replica.placement.policy}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface ReplicaPlacementPolicyProvider extends PluginProvider<PluginContext, ReplicaPlacementPolicy> {
}
