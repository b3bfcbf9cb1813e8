package io.runnel.broker.internal.metadata;

import java.util.Optional;

/** What the broker's partitions hear of metadata changes. Called on the backend's listener thread; must not block. */
public interface MetadataListener {
    /**
     * A partition's assignment or state changed.
     *
     * @param state empty while none is written yet
     */
    void partitionChanged(TopicAssignment topic, int partition, Optional<PartitionState> state);

    /** A topic was deleted; its partitions' logs go. */
    void topicDeleted(String topic);
}
