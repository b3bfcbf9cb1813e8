package io.runnel.broker.internal.group;

import io.runnel.api.ErrorCode;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.CommittedOffset;
import io.runnel.api.coordination.GroupStore;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.PerTopic;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static io.runnel.broker.internal.group.GroupErrors.errorFor;
import static java.util.Objects.requireNonNull;

/**
 * A group's committed offsets: writes the partitions of an OffsetCommit the coordinator has let
 * through (checking each partition exists and its metadata fits {@code offset.metadata.max.bytes})
 * and answers OffsetFetch from the {@link GroupStore}. Whether a member may commit (its generation)
 * is the coordinator's decision, made before {@link #commit}.
 *
 * <p>Thread safe: no state of its own; the store and the metadata cache are thread safe.
 */
final class GroupOffsets {
    private final GroupStore store;
    private final MetadataCache cache;
    private final GroupConfig config;

    GroupOffsets(GroupStore store, MetadataCache cache, GroupConfig config) {
        this.store = requireNonNull(store, "store is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.config = requireNonNull(config, "config is null");
    }

    /** Stores the commit's offsets of existing partitions; the others are answered UNKNOWN_TOPIC_OR_PARTITION. */
    CompletableFuture<OffsetCommit.Response> commit(OffsetCommit.Request r) {
        Map<TopicPartition, ErrorCode> errors = new HashMap<>();
        Map<TopicPartition, CommittedOffset> accepted = new HashMap<>();
        long now = System.currentTimeMillis();
        for (PerTopic<OffsetCommit.PartitionData> topic : r.topics()) {
            int count = cache.topic(topic.name()).map(t -> t.assignment().partitionCount()).orElse(0);
            for (OffsetCommit.PartitionData p : topic.partitions()) {
                if (p.partition() < 0 || p.partition() >= count) {
                    continue; // answered UNKNOWN_TOPIC_OR_PARTITION below
                }
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                String metadata = p.metadata() == null ? "" : p.metadata();
                if (metadata.getBytes(StandardCharsets.UTF_8).length > config.offsetMetadataMaxBytes()) {
                    errors.put(tp, ErrorCode.OFFSET_METADATA_TOO_LARGE);
                } else {
                    accepted.put(tp, new CommittedOffset(p.offset(), p.leaderEpoch(), metadata, now));
                }
            }
        }
        return store.commitOffsets(r.groupId(), accepted).handle((v, e) -> {
            ErrorCode stored = e == null ? ErrorCode.NONE : errorFor(e, "OffsetCommit " + r.groupId());
            accepted.keySet().forEach(tp -> errors.put(tp, stored));
            return commitAnswer(r, errors, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        });
    }

    /** The answer for every partition of the request: its entry in {@code errors}, else {@code otherwise}. */
    static OffsetCommit.Response commitAnswer(OffsetCommit.Request r, Map<TopicPartition, ErrorCode> errors,
                                              ErrorCode otherwise) {
        List<PerTopic<OffsetCommit.PartitionResult>> topics = new ArrayList<>();
        for (PerTopic<OffsetCommit.PartitionData> topic : r.topics()) {
            List<OffsetCommit.PartitionResult> results = new ArrayList<>();
            for (OffsetCommit.PartitionData p : topic.partitions()) {
                ErrorCode e = p.partition() < 0 ? null : errors.get(new TopicPartition(topic.name(), p.partition()));
                results.add(new OffsetCommit.PartitionResult(p.partition(), (e == null ? otherwise : e).code()));
            }
            topics.add(new PerTopic<>(topic.name(), results));
        }
        return new OffsetCommit.Response(topics);
    }

    /** The committed offsets of the partitions asked for (all of the group's for null topics); -1 where none. */
    CompletableFuture<OffsetFetch.Response> fetch(OffsetFetch.Request r) {
        Set<TopicPartition> wanted = new LinkedHashSet<>();
        if (r.topics() != null) {
            for (PerTopic<Integer> topic : r.topics()) {
                for (int p : topic.partitions()) {
                    if (p < 0) {
                        return CompletableFuture.completedFuture(new OffsetFetch.Response(
                                ErrorCode.INVALID_REQUEST.code(), List.of()));
                    }
                    wanted.add(new TopicPartition(topic.name(), p));
                }
            }
            if (wanted.isEmpty()) {
                return CompletableFuture.completedFuture(new OffsetFetch.Response(ErrorCode.NONE.code(), List.of()));
            }
        }
        return store.fetchOffsets(r.groupId(), wanted).thenApply(found -> {
            Map<String, List<OffsetFetch.PartitionData>> byTopic = new TreeMap<>();
            Set<TopicPartition> answer = r.topics() == null ? new TreeSet<>(found.keySet()) : wanted;
            for (TopicPartition tp : answer) {
                CommittedOffset o = found.get(tp);
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(o == null
                        ? new OffsetFetch.PartitionData(tp.partition(), -1L, -1, null, ErrorCode.NONE.code())
                        : new OffsetFetch.PartitionData(tp.partition(), o.offset(), o.leaderEpoch(), o.metadata(),
                        ErrorCode.NONE.code()));
            }
            List<PerTopic<OffsetFetch.PartitionData>> topics = new ArrayList<>();
            byTopic.forEach((t, p) -> topics.add(new PerTopic<>(t, p)));
            return new OffsetFetch.Response(ErrorCode.NONE.code(), topics);
        }).exceptionally(e -> new OffsetFetch.Response(errorFor(e, "OffsetFetch " + r.groupId()).code(), List.of()));
    }
}
