import io.runnel.api.assignor.PartitionAssignorProvider;
import io.runnel.api.codec.CompressionCodecProvider;
import io.runnel.api.coordination.CoordinationBackendProvider;
import io.runnel.api.election.LeaderElectionPolicyProvider;
import io.runnel.api.placement.ReplicaPlacementPolicyProvider;
import io.runnel.api.storage.StorageEngineProvider;

/**
 * The Runnel runtime core: finds every plugin, isolates third-party ones, refuses broken or
 * conflicting ones, and hands the configured ones to the broker and tools.
 *
 * <p>Built-in plugins are named modules that {@code provides} one of the services below; this
 * module {@code uses} them all, so module resolution binds every built-in plugin on the module
 * path. Third-party plugins are jars (or folders) in the distribution's {@code plugins/} folder,
 * loaded through pf4j into class loaders that share only {@code io.runnel.api} and slf4j with the
 * runtime.
 */
module io.runnel.runtime {
    requires transitive io.runnel.api;
    requires org.pf4j;

    exports io.runnel.runtime;
    exports io.runnel.runtime.config;

    uses StorageEngineProvider;
    uses CompressionCodecProvider;
    uses PartitionAssignorProvider;
    uses LeaderElectionPolicyProvider;
    uses ReplicaPlacementPolicyProvider;
    uses CoordinationBackendProvider;

    // "none" (codec id 0) is part of the runtime: every batch format needs it.
    provides CompressionCodecProvider with io.runnel.runtime.internal.NoCompressionProvider;
}
