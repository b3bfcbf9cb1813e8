package io.runnel.runtime;

import io.runnel.api.PluginProvider;
import io.runnel.api.assignor.PartitionAssignorProvider;
import io.runnel.api.codec.CompressionCodecProvider;
import io.runnel.api.coordination.CoordinationBackendProvider;
import io.runnel.api.election.LeaderElectionPolicyProvider;
import io.runnel.api.placement.ReplicaPlacementPolicyProvider;
import io.runnel.api.storage.StorageEngineProvider;

/**
 * The extension points the runtime knows. Adding one means: a provider interface in
 * {@code io.runnel.api}, a constant here, and a {@code uses} line in this module's descriptor.
 */
public enum Spi {
    STORAGE_ENGINE("storage-engine", StorageEngineProvider.class),
    COMPRESSION_CODEC("compression-codec", CompressionCodecProvider.class),
    PARTITION_ASSIGNOR("partition-assignor", PartitionAssignorProvider.class),
    LEADER_ELECTION_POLICY("leader-election-policy", LeaderElectionPolicyProvider.class),
    REPLICA_PLACEMENT_POLICY("replica-placement-policy", ReplicaPlacementPolicyProvider.class),
    COORDINATION_BACKEND("coordination-backend", CoordinationBackendProvider.class);

    private final String label;
    private final Class<? extends PluginProvider<?, ?>> providerType;

    Spi(String label, Class<? extends PluginProvider<?, ?>> providerType) {
        this.label = label;
        this.providerType = providerType;
    }

    /** The name people see, e.g. in {@code runnel plugins}. */
    public String label() {
        return label;
    }

    /** The provider interface that ServiceLoader and plugin jars look up. */
    public Class<? extends PluginProvider<?, ?>> providerType() {
        return providerType;
    }
}
