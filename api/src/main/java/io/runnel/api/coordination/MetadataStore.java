package io.runnel.api.coordination;

import io.runnel.api.Api;
import io.runnel.api.Subscription;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A hierarchical store of small byte values under '/'-separated paths, with versioned writes and
 * change notifications. The runtime keeps topics, partition assignments and partition state here;
 * the path layout is the runtime's and is documented in {@code docs/}.
 *
 * <p>Failures: a write whose expected version no longer matches fails with a
 * {@link VersionConflictException}; an unreachable store with a
 * {@link io.runnel.api.RunnelException} coded {@link io.runnel.api.ErrorCode#REQUEST_TIMED_OUT}.
 *
 * <p>Thread safety as for {@link CoordinationBackend}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface MetadataStore {

    /** The value at {@code path}, or empty if there is none. */
    CompletableFuture<Optional<Versioned<byte[]>>> get(String path);

    /**
     * Creates {@code path} (and missing parents) with {@code data}.
     *
     * @return the new version; fails with {@link VersionConflictException} if the path exists
     */
    CompletableFuture<Integer> create(String path, byte[] data);

    /**
     * Replaces the value if its version is still {@code expectedVersion}.
     *
     * @return the new version; fails with {@link VersionConflictException} otherwise
     */
    CompletableFuture<Integer> compareAndSet(String path, byte[] data, int expectedVersion);

    /**
     * Deletes {@code path} and everything below it if its version is still
     * {@code expectedVersion} (or always, with -1).
     */
    CompletableFuture<Void> delete(String path, int expectedVersion);

    /** The names of the children of {@code path}, sorted; empty if it has none or does not exist. */
    CompletableFuture<List<String>> children(String path);

    /** Calls {@code listener} with the value now and after every change (empty once deleted). */
    Subscription watch(String path, Consumer<Optional<Versioned<byte[]>>> listener);

    /** Calls {@code listener} with the sorted child names now and after every change. */
    Subscription watchChildren(String path, Consumer<List<String>> listener);
}
