package io.runnel.broker.internal.metadata;

import io.runnel.api.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the broker's partitions hear of metadata changes. Called on the backend's listener thread; must not block. */
public interface MetadataListener {
    /** A partition's assignment or state changed (state empty: none written yet, or being deleted). */
    void partitionChanged(TopicPartition partition, List<Integer> replicas, Optional<PartitionState> state,
                          Map<String, String> topicConfig);

    /** A topic was deleted; its partitions' logs go. */
    void topicDeleted(String topic);
}
