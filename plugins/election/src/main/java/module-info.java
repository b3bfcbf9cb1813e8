/** Built-in leader election policy: {@code fewest-leaders} (the default). */
module io.runnel.plugin.election {
    requires io.runnel.api;

    provides io.runnel.api.election.LeaderElectionPolicyProvider
            with io.runnel.plugin.election.FewestLeadersElectionProvider;
}
