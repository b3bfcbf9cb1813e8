/**
 * A sample partition assignor plugin. The descriptor lets the jar also run as a named module on a
 * module path; dropped into a distribution's plugins/ folder it is loaded by its own class loader
 * instead, and found through META-INF/services.
 */
module com.example.runnel.assignor.wholetopic {
    requires io.runnel.api;

    provides io.runnel.api.assignor.PartitionAssignorProvider
            with com.example.runnel.assignor.wholetopic.WholeTopicAssignorProvider;
}
