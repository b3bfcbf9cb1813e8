package io.runnel.broker.internal.metadata;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.Subscription;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.MetadataStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * How any broker hands a request to the controller through the coordination backend: it creates
 * {@code /admin/controller_requests/<random id>} with the request's keys and a deadline, and
 * watches that znode; the controller (which watches the children) handles it on its thread and
 * writes the result keys and {@code done=true} into the same znode with a compare-and-set; the
 * requester then reads the result and deletes the znode. A request not answered by its deadline
 * fails with {@link ErrorCode#REQUEST_TIMED_OUT}, but stays queued and is still carried out, as
 * Kafka carries on with a topic creation whose request timed out; the controller deletes the
 * znodes of answered requests whose requester stopped waiting.
 *
 * <pre>
 *   type=ELECT_LEADERS       election=PREFERRED|UNCLEAN   partitions=orders:0,orders:1
 *     result, per partition: error.orders:0=84  message.orders:0=...  leaderEpoch.orders:0=5
 *   type=CREATE_PARTITIONS   topic=orders  topicId=...  count=6  validateOnly=false
 *   type=CREATE_TOPIC        topic=orders  partitionCount=6  replicationFactor=3  config.retention.ms=...
 *                            validateOnly=false
 *     result of either: error=0  message=...
 * </pre>
 *
 * <p>Thread safe.
 */
public final class ControllerRequests {
    private static final Logger log = LoggerFactory.getLogger(ControllerRequests.class);

    public static final String ELECT_LEADERS = "ELECT_LEADERS";
    public static final String CREATE_PARTITIONS = "CREATE_PARTITIONS";
    public static final String CREATE_TOPIC = "CREATE_TOPIC";
    public static final String PARTITION_COUNT = "partitionCount";
    public static final String REPLICATION_FACTOR = "replicationFactor";
    /** Prefix of a new topic's configuration keys in a CREATE_TOPIC request. */
    public static final String CONFIG_PREFIX = "config.";
    public static final String ELECTION = "election";
    public static final String PREFERRED = "PREFERRED";
    public static final String UNCLEAN = "UNCLEAN";
    public static final String PARTITIONS = "partitions";
    public static final String TOPIC = "topic";
    public static final String TOPIC_ID = "topicId";
    public static final String COUNT = "count";
    public static final String VALIDATE_ONLY = "validateOnly";
    public static final String ERROR = "error";
    public static final String MESSAGE = "message";
    public static final String LEADER_EPOCH = "leaderEpoch";

    private final MetadataStore store;

    public ControllerRequests(MetadataStore store) {
        this.store = store;
    }

    /**
     * Writes a request for the controller and completes with the znode's values once the
     * controller has answered; fails with {@link ErrorCode#REQUEST_TIMED_OUT} after
     * {@code timeoutMs} (the request stays queued). Never blocks.
     */
    public CompletableFuture<Map<String, String>> submit(String type, Map<String, String> request, long timeoutMs) {
        String path = MetadataPaths.controllerRequest(UUID.randomUUID().toString().replace("-", ""));
        Map<String, String> values = new HashMap<>(request);
        values.put(ControllerRequestText.TYPE, type);
        values.put(ControllerRequestText.DEADLINE_MS, String.valueOf(System.currentTimeMillis() + timeoutMs));
        CompletableFuture<Map<String, String>> answer = new CompletableFuture<>();
        Subscription[] watch = new Subscription[1];
        store.create(path, ControllerRequestText.encode(values)).whenComplete((version, e) -> {
            if (e != null) {
                answer.completeExceptionally(e);
                return;
            }
            Subscription subscription = store.watch(path, value -> {
                if (value.isEmpty()) {
                    return;
                }
                try {
                    Map<String, String> now = ControllerRequestText.decode(value.get().value(), path);
                    if (ControllerRequestText.isDone(now)) {
                        answer.complete(now);
                    }
                } catch (RuntimeException bad) {
                    answer.completeExceptionally(bad);
                }
            });
            synchronized (watch) {
                watch[0] = subscription;
            }
            if (answer.isDone()) {
                subscription.close();
            }
        });
        answer.orTimeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
        return answer.handle((result, e) -> {
            synchronized (watch) {
                if (watch[0] != null) {
                    watch[0].close();
                }
            }
            if (e == null) {
                store.delete(path, -1).exceptionally(x -> {
                    log.debug("Could not delete {}: {}", path, x.toString());
                    return null;
                });
                return result;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof java.util.concurrent.TimeoutException) {
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "the controller did not answer within "
                        + timeoutMs + " ms; the request stays queued for it");
            }
            throw cause instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(cause);
        });
    }

    /** The keys of a CREATE_TOPIC request. */
    static Map<String, String> encodeNewTopic(TopicManager.NewTopic topic) {
        Map<String, String> values = new HashMap<>();
        values.put(TOPIC, topic.name());
        values.put(PARTITION_COUNT, String.valueOf(topic.partitions()));
        values.put(REPLICATION_FACTOR, String.valueOf(topic.replicationFactor()));
        values.put(VALIDATE_ONLY, String.valueOf(topic.validateOnly()));
        topic.configs().forEach((k, v) -> values.put(CONFIG_PREFIX + k, v));
        return values;
    }

    /**
     * The topic a CREATE_TOPIC request asks for.
     *
     * @throws IllegalArgumentException naming a missing or bad key
     */
    public static TopicManager.NewTopic decodeNewTopic(Map<String, String> values) {
        Map<String, String> configs = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(CONFIG_PREFIX)) {
                configs.put(k.substring(CONFIG_PREFIX.length()), v);
            }
        });
        String name = values.get(TOPIC);
        if (name == null) {
            throw new IllegalArgumentException("CREATE_TOPIC request without " + TOPIC);
        }
        return new TopicManager.NewTopic(name, intValue(values, PARTITION_COUNT), intValue(values, REPLICATION_FACTOR),
                configs, Boolean.parseBoolean(values.getOrDefault(VALIDATE_ONLY, "false")));
    }

    private static int intValue(Map<String, String> values, String key) {
        try {
            return Integer.parseInt(values.getOrDefault(key, "").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CREATE_TOPIC request with " + key + "=" + values.get(key));
        }
    }

    /** {@code topic:partition}, the form partitions take in request keys. */
    public static String key(TopicPartition tp) {
        return tp.topic() + ":" + tp.partition();
    }

    public static String partitionList(Collection<TopicPartition> partitions) {
        return partitions.stream().map(ControllerRequests::key).collect(Collectors.joining(","));
    }

    /** Parses {@code t:0,t:1}; entries that do not parse are skipped (the requester wrote them). */
    public static List<TopicPartition> parsePartitions(String value) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String entry : value.split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon <= 0) {
                continue;
            }
            try {
                partitions.add(new TopicPartition(entry.substring(0, colon).trim(),
                        Integer.parseInt(entry.substring(colon + 1).trim())));
            } catch (RuntimeException e) {
                log.warn("Skipping malformed partition '{}' in a controller request", entry);
            }
        }
        return partitions;
    }

    /** A single result: {@code error=} and, if any, {@code message=}. */
    public static Map<String, String> error(ErrorCode code, String message) {
        Map<String, String> result = new HashMap<>();
        result.put(ERROR, String.valueOf(code.code()));
        if (message != null) {
            result.put(MESSAGE, message);
        }
        return result;
    }
}
