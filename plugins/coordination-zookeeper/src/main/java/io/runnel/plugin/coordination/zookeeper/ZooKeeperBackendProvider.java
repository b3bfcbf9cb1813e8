package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.PluginContext;
import io.runnel.api.coordination.CoordinationBackend;
import io.runnel.api.coordination.CoordinationBackendProvider;

import java.util.Map;
import java.util.Set;

/**
 * The default coordination backend, selected with {@code coordination.backend=zookeeper}. Reads
 * {@code zookeeper.connect} ({@code host:port[,host:port...][/chroot]}),
 * {@code zookeeper.session.timeout.ms} and {@code zookeeper.connection.timeout.ms}.
 */
public final class ZooKeeperBackendProvider implements CoordinationBackendProvider {
    public static final String NAME = "zookeeper";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Apache ZooKeeper through Apache Curator";
    }

    @Override
    public Set<String> configKeys() {
        return Set.of("zookeeper.connect", "zookeeper.session.timeout.ms", "zookeeper.connection.timeout.ms");
    }

    @Override
    public CoordinationBackend create(PluginContext context, Map<String, String> config) {
        return new ZooKeeperBackend(context, config);
    }
}
