package io.runnel.client.admin;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.internal.config.ClientConfigDefs;
import io.runnel.client.internal.config.ConfigDef;
import io.runnel.client.internal.network.Cluster;
import io.runnel.client.internal.network.MetadataManager;
import io.runnel.client.internal.network.NetworkClient;
import io.runnel.client.internal.network.OffsetLookup;
import io.runnel.protocol.ConsumerProtocol;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.CreatePartitions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteGroups;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.DescribeGroups;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.protocol.message.ElectLeaders;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.protocol.message.ListGroups;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.PerTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Manages topics and inspects a cluster. Every operation is asynchronous: it returns futures,
 * completed on the admin client's own thread (never on a network thread), and failed with a
 * {@link RunnelException} carrying the broker's {@link ErrorCode} and message (for example
 * {@link ErrorCode#TOPIC_ALREADY_EXISTS} or {@link ErrorCode#INVALID_TOPIC}). Retriable failures
 * (a controller that moved, a broker that went away) are retried within
 * {@code default.api.timeout.ms}.
 *
 * <pre>{@code
 * try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", "localhost:9092"))) {
 *     admin.createTopics(List.of(new NewTopic("events", 3, (short) 1))).get("events").join();
 * }
 * }</pre>
 *
 * <p>Thread safe.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class RunnelAdmin implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunnelAdmin.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final NetworkClient network;
    private final MetadataManager metadata;
    private final OffsetLookup offsets;
    private final ExecutorService completions;
    private final int requestTimeoutMs;
    private final long retryBackoffMs;
    private final long apiTimeoutMs;
    private volatile boolean closed;

    private RunnelAdmin(ConfigDef.Values values) {
        String clientId = values.getString("client.id");
        if (clientId.isEmpty()) {
            clientId = "admin-" + IDS.incrementAndGet();
        }
        this.requestTimeoutMs = values.getInt("request.timeout.ms");
        this.retryBackoffMs = values.getLong("retry.backoff.ms");
        this.apiTimeoutMs = values.getInt("default.api.timeout.ms");
        this.network = new NetworkClient(clientId, requestTimeoutMs, "runnel-" + clientId + "-network");
        this.metadata = new MetadataManager(network, MetadataManager.parseBootstrap(values.getList("bootstrap.servers")),
                requestTimeoutMs, values.getLong("metadata.max.age.ms"), false);
        this.offsets = new OffsetLookup(network, metadata, requestTimeoutMs, retryBackoffMs);
        String threadName = "runnel-" + clientId + "-completions";
        this.completions = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Creates an admin client.
     *
     * @throws RunnelException {@link ErrorCode#INVALID_CONFIG} naming the key and value for an
     *     unknown key or a bad value
     */
    public static RunnelAdmin create(Map<String, String> config) {
        return new RunnelAdmin(ClientConfigDefs.admin().parse(requireNonNull(config, "config is null")));
    }

    /** Creates topics on the controller; one future per topic name. */
    public Map<String, CompletableFuture<Void>> createTopics(Collection<NewTopic> topics) {
        requireNonNull(topics, "topics is null");
        Map<String, CompletableFuture<Void>> futures = new LinkedHashMap<>();
        List<CreateTopics.Topic> request = new ArrayList<>();
        for (NewTopic t : topics) {
            futures.put(t.name(), new CompletableFuture<>());
            request.add(new CreateTopics.Topic(t.name(), t.numPartitions(), t.replicationFactor(), t.configs()));
        }
        Function<List<CreateTopics.Topic>, Message> build = ts -> new CreateTopics.Request(ts, serverTimeoutMs(), false);
        // A topic whose creation timed out may still be created: sent again, it would fail as existing.
        perTopic(request, CreateTopics.Topic::name, build, r -> ((CreateTopics.Response) r).topics(), futures, deadline(),
                code -> code.retriable() && code != ErrorCode.REQUEST_TIMED_OUT);
        return futures;
    }

    /** Deletes topics on the controller; one future per topic name. */
    public Map<String, CompletableFuture<Void>> deleteTopics(Collection<String> topics) {
        requireNonNull(topics, "topics is null");
        Map<String, CompletableFuture<Void>> futures = new LinkedHashMap<>();
        for (String t : topics) {
            futures.put(t, new CompletableFuture<>());
        }
        Function<List<String>, Message> build = ts -> new DeleteTopics.Request(ts, requestTimeoutMs);
        perTopic(new ArrayList<>(futures.keySet()), t -> t, build, r -> ((DeleteTopics.Response) r).topics(), futures,
                deadline());
        return futures;
    }

    /**
     * Adds partitions to topics: each topic gets partitions until it has
     * {@link NewPartitions#totalCount()}, their replicas placed by the cluster's
     * {@code replica.placement.policy}. One future per topic name; it fails with
     * {@link ErrorCode#INVALID_PARTITIONS} if the count is not larger than the topic's, with
     * {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION} if the topic does not exist. Producers and
     * consumers see the new partitions at their next metadata refresh.
     *
     * @since 0.1
     */
    public Map<String, CompletableFuture<Void>> createPartitions(Map<String, NewPartitions> newPartitions) {
        requireNonNull(newPartitions, "newPartitions is null");
        Map<String, CompletableFuture<Void>> futures = new LinkedHashMap<>();
        List<CreatePartitions.Topic> request = new ArrayList<>();
        newPartitions.forEach((name, np) -> {
            requireNonNull(name, "topic name is null");
            requireNonNull(np, "NewPartitions of " + name + " is null");
            futures.put(name, new CompletableFuture<>());
            request.add(new CreatePartitions.Topic(name, np.totalCount()));
        });
        Function<List<CreatePartitions.Topic>, Message> build = ts -> new CreatePartitions.Request(ts, serverTimeoutMs(), false);
        // Not retried: an unknown topic stays unknown, and a timed-out request may still have added the partitions.
        perTopic(request, CreatePartitions.Topic::name, build, r -> ((CreatePartitions.Response) r).results(), futures,
                deadline(), code -> code.retriable() && code != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                        && code != ErrorCode.REQUEST_TIMED_OUT);
        return futures;
    }

    /**
     * Asks the controller for leader elections. {@code partitions} null means every partition of
     * every topic. The future completes with one entry per partition: empty if a new leader was
     * elected, else the partition's error, e.g. {@link ErrorCode#ELECTION_NOT_NEEDED} (the
     * preferred replica leads already), {@link ErrorCode#PREFERRED_LEADER_NOT_AVAILABLE} (it is
     * not alive or not in the ISR), {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION}. The future
     * itself fails only if no broker answered within {@code default.api.timeout.ms}.
     *
     * @since 0.1
     */
    public CompletableFuture<Map<TopicPartition, Optional<RunnelException>>> electLeaders(ElectionType type,
                                                                                         Set<TopicPartition> partitions) {
        requireNonNull(type, "type is null");
        List<PerTopic<Integer>> wanted = null;
        if (partitions != null) {
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            for (TopicPartition tp : partitions) {
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
            }
            wanted = new ArrayList<>();
            for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
                wanted.add(new PerTopic<>(e.getKey(), e.getValue()));
            }
        }
        ElectLeaders.Request request = new ElectLeaders.Request(type.value(), wanted, serverTimeoutMs());
        CompletableFuture<Map<TopicPartition, Optional<RunnelException>>> result = new CompletableFuture<>();
        electLeaders(request, result, deadline());
        return result;
    }

    private void electLeaders(ElectLeaders.Request request,
                              CompletableFuture<Map<TopicPartition, Optional<RunnelException>>> result, long deadlineNanos) {
        controller(deadlineNanos).thenCompose(target -> network.send(target, request, requestTimeoutMs))
                .whenComplete((response, error) -> {
                    RunnelException failure = null;
                    if (error == null) {
                        ElectLeaders.Response answer = (ElectLeaders.Response) response;
                        ErrorCode top = ErrorCode.forCode(answer.errorCode());
                        if (top == ErrorCode.NONE) {
                            Map<TopicPartition, Optional<RunnelException>> out = new LinkedHashMap<>();
                            for (PerTopic<ElectLeaders.PartitionResult> topic : answer.results()) {
                                for (ElectLeaders.PartitionResult p : topic.partitions()) {
                                    ErrorCode code = ErrorCode.forCode(p.errorCode());
                                    out.put(new TopicPartition(topic.name(), Math.max(0, p.partition())),
                                            code == ErrorCode.NONE ? Optional.empty() : Optional.of(code.exception(
                                                    p.errorMessage() != null ? p.errorMessage() : code.description())));
                                }
                            }
                            later(() -> result.complete(out), 0);
                            return;
                        }
                        failure = top.exception("leader election: " + top.description());
                    } else {
                        failure = unwrap(error);
                    }
                    if (failure.retriable() && System.nanoTime() - deadlineNanos < 0 && !closed) {
                        metadata.refresh().whenComplete((c, x) -> later(() -> electLeaders(request, result, deadlineNanos)));
                    } else {
                        RunnelException e = failure;
                        later(() -> result.completeExceptionally(e), 0);
                    }
                });
    }

    /**
     * The timeout a request that waits on the controller gives the broker: less than this
     * client's {@code request.timeout.ms}, so the broker's answer (a timeout error included)
     * arrives before the client gives up on the connection.
     */
    private int serverTimeoutMs() {
        return Math.max(1, requestTimeoutMs - Math.min(5_000, requestTimeoutMs / 4));
    }

    /**
     * Sends a per-topic request to the controller and completes each topic's future with its
     * result; topics answered with a retriable error (NOT_CONTROLLER) or lost with a connection
     * are sent again after a metadata refresh, until the deadline.
     */
    private <T> void perTopic(List<T> items, Function<T, String> name, Function<List<T>, Message> build,
                              Function<Message, List<CreateTopics.Result>> results,
                              Map<String, CompletableFuture<Void>> futures, long deadlineNanos) {
        perTopic(items, name, build, results, futures, deadlineNanos, ErrorCode::retriable);
    }

    private <T> void perTopic(List<T> items, Function<T, String> name, Function<List<T>, Message> build,
                              Function<Message, List<CreateTopics.Result>> results,
                              Map<String, CompletableFuture<Void>> futures, long deadlineNanos,
                              java.util.function.Predicate<ErrorCode> retryOn) {
        if (items.isEmpty()) {
            return;
        }
        controller(deadlineNanos).thenCompose(target -> network.send(target, build.apply(items), requestTimeoutMs))
                .whenComplete((response, error) -> {
                    if (error != null) {
                        RunnelException e = unwrap(error);
                        if (e.retriable() && System.nanoTime() - deadlineNanos < 0 && !closed) {
                            metadata.refresh().whenComplete((c, x) -> later(() ->
                                    perTopic(items, name, build, results, futures, deadlineNanos, retryOn)));
                        } else {
                            items.forEach(t -> fail(futures.get(name.apply(t)), e));
                        }
                        return;
                    }
                    List<T> retry = new ArrayList<>();
                    Map<String, T> byName = new HashMap<>();
                    items.forEach(t -> byName.put(name.apply(t), t));
                    for (CreateTopics.Result r : results.apply(response)) {
                        CompletableFuture<Void> future = futures.get(r.name());
                        if (future == null) {
                            continue;
                        }
                        ErrorCode code = ErrorCode.forCode(r.errorCode());
                        if (code == ErrorCode.NONE) {
                            succeed(future);
                        } else if (retryOn.test(code) && System.nanoTime() - deadlineNanos < 0 && byName.containsKey(r.name())) {
                            retry.add(byName.get(r.name()));
                        } else {
                            fail(future, code.exception(r.errorMessage() != null ? r.errorMessage()
                                    : "topic " + r.name() + ": " + code.description()));
                        }
                        byName.remove(r.name());
                    }
                    byName.forEach((n, t) -> fail(futures.get(n), new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR,
                            "the broker's answer has no result for topic " + n)));
                    if (!retry.isEmpty()) {
                        metadata.refresh().whenComplete((c, x) -> later(() ->
                                perTopic(retry, name, build, results, futures, deadlineNanos, retryOn)));
                    }
                });
    }

    /**
     * The controller's address (any broker while none is known). While the metadata names no
     * broker at all (a cluster still starting), asks again after retry.backoff.ms until the deadline.
     */
    private CompletableFuture<InetSocketAddress> controller(long deadlineNanos) {
        Cluster cluster = metadata.cluster();
        if (!cluster.nodes().isEmpty()) {
            return CompletableFuture.completedFuture(controllerOf(cluster));
        }
        return metadata.refresh().thenCompose(refreshed -> {
            if (!refreshed.nodes().isEmpty() || System.nanoTime() + retryBackoffMs * 1_000_000 - deadlineNanos >= 0) {
                return CompletableFuture.completedFuture(controllerOf(refreshed));
            }
            CompletableFuture<InetSocketAddress> next = new CompletableFuture<>();
            later(() -> controller(deadlineNanos).whenComplete((address, e) -> {
                if (e != null) {
                    next.completeExceptionally(e);
                } else {
                    next.complete(address);
                }
            }));
            return next;
        });
    }

    private InetSocketAddress controllerOf(Cluster cluster) {
        Node controller = cluster.nodes().get(cluster.controllerId());
        if (controller == null) {
            controller = cluster.nodes().values().stream().min(Comparator.comparingInt(Node::id))
                    .orElseThrow(() -> new RunnelException(ErrorCode.BROKER_NOT_AVAILABLE, "the cluster has no brokers"));
        }
        return MetadataManager.address(controller);
    }

    /** The names of all topics. */
    public CompletableFuture<Set<String>> listTopics() {
        return onAdminThread(metadata.fetch(null).thenApply(r -> {
            Set<String> names = new TreeSet<>();
            r.topics().forEach(t -> names.add(t.name()));
            return (Set<String>) java.util.Collections.unmodifiableSet(names);
        }));
    }

    /**
     * Describes topics; fails with {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION} if one does not
     * exist.
     */
    public CompletableFuture<Map<String, TopicDescription>> describeTopics(Collection<String> topics) {
        requireNonNull(topics, "topics is null");
        List<String> names = List.copyOf(topics);
        return onAdminThread(metadata.fetch(names).thenApply(r -> {
            Cluster snapshot = Cluster.from(r, Cluster.EMPTY, System.currentTimeMillis());
            Map<String, TopicDescription> out = new LinkedHashMap<>();
            for (String name : names) {
                List<PartitionInfo> partitions = snapshot.partitions(name);
                if (partitions == null) {
                    ErrorCode code = snapshot.topicErrors().getOrDefault(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                    throw code.exception("topic " + name + ": " + code.description());
                }
                out.put(name, new TopicDescription(name, partitions));
            }
            return out;
        }));
    }

    /** The offsets asked for, per partition. */
    public CompletableFuture<Map<TopicPartition, ListOffsetsResult>> listOffsets(Map<TopicPartition, OffsetSpec> specs) {
        requireNonNull(specs, "specs is null");
        Map<TopicPartition, Long> timestamps = new HashMap<>();
        specs.forEach((tp, spec) -> timestamps.put(tp, spec.wireTimestamp()));
        return onAdminThread(offsets.lookup(timestamps, deadline()).thenApply(results -> {
            Map<TopicPartition, ListOffsetsResult> out = new HashMap<>();
            results.forEach((tp, r) -> out.put(tp, new ListOffsetsResult(r.offset(),
                    specs.get(tp).wireTimestamp() >= 0 ? r.timestamp() : -1L)));
            return out;
        }));
    }

    /**
     * The configuration in effect of each resource, every key by name (sorted): for a topic, its
     * own settings and the broker defaults it inherits; for a broker, its settings. Topics are
     * described by any broker, a broker by itself. Fails with the first resource's error, for
     * example {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION}.
     */
    public CompletableFuture<Map<ConfigResource, Map<String, ConfigEntry>>> describeConfigs(
            Collection<ConfigResource> resources) {
        requireNonNull(resources, "resources is null");
        List<ConfigResource> topics = resources.stream().filter(r -> r.type() == ConfigResource.Type.TOPIC).toList();
        List<CompletableFuture<Map<ConfigResource, Map<String, ConfigEntry>>>> parts = new ArrayList<>();
        long deadline = deadline();
        if (!topics.isEmpty()) {
            parts.add(controller(deadline).thenCompose(target -> describeConfigs(target, topics)));
        }
        for (ConfigResource broker : resources) {
            if (broker.type() == ConfigResource.Type.BROKER) {
                parts.add(metadata.refresh().thenCompose(cluster -> {
                    Node node;
                    try {
                        node = cluster.nodes().get(Integer.parseInt(broker.name()));
                    } catch (NumberFormatException e) {
                        node = null;
                    }
                    if (node == null) {
                        return CompletableFuture.failedFuture(new RunnelException(ErrorCode.BROKER_NOT_AVAILABLE,
                                "broker " + broker.name() + " is not in the cluster"));
                    }
                    return describeConfigs(MetadataManager.address(node), List.of(broker));
                }));
            }
        }
        return onAdminThread(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<ConfigResource, Map<String, ConfigEntry>> out = new LinkedHashMap<>();
            parts.forEach(part -> out.putAll(part.join()));
            return out;
        }));
    }

    private CompletableFuture<Map<ConfigResource, Map<String, ConfigEntry>>> describeConfigs(InetSocketAddress target,
                                                                                          List<ConfigResource> resources) {
        List<DescribeConfigs.Resource> wire = resources.stream().map(r -> new DescribeConfigs.Resource(
                r.type() == ConfigResource.Type.TOPIC ? DescribeConfigs.TOPIC : DescribeConfigs.BROKER, r.name(), null))
                .toList();
        return network.send(target, new DescribeConfigs.Request(wire), requestTimeoutMs).thenApply(message -> {
            Map<ConfigResource, Map<String, ConfigEntry>> out = new LinkedHashMap<>();
            for (DescribeConfigs.Result result : ((DescribeConfigs.Response) message).results()) {
                if (result.errorCode() != ErrorCode.NONE.code()) {
                    ErrorCode code = ErrorCode.forCode(result.errorCode());
                    throw code.exception(result.errorMessage() != null ? result.errorMessage()
                            : result.name() + ": " + code.description());
                }
                Map<String, ConfigEntry> entries = new TreeMap<>();
                for (DescribeConfigs.Config c : result.configs()) {
                    entries.put(c.name(), new ConfigEntry(c.name(), c.value(), c.isDefault(), c.readOnly(), c.isSensitive()));
                }
                ConfigResource.Type type = result.type() == DescribeConfigs.TOPIC ? ConfigResource.Type.TOPIC
                        : ConfigResource.Type.BROKER;
                out.put(new ConfigResource(type, result.name()), java.util.Collections.unmodifiableMap(entries));
            }
            return out;
        });
    }

    /**
     * Every consumer group of the cluster with its state, sorted by id. A broker lists only the
     * groups it coordinates, so every live broker is asked and the answers merged; fails if one of
     * them does not answer.
     *
     * @since 0.1
     */
    public CompletableFuture<List<ConsumerGroupListing>> listConsumerGroups() {
        return onAdminThread(metadata.refresh().thenCompose(cluster -> {
            List<CompletableFuture<Message>> answers = new ArrayList<>();
            for (Node node : cluster.nodes().values()) {
                answers.add(network.send(MetadataManager.address(node), new ListGroups.Request(), requestTimeoutMs)
                        .thenApply(response -> {
                            ListGroups.Response r = (ListGroups.Response) response;
                            ErrorCode code = ErrorCode.forCode(r.errorCode());
                            if (code != ErrorCode.NONE) {
                                throw code.exception("listing the groups of broker " + node.id() + ": "
                                        + code.description());
                            }
                            return r;
                        }));
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
                Map<String, ConsumerGroupListing> groups = new TreeMap<>();
                for (CompletableFuture<Message> answer : answers) {
                    for (ListGroups.Group g : ((ListGroups.Response) answer.join()).groups()) {
                        groups.put(g.groupId(), new ConsumerGroupListing(g.groupId(), g.state()));
                    }
                }
                return List.copyOf(groups.values());
            });
        }));
    }

    /**
     * Describes consumer groups at their coordinators: state, assignor, coordinator and members
     * with their assignments. One future per group id; a group that does not exist is described
     * as {@code Empty} without members.
     *
     * @since 0.1
     */
    public Map<String, CompletableFuture<ConsumerGroupDescription>> describeConsumerGroups(Collection<String> groupIds) {
        requireNonNull(groupIds, "groupIds is null");
        Map<String, CompletableFuture<ConsumerGroupDescription>> futures = new LinkedHashMap<>();
        for (String groupId : groupIds) {
            requireNonNull(groupId, "group id is null");
            futures.put(groupId, atCoordinator(groupId, new DescribeGroups.Request(List.of(groupId)), (coordinator, m) -> {
                DescribeGroups.Group g = ((DescribeGroups.Response) m).groups().stream()
                        .filter(x -> x.groupId().equals(groupId)).findFirst()
                        .orElseThrow(() -> new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR,
                                "the coordinator's answer has no group " + groupId));
                ErrorCode code = ErrorCode.forCode(g.errorCode());
                if (code != ErrorCode.NONE) {
                    throw code.exception("group " + groupId + ": " + code.description());
                }
                List<MemberDescription> members = new ArrayList<>();
                for (DescribeGroups.Member member : g.members()) {
                    List<TopicPartition> assignment = member.assignment() == null || !member.assignment().hasRemaining()
                            ? List.of() : ConsumerProtocol.decodeAssignment(member.assignment().duplicate()).partitions();
                    members.add(new MemberDescription(member.memberId(), member.clientId(), member.clientHost(),
                            assignment));
                }
                members.sort(Comparator.comparing(MemberDescription::consumerId));
                return new ConsumerGroupDescription(g.groupId(), g.state(), g.protocol(), coordinator, members);
            }, deadline()));
        }
        return futures;
    }

    /**
     * The offsets a group has committed, per partition (partitions without a commit are left out),
     * fetched from its coordinator.
     *
     * @since 0.1
     */
    public CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> listConsumerGroupOffsets(String groupId) {
        requireNonNull(groupId, "groupId is null");
        return atCoordinator(groupId, new OffsetFetch.Request(groupId, null), (coordinator, m) -> {
            OffsetFetch.Response r = (OffsetFetch.Response) m;
            ErrorCode top = ErrorCode.forCode(r.errorCode());
            if (top != ErrorCode.NONE) {
                throw top.exception("offsets of group " + groupId + ": " + top.description());
            }
            Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
            for (PerTopic<OffsetFetch.PartitionData> topic : r.topics()) {
                for (OffsetFetch.PartitionData p : topic.partitions()) {
                    ErrorCode code = ErrorCode.forCode(p.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception("offset of group " + groupId + " for " + topic.name() + "-" + p.partition()
                                + ": " + code.description());
                    }
                    if (p.offset() >= 0) {
                        out.put(new TopicPartition(topic.name(), p.partition()), new OffsetAndMetadata(p.offset(),
                                p.metadata() == null ? "" : p.metadata()));
                    }
                }
            }
            return out;
        }, deadline());
    }

    /**
     * Deletes consumer groups with their committed offsets, at their coordinators. One future per
     * group id; it fails with {@link ErrorCode#NON_EMPTY_GROUP} while the group has members and with
     * {@link ErrorCode#GROUP_ID_NOT_FOUND} if nothing is stored for it.
     *
     * @since 0.1
     */
    public Map<String, CompletableFuture<Void>> deleteConsumerGroups(Collection<String> groupIds) {
        requireNonNull(groupIds, "groupIds is null");
        Map<String, CompletableFuture<Void>> futures = new LinkedHashMap<>();
        for (String groupId : groupIds) {
            requireNonNull(groupId, "group id is null");
            futures.put(groupId, atCoordinator(groupId, new DeleteGroups.Request(List.of(groupId)), (coordinator, m) -> {
                for (DeleteGroups.Result r : ((DeleteGroups.Response) m).results()) {
                    if (r.groupId().equals(groupId)) {
                        ErrorCode code = ErrorCode.forCode(r.errorCode());
                        if (code == ErrorCode.NONE) {
                            return null;
                        }
                        throw code.exception(code == ErrorCode.NON_EMPTY_GROUP ? "group " + groupId + " has active members"
                                : code == ErrorCode.GROUP_ID_NOT_FOUND ? "group " + groupId + " does not exist"
                                : "group " + groupId + ": " + code.description());
                    }
                }
                throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "the coordinator's answer has no result for group "
                        + groupId);
            }, deadline()));
        }
        return futures;
    }

    /**
     * Sets a group's committed offsets (the next offset to read, per partition), as a commit with
     * generation -1 and no member id. The coordinator accepts it only while the group has no
     * members: the future fails with {@link ErrorCode#ILLEGAL_GENERATION} otherwise, and with the
     * first partition's error (e.g. {@link ErrorCode#UNKNOWN_TOPIC_OR_PARTITION}) if one is refused;
     * the other partitions are written.
     *
     * @since 0.1
     */
    public CompletableFuture<Void> alterConsumerGroupOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        requireNonNull(groupId, "groupId is null");
        requireNonNull(offsets, "offsets is null");
        Map<String, List<OffsetCommit.PartitionData>> byTopic = new TreeMap<>();
        offsets.forEach((tp, o) -> {
            requireNonNull(tp, "partition is null");
            requireNonNull(o, "offset of " + tp + " is null");
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(
                    new OffsetCommit.PartitionData(tp.partition(), o.offset(), -1, o.metadata()));
        });
        List<PerTopic<OffsetCommit.PartitionData>> topics = new ArrayList<>();
        byTopic.forEach((t, ps) -> topics.add(new PerTopic<>(t, ps)));
        return atCoordinator(groupId, new OffsetCommit.Request(groupId, -1, "", topics), (coordinator, m) -> {
            for (PerTopic<OffsetCommit.PartitionResult> topic : ((OffsetCommit.Response) m).topics()) {
                for (OffsetCommit.PartitionResult p : topic.partitions()) {
                    ErrorCode code = ErrorCode.forCode(p.errorCode());
                    if (code == ErrorCode.ILLEGAL_GENERATION || code == ErrorCode.UNKNOWN_MEMBER_ID) {
                        throw code.exception("group " + groupId + " has active members: its offsets can be changed only "
                                + "while it has none");
                    }
                    if (code != ErrorCode.NONE) {
                        throw code.exception("offset of group " + groupId + " for " + topic.name() + "-" + p.partition()
                                + ": " + code.description());
                    }
                }
            }
            return null;
        }, deadline());
    }

    /**
     * Finds the group's coordinator, sends it {@code request} and hands the answer to
     * {@code handle}; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE (from FindCoordinator or thrown
     * by {@code handle}) and other retriable failures find the coordinator again after
     * retry.backoff.ms, until the deadline.
     */
    private <T> CompletableFuture<T> atCoordinator(String groupId, Message request,
                                                   java.util.function.BiFunction<Node, Message, T> handle,
                                                   long deadlineNanos) {
        CompletableFuture<T> result = new CompletableFuture<>();
        atCoordinator(groupId, request, handle, deadlineNanos, result);
        return result;
    }

    private <T> void atCoordinator(String groupId, Message request, java.util.function.BiFunction<Node, Message, T> handle,
                                   long deadlineNanos, CompletableFuture<T> result) {
        controller(deadlineNanos)
                .thenCompose(any -> network.send(any, new FindCoordinator.Request(groupId, FindCoordinator.GROUP),
                        requestTimeoutMs))
                .thenCompose(found -> {
                    FindCoordinator.Response f = (FindCoordinator.Response) found;
                    ErrorCode code = ErrorCode.forCode(f.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception(f.errorMessage() != null ? f.errorMessage()
                                : "coordinator of group " + groupId + ": " + code.description());
                    }
                    Node coordinator = new Node(f.nodeId(), f.host(), f.port());
                    return network.send(MetadataManager.address(coordinator), request, requestTimeoutMs)
                            .thenApply(response -> handle.apply(coordinator, response));
                })
                .whenComplete((value, error) -> {
                    if (error == null) {
                        later(() -> result.complete(value), 0);
                        return;
                    }
                    RunnelException e = unwrap(error);
                    if (e.retriable() && System.nanoTime() - deadlineNanos < 0 && !closed) {
                        log.debug("Group {}: {}; finding the coordinator again", groupId, e.getMessage());
                        metadata.refresh().whenComplete((c, x) -> later(() ->
                                atCoordinator(groupId, request, handle, deadlineNanos, result)));
                    } else {
                        later(() -> result.completeExceptionally(e), 0);
                    }
                });
    }

    /** The live brokers and the controller. */
    public CompletableFuture<ClusterDescription> describeCluster() {
        return onAdminThread(metadata.fetch(List.of()).thenApply(r -> {
            List<Node> nodes = new ArrayList<>();
            for (Metadata.Broker b : r.brokers()) {
                nodes.add(new Node(b.nodeId(), b.host(), b.port()));
            }
            nodes.sort(Comparator.comparingInt(Node::id));
            return new ClusterDescription(nodes, r.controllerId());
        }));
    }

    private <T> CompletableFuture<T> onAdminThread(CompletableFuture<T> source) {
        CompletableFuture<T> result = new CompletableFuture<>();
        source.whenComplete((value, error) -> later(() -> {
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            } else {
                result.complete(value);
            }
        }, 0));
        return result;
    }

    private void succeed(CompletableFuture<Void> future) {
        later(() -> future.complete(null), 0);
    }

    private void fail(CompletableFuture<Void> future, RunnelException error) {
        later(() -> future.completeExceptionally(error), 0);
    }

    private void later(Runnable task) {
        later(task, retryBackoffMs);
    }

    private void later(Runnable task, long delayMs) {
        try {
            if (delayMs <= 0) {
                completions.execute(task);
            } else {
                CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS, completions).execute(task);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Admin client closed; dropping a completion");
        }
    }

    private long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(apiTimeoutMs);
    }

    private static RunnelException unwrap(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof RunnelException re ? re
                : new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(cause.getMessage()), cause);
    }

    /** Closes connections and threads; pending futures fail. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        network.close();
        completions.shutdown();
        try {
            if (!completions.awaitTermination(5, TimeUnit.SECONDS)) {
                completions.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completions.shutdownNow();
        }
    }
}
