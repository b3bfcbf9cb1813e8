package io.runnel.api.election;

import io.runnel.api.Api;
import io.runnel.api.PluginContext;
import io.runnel.api.PluginProvider;

/**
 * Discovers a {@link LeaderElectionPolicy}; selected by {@code leader.election.policy}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface LeaderElectionPolicyProvider extends PluginProvider<PluginContext, LeaderElectionPolicy> {
}
