package io.runnel.api.coordination;

import io.runnel.api.Api;

import java.util.concurrent.CompletableFuture;

/**
 * The cluster's shared, consistent state: which brokers are alive, who is controller, the
 * metadata of topics and partitions, and consumer groups with their committed offsets.
 *
 * <p>Every operation that talks to the backing store is asynchronous and returns a
 * {@link CompletableFuture}: callers run on network threads that must never block. Futures fail
 * with a {@link io.runnel.api.RunnelException} whose code says what went wrong (for example
 * {@link io.runnel.api.ErrorCode#REQUEST_TIMED_OUT} when the store cannot be reached in time).
 *
 * <p>Lifecycle: {@link #start()} connects; the parts may be used once it completes;
 * {@link #close()} ends the session, which removes this broker's registration and gives up the
 * controllership, and is idempotent and bounded in time.
 *
 * <p>Thread safety: all methods may be called from any thread. Listeners are called on one
 * backend thread per backend, in the order the changes happened, and must not block.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface CoordinationBackend extends AutoCloseable {

    /** Connects to the backing store; completes when the parts below may be used. */
    CompletableFuture<Void> start();

    /** Broker registration and liveness. */
    BrokerRegistry brokers();

    /** Controller election. */
    ControllerElection controllerElection();

    /** Versioned metadata: topics, partition assignment, partition state. */
    MetadataStore metadata();

    /** Consumer-group membership state and committed offsets. */
    GroupStore groups();

    @Override
    void close();
}
