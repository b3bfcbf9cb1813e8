package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.coordination.BrokerRegistration;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.PartitionState;
import io.runnel.broker.internal.metadata.TopicManager;
import io.runnel.broker.internal.metadata.TopicNames;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Metadata: the live brokers and the requested topics (all, for a null list) from the metadata
 * cache. A topic that does not exist is created with the broker defaults when both the request and
 * {@code auto.create.topics.enable} allow it; until it has leaders it is answered with
 * {@code LEADER_NOT_AVAILABLE}, which clients retry.
 */
final class MetadataHandler {
    private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);

    /** How long an automatic topic creation waits for the controller. */
    private static final long AUTO_CREATE_TIMEOUT_MS = 30_000;

    private final MetadataCache cache;
    private final TopicManager topics;
    private final boolean autoCreate;

    MetadataHandler(MetadataCache cache, TopicManager topics, boolean autoCreate) {
        this.cache = cache;
        this.topics = topics;
        this.autoCreate = autoCreate;
    }

    Optional<Message> handle(Metadata.Request request) {
        Collection<String> names = request.topics() == null ? cache.topicNames() : request.topics();
        List<Metadata.Topic> answer = new ArrayList<>();
        for (String name : names) {
            answer.add(describe(name, request.allowAutoTopicCreation()));
        }
        return Optional.of(new Metadata.Response(brokers(cache.brokers()), cache.controllerId(), answer));
    }

    static List<Metadata.Broker> brokers(List<BrokerRegistration> live) {
        List<Metadata.Broker> brokers = new ArrayList<>();
        for (BrokerRegistration b : live) {
            String endpoint = b.endpoints().getOrDefault("PLAINTEXT", b.endpoints().values().stream().findFirst().orElse(""));
            int colon = endpoint.lastIndexOf(':');
            if (colon <= 0) {
                continue;
            }
            brokers.add(new Metadata.Broker(b.brokerId(), endpoint.substring(0, colon),
                    Integer.parseInt(endpoint.substring(colon + 1)), b.rack().orElse(null)));
        }
        return brokers;
    }

    private Metadata.Topic describe(String name, boolean allowAutoCreate) {
        Optional<MetadataCache.TopicMetadata> topic = cache.topic(name);
        if (topic.isEmpty()) {
            if (!TopicNames.isValid(name)) {
                return new Metadata.Topic(ErrorCode.INVALID_TOPIC.code(), name, List.of());
            }
            if (allowAutoCreate && autoCreate) {
                topics.autoCreate(name, AUTO_CREATE_TIMEOUT_MS).whenComplete((v, e) -> {
                    if (e != null && !(Errors.toRunnel(e, "auto-create").errorCode() == ErrorCode.TOPIC_ALREADY_EXISTS)) {
                        log.warn("Could not auto-create topic {}: {}", name, Errors.toRunnel(e, "auto-create").getMessage());
                    }
                });
                return new Metadata.Topic(ErrorCode.LEADER_NOT_AVAILABLE.code(), name, List.of());
            }
            return new Metadata.Topic(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), name, List.of());
        }
        MetadataCache.TopicMetadata t = topic.get();
        List<Metadata.Partition> partitions = new ArrayList<>();
        for (int p = 0; p < t.assignment().partitionCount(); p++) {
            List<Integer> replicas = t.assignment().replicas().get(p);
            Optional<PartitionState> state = t.state(p);
            int leader = state.map(PartitionState::leader).orElse(PartitionState.NO_LEADER);
            boolean led = leader != PartitionState.NO_LEADER && cache.isAlive(leader);
            partitions.add(new Metadata.Partition(led ? ErrorCode.NONE.code() : ErrorCode.LEADER_NOT_AVAILABLE.code(), p,
                    led ? leader : PartitionState.NO_LEADER, state.map(PartitionState::leaderEpoch).orElse(-1), replicas,
                    state.map(PartitionState::isr).orElse(List.of())));
        }
        return new Metadata.Topic(ErrorCode.NONE.code(), name, partitions);
    }

}
