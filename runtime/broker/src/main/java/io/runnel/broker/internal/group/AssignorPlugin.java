package io.runnel.broker.internal.group;

import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * An installed assignor with its name and the class loader to run it under (the plugin's, as the
 * thread context class loader).
 */
public record AssignorPlugin(String name, PartitionAssignor assignor, ClassLoader classLoader) {
    public AssignorPlugin {
        requireNonNull(name, "name is null");
        requireNonNull(assignor, "assignor is null");
    }

    Map<String, List<TopicPartition>> assign(Map<String, Integer> partitionsPerTopic,
                                             Map<String, MemberSubscription> subscriptions) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(classLoader);
        try {
            return assignor.assign(partitionsPerTopic, subscriptions);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
