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
     * Replaces the value at {@code path} if its version is still {@code expectedVersion} <em>and</em>
     * the node at {@code guardPath} still has version {@code guardVersion}, as one step. This fences
     * a writer whose right to write is recorded at {@code guardPath}: the controller guards its
     * partition-state writes with the version of {@code /controller_epoch} it took office with, so
     * once a successor raised the epoch none of its writes lands.
     *
     * <p>The default implementation reads the guard, then compare-and-sets {@code path}: two steps,
     * not atomic. Backends that can do both in one transaction override it (ZooKeeper does).
     *
     * @return the new version; fails with {@link VersionConflictException} if either version no
     *     longer matches (or the guard does not exist)
     * @since 0.1
     */
    default CompletableFuture<Integer> compareAndSet(String path, byte[] data, int expectedVersion, String guardPath,
                                                     int guardVersion) {
        return get(guardPath).thenCompose(guard -> {
            if (guard.isEmpty() || guard.get().version() != guardVersion) {
                return CompletableFuture.failedFuture(new VersionConflictException("guard " + guardPath + " is at version "
                        + guard.map(v -> String.valueOf(v.version())).orElse("(none)") + ", not " + guardVersion
                        + "; " + path + " not written"));
            }
            return compareAndSet(path, data, expectedVersion);
        });
    }

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
