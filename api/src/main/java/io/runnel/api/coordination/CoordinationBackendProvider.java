package io.runnel.api.coordination;

import io.runnel.api.Api;
import io.runnel.api.PluginContext;
import io.runnel.api.PluginProvider;

/**
 * Discovers a {@link CoordinationBackend}; selected by {@code coordination.backend} (default
 * {@code zookeeper}).
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface CoordinationBackendProvider extends PluginProvider<PluginContext, CoordinationBackend> {
}
