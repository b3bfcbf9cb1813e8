package com.example.runnel.assignor.wholetopic;

import io.runnel.api.PluginContext;
import io.runnel.api.assignor.PartitionAssignor;
import io.runnel.api.assignor.PartitionAssignorProvider;

import java.util.Map;

/**
 * The entry point Runnel finds: a partition assignor named {@code whole-topic}. Brokers offer it
 * once it is listed in {@code group.assignors} (for example
 * {@code group.assignors=range,round-robin,sticky,whole-topic}); consumers ask for it with
 * {@code partition.assignment.strategy=whole-topic}.
 *
 * <p>Providers must be cheap to construct: Runnel instantiates every provider it finds just to
 * list it. The real work happens in {@link #create}.
 */
public final class WholeTopicAssignorProvider implements PartitionAssignorProvider {
    public static final String NAME = "whole-topic";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "each topic wholly to one member (sample plugin)";
    }

    @Override
    public PartitionAssignor create(PluginContext context, Map<String, String> config) {
        // Stateless: one instance serves every group of the broker, from any thread.
        return new WholeTopicAssignor();
    }
}
