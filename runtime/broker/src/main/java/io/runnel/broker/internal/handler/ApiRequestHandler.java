package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.broker.internal.group.GroupCoordinator;
import io.runnel.broker.internal.metadata.ControllerRequests;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.broker.internal.metadata.ProducerIdManager;
import io.runnel.broker.internal.metadata.TopicManager;
import io.runnel.broker.internal.network.RequestHandler;
import io.runnel.broker.internal.partition.ReplicaManager;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.CreatePartitions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.protocol.message.ElectLeaders;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.InitProducerId;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.OffsetForLeaderEpoch;
import io.runnel.protocol.message.Produce;

import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Routes each decoded request to the handler of its API. Runs on the request threads; handlers
 * that wait on the coordination backend or on data return futures instead of blocking.
 */
public final class ApiRequestHandler implements RequestHandler, AutoCloseable {
    private final ProduceHandler produce;
    private final FetchHandler fetch;
    private final ListOffsetsHandler listOffsets;
    private final MetadataHandler metadata;
    private final TopicsHandler topics;
    private final ProducerIdManager producerIds;
    private final OffsetForLeaderEpochHandler offsetForLeaderEpoch;
    private final AdminHandler admin;
    private final ConfigsHandler configs;
    private final GroupCoordinator groups;

    public ApiRequestHandler(ReplicaManager replicas, MetadataCache cache, TopicManager topicManager,
                             ProducerIdManager producerIds, ControllerRequests controllerRequests,
                             Map<Integer, CompressionCodec> codecs, boolean autoCreateTopics,
                             ScheduledExecutorService timer, Executor requestThreads, ConfigsHandler configs,
                             GroupCoordinator groups) {
        this.produce = new ProduceHandler(replicas, cache, timer, requestThreads);
        this.offsetForLeaderEpoch = new OffsetForLeaderEpochHandler(replicas, cache);
        this.fetch = new FetchHandler(replicas, cache, timer, requestThreads);
        this.listOffsets = new ListOffsetsHandler(replicas, cache, codecs);
        this.metadata = new MetadataHandler(cache, topicManager, autoCreateTopics);
        this.topics = new TopicsHandler(topicManager, cache, replicas);
        this.producerIds = producerIds;
        this.admin = new AdminHandler(cache, controllerRequests, replicas);
        this.configs = configs;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<Optional<Message>> handle(Messages.Request request, SocketAddress client) {
        return switch (request.apiKey()) {
            case PRODUCE -> produce.handle((Produce.Request) request.body());
            case FETCH -> fetch.handle((Fetch.Request) request.body());
            case LIST_OFFSETS -> CompletableFuture.completedFuture(listOffsets.handle((ListOffsets.Request) request.body()));
            case METADATA -> CompletableFuture.completedFuture(metadata.handle((Metadata.Request) request.body()));
            case API_VERSIONS -> CompletableFuture.completedFuture(Optional.of(ApiVersions.Response.ofThisBuild()));
            case CREATE_TOPICS -> topics.create((CreateTopics.Request) request.body());
            case DELETE_TOPICS -> topics.delete((DeleteTopics.Request) request.body());
            case INIT_PRODUCER_ID -> initProducerId((InitProducerId.Request) request.body());
            case OFFSET_FOR_LEADER_EPOCH -> CompletableFuture.completedFuture(Optional.of(
                    offsetForLeaderEpoch.handle((OffsetForLeaderEpoch.Request) request.body())));
            case CREATE_PARTITIONS -> admin.createPartitions((CreatePartitions.Request) request.body());
            case ELECT_LEADERS -> admin.electLeaders((ElectLeaders.Request) request.body());
            case DESCRIBE_CONFIGS -> CompletableFuture.completedFuture(Optional.of(
                    configs.handle((DescribeConfigs.Request) request.body())));
            case FIND_COORDINATOR, JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH,
                    DESCRIBE_GROUPS, LIST_GROUPS, DELETE_GROUPS -> groups.handle(request, client);
        };
    }

    /** Answers the requests still waiting (long-polling fetches, acks=all produces); call once the server stopped reading. */
    @Override
    public void close() {
        fetch.completeAll();
        produce.completeAll();
    }

    private CompletableFuture<Optional<Message>> initProducerId(InitProducerId.Request request) {
        if (request.transactionalId() != null) {
            return CompletableFuture.completedFuture(Optional.of(new InitProducerId.Response(
                    ErrorCode.UNSUPPORTED_VERSION.code(), -1, (short) -1)));
        }
        return producerIds.nextId().handle((id, e) -> {
            if (e != null) {
                RunnelException error = Errors.toRunnel(e, "InitProducerId");
                return Optional.of(new InitProducerId.Response(error.errorCode().code(), -1, (short) -1));
            }
            return Optional.of(new InitProducerId.Response(ErrorCode.NONE.code(), id, (short) 0));
        });
    }
}
