package io.runnel.api.assignor;

import io.runnel.api.Api;
import io.runnel.api.PluginContext;
import io.runnel.api.PluginProvider;

/**
 * Discovers a {@link PartitionAssignor}. Brokers offer every assignor listed in
 * {@code group.assignors}; each consumer names, in order of preference, the assignors it accepts
 * ({@code partition.assignment.strategy}), and a group uses the first one all its members accept.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface PartitionAssignorProvider extends PluginProvider<PluginContext, PartitionAssignor> {
}
