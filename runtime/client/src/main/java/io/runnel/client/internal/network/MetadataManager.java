package io.runnel.client.internal.network;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.client.Node;
import io.runnel.protocol.message.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps the client's view of the cluster: bootstraps from {@code bootstrap.servers}, then asks
 * any known broker. Refreshes are asynchronous and shared: a refresh asked for while one is running
 * waits for the next one, so a burst of errors costs one request. A refresh asks about the topics
 * the client is interested in (those it produced to, was assigned, or asked about).
 *
 * <p>Thread safe.
 */
public final class MetadataManager {
    private static final Logger log = LoggerFactory.getLogger(MetadataManager.class);

    private final NetworkClient network;
    private final List<InetSocketAddress> bootstrap;
    private final int requestTimeoutMs;
    private final long maxAgeMs;
    private final boolean allowAutoTopicCreation;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nodeCursor = new AtomicInteger();
    private volatile Cluster cluster = Cluster.EMPTY;
    private CompletableFuture<Cluster> running; // guarded by this
    private CompletableFuture<Cluster> next; // guarded by this

    public MetadataManager(NetworkClient network, List<InetSocketAddress> bootstrap, int requestTimeoutMs, long maxAgeMs,
                           boolean allowAutoTopicCreation) {
        this.network = network;
        this.bootstrap = List.copyOf(bootstrap);
        this.requestTimeoutMs = requestTimeoutMs;
        this.maxAgeMs = maxAgeMs;
        this.allowAutoTopicCreation = allowAutoTopicCreation;
    }

    public Cluster cluster() {
        return cluster;
    }

    /** Adds topics to those every refresh asks about; true if any was new. */
    public boolean addTopics(Collection<String> more) {
        return topics.addAll(more);
    }

    public boolean isStale(long nowMs) {
        return nowMs - cluster.updatedAtMs() >= maxAgeMs;
    }

    /** Starts a refresh (or joins the next one if one is running) and returns its result. */
    public synchronized CompletableFuture<Cluster> refresh() {
        if (running == null) {
            return start();
        }
        if (next == null) {
            next = new CompletableFuture<>();
        }
        return next;
    }

    /**
     * Starts a refresh; called holding this object's lock. The completion callback is attached
     * before the request goes out: an answer that arrives at once must still hand over to the next
     * refresh, or {@code running} would stay a completed future and every later refresh would wait
     * for nothing.
     */
    private CompletableFuture<Cluster> start() {
        CompletableFuture<Cluster> result = new CompletableFuture<>();
        running = result;
        result.whenComplete((c, e) -> finished(result));
        attempt(new ArrayList<>(candidates()), 0, result, null);
        return result;
    }

    private void finished(CompletableFuture<Cluster> done) {
        CompletableFuture<Cluster> waiting;
        CompletableFuture<Cluster> following = null;
        synchronized (this) {
            if (running != done) {
                return;
            }
            waiting = next;
            next = null;
            running = null;
            if (waiting != null) {
                following = start();
            }
        }
        if (waiting != null) {
            following.whenComplete((c2, e2) -> {
                if (e2 != null) {
                    waiting.completeExceptionally(e2);
                } else {
                    waiting.complete(c2);
                }
            });
        }
    }

    /** Known brokers first, rotating so that one dead broker is not asked first every time; then bootstrap. */
    private List<InetSocketAddress> candidates() {
        List<InetSocketAddress> out = new ArrayList<>();
        List<Node> nodes = new ArrayList<>(cluster.nodes().values());
        int start = nodes.isEmpty() ? 0 : Math.floorMod(nodeCursor.getAndIncrement(), nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get((start + i) % nodes.size());
            out.add(address(n));
        }
        for (InetSocketAddress b : bootstrap) {
            if (!out.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }

    private void attempt(List<InetSocketAddress> candidates, int index, CompletableFuture<Cluster> result,
                         Throwable last) {
        if (index >= candidates.size()) {
            result.completeExceptionally(new RunnelException(ErrorCode.NETWORK_EXCEPTION,
                    "no broker answered a metadata request; tried " + candidates, last));
            return;
        }
        InetSocketAddress target = candidates.get(index);
        Metadata.Request request = new Metadata.Request(List.copyOf(topics), allowAutoTopicCreation);
        network.send(target, request, requestTimeoutMs).whenComplete((response, error) -> {
            if (error != null) {
                log.debug("Metadata request to {} failed: {}", target, error.toString());
                attempt(candidates, index + 1, result, error);
                return;
            }
            Cluster updated = Cluster.from((Metadata.Response) response, cluster, System.currentTimeMillis());
            cluster = updated;
            result.complete(updated);
        });
    }

    /**
     * Asks for the metadata of {@code topicNames} (null: all topics) without adding them to the
     * topics refreshes ask about; for the admin client.
     */
    public CompletableFuture<Metadata.Response> fetch(List<String> topicNames) {
        CompletableFuture<Metadata.Response> result = new CompletableFuture<>();
        List<InetSocketAddress> candidates = candidates();
        fetch(topicNames, candidates, 0, result, null);
        return result;
    }

    private void fetch(List<String> topicNames, List<InetSocketAddress> candidates, int index,
                       CompletableFuture<Metadata.Response> result, Throwable last) {
        if (index >= candidates.size()) {
            result.completeExceptionally(new RunnelException(ErrorCode.NETWORK_EXCEPTION,
                    "no broker answered a metadata request; tried " + candidates, last));
            return;
        }
        network.send(candidates.get(index), new Metadata.Request(topicNames, false), requestTimeoutMs)
                .whenComplete((response, error) -> {
                    if (error != null) {
                        fetch(topicNames, candidates, index + 1, result, error);
                    } else {
                        Metadata.Response r = (Metadata.Response) response;
                        cluster = Cluster.from(r, cluster, System.currentTimeMillis());
                        result.complete(r);
                    }
                });
    }

    /**
     * The cluster once its metadata shows at least {@code count} partitions of {@code topic}
     * (partitions added since the last refresh), refreshing with a back-off; after
     * {@code maxWaitMs} the latest view, whatever it shows.
     */
    public Cluster awaitPartitions(String topic, int count, long maxWaitMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        Cluster current = awaitTopic(topic, maxWaitMs);
        long backoffMs = 50;
        while (current.partitions(topic) == null || current.partitions(topic).size() < count) {
            long remainingNs = deadline - System.nanoTime();
            if (remainingNs <= 0) {
                return current;
            }
            try {
                current = refresh().get(remainingNs, TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                current = cluster;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return cluster;
            }
            if (current.partitions(topic) != null && current.partitions(topic).size() >= count) {
                return current;
            }
            long sleepNs = Math.min(TimeUnit.MILLISECONDS.toNanos(backoffMs), deadline - System.nanoTime());
            if (sleepNs > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(sleepNs);
            }
            backoffMs = Math.min(backoffMs * 2, 1000);
        }
        return current;
    }

    /**
     * Blocks the calling (application) thread until the metadata has partitions for
     * {@code topic}, refreshing as needed.
     *
     * @throws RunnelException {@link ErrorCode#REQUEST_TIMED_OUT} after {@code maxWaitMs}, naming
     *     the topic and the last error seen for it; a non-retriable topic error (e.g.
     *     {@link ErrorCode#INVALID_TOPIC}) at once
     */
    public Cluster awaitTopic(String topic, long maxWaitMs) {
        addTopics(Set.of(topic));
        Cluster current = cluster;
        if (current.partitions(topic) != null) {
            return current;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        Throwable lastError = null;
        long backoffMs = 50;
        while (true) {
            long remainingNs = deadline - System.nanoTime();
            if (remainingNs <= 0) {
                ErrorCode topicError = cluster.topicErrors().get(topic);
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "topic " + topic + " not present in metadata after "
                        + maxWaitMs + " ms" + (topicError != null ? "; last error " + topicError
                        : lastError != null ? "; last error " + lastError.getMessage() : ""));
            }
            try {
                current = refresh().get(remainingNs, TimeUnit.NANOSECONDS);
                if (current.partitions(topic) != null) {
                    return current;
                }
                ErrorCode topicError = current.topicErrors().get(topic);
                if (topicError != null && !topicError.retriable()) {
                    throw topicError.exception("topic " + topic + ": " + topicError.description());
                }
            } catch (ExecutionException e) {
                lastError = e.getCause();
            } catch (TimeoutException e) {
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "interrupted waiting for metadata of " + topic, e);
            }
            long sleepNs = Math.min(TimeUnit.MILLISECONDS.toNanos(backoffMs), deadline - System.nanoTime());
            if (sleepNs > 0) {
                // back off between refreshes of a topic that does not exist yet
                java.util.concurrent.locks.LockSupport.parkNanos(sleepNs);
            }
            backoffMs = Math.min(backoffMs * 2, 1000);
        }
    }

    private static final java.util.Map<Node, InetSocketAddress> ADDRESSES = new ConcurrentHashMap<>();

    /**
     * The socket address of a broker, resolved once per host and port. An address that does not
     * resolve is not kept, so a later call tries again (a DNS hiccup must not make a broker
     * unreachable for the life of the JVM). The cache is bounded by the brokers seen.
     */
    public static InetSocketAddress address(Node node) {
        InetSocketAddress known = ADDRESSES.get(node);
        if (known != null) {
            return known;
        }
        InetSocketAddress resolved = new InetSocketAddress(node.host(), node.port());
        if (!resolved.isUnresolved()) {
            ADDRESSES.put(node, resolved);
        }
        return resolved;
    }

    /** Parses {@code host:port,host:port}. */
    public static List<InetSocketAddress> parseBootstrap(List<String> servers) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String server : servers) {
            int colon = server.lastIndexOf(':');
            if (server.isBlank() || colon <= 0 || colon == server.length() - 1) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + server
                        + "' in bootstrap.servers; expected host:port");
            }
            String host = server.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(server.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid port in '" + server
                        + "' of bootstrap.servers; expected host:port with a port from 1 to 65535");
            }
            out.add(new InetSocketAddress(host, port));
        }
        return out;
    }
}
