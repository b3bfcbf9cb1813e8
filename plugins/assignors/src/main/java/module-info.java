/** Built-in partition assignors: {@code range}, {@code round-robin} and {@code sticky}. */
module io.runnel.plugin.assignor {
    requires io.runnel.api;

    provides io.runnel.api.assignor.PartitionAssignorProvider
            with io.runnel.plugin.assignor.RangeAssignorProvider,
                 io.runnel.plugin.assignor.RoundRobinAssignorProvider,
                 io.runnel.plugin.assignor.StickyAssignorProvider;
}
