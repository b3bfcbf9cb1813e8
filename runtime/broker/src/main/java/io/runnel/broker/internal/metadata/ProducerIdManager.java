package io.runnel.broker.internal.metadata;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.coordination.MetadataStore;
import io.runnel.api.coordination.VersionConflictException;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Hands out producer ids, unique in the cluster: each broker claims blocks of
 * {@value #BLOCK_SIZE} ids with a compare-and-set on {@code /latest_producer_id_block}
 * ({@code end=} the last id claimed) and serves ids from its block.
 *
 * <p>Thread safe.
 */
public final class ProducerIdManager {
    static final int BLOCK_SIZE = 1000;
    private static final int MAX_ATTEMPTS = 20;

    private final MetadataStore store;
    private long next;
    private long end = -1;
    private CompletableFuture<Void> claiming;

    public ProducerIdManager(MetadataStore store) {
        this.store = store;
    }

    public synchronized CompletableFuture<Long> nextId() {
        if (next <= end) {
            return CompletableFuture.completedFuture(next++);
        }
        CompletableFuture<Void> pending = claiming;
        if (pending == null) {
            CompletableFuture<Void> claim = claimBlock(0);
            pending = claim;
            claiming = claim;
            // Cleared by identity, after the assignment above even if the claim completed at once.
            claim.whenComplete((v, e) -> {
                synchronized (this) {
                    if (claiming == claim) {
                        claiming = null;
                    }
                }
            });
        }
        // The local, not the field: a claim that completed at once has already cleared the field.
        return pending.thenCompose(v -> nextId());
    }

    private CompletableFuture<Void> claimBlock(int attempt) {
        if (attempt >= MAX_ATTEMPTS) {
            return CompletableFuture.failedFuture(new RunnelException(ErrorCode.COORDINATOR_NOT_AVAILABLE,
                    "could not claim a producer id block after " + MAX_ATTEMPTS + " attempts"));
        }
        String path = MetadataPaths.PRODUCER_ID_BLOCK;
        return store.get(path).thenCompose(current -> {
            long lastClaimed = current.map(v -> Long.parseLong(ZnodeText.decode(v.value(), path)
                    .getOrDefault("end", "-1").trim())).orElse(-1L);
            long start = lastClaimed + 1;
            long blockEnd = start + BLOCK_SIZE - 1;
            byte[] data = ZnodeText.encode(Map.of("start", String.valueOf(start), "end", String.valueOf(blockEnd)));
            CompletableFuture<Integer> write = current.isPresent()
                    ? store.compareAndSet(path, data, current.get().version())
                    : store.create(path, data);
            return write.handle((version, e) -> {
                if (e == null) {
                    synchronized (this) {
                        next = start;
                        end = blockEnd;
                    }
                    return CompletableFuture.<Void>completedFuture(null);
                }
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof VersionConflictException) {
                    return claimBlock(attempt + 1);
                }
                return CompletableFuture.<Void>failedFuture(cause);
            }).thenCompose(f -> f);
        });
    }
}
