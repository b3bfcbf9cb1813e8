package io.runnel.api.storage;

import io.runnel.api.Api;
import io.runnel.api.PluginProvider;

/**
 * Discovers a {@link StorageEngine}; selected by {@code storage.engine} (default
 * {@code segmented-log}).
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface StorageEngineProvider extends PluginProvider<StorageContext, StorageEngine> {
}
