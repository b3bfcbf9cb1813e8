package io.runnel.broker.internal.metadata;

import io.runnel.api.Subscription;
import io.runnel.api.coordination.MetadataStore;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.api.coordination.Versioned;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ProducerIdManagerTest {

    /** A store whose futures are complete on return, the case that once left a null claim behind. */
    private static final class ImmediateStore implements MetadataStore {
        final Map<String, Versioned<byte[]>> values = new HashMap<>();

        @Override
        public synchronized CompletableFuture<Optional<Versioned<byte[]>>> get(String path) {
            return CompletableFuture.completedFuture(Optional.ofNullable(values.get(path)));
        }

        @Override
        public synchronized CompletableFuture<Integer> create(String path, byte[] data) {
            if (values.containsKey(path)) {
                return CompletableFuture.failedFuture(new VersionConflictException(path));
            }
            values.put(path, new Versioned<>(data, 0));
            return CompletableFuture.completedFuture(0);
        }

        @Override
        public synchronized CompletableFuture<Integer> compareAndSet(String path, byte[] data, int expectedVersion) {
            Versioned<byte[]> current = values.get(path);
            if (current == null || current.version() != expectedVersion) {
                return CompletableFuture.failedFuture(new VersionConflictException(path));
            }
            values.put(path, new Versioned<>(data, expectedVersion + 1));
            return CompletableFuture.completedFuture(expectedVersion + 1);
        }

        @Override
        public synchronized CompletableFuture<Void> delete(String path, int expectedVersion) {
            values.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public synchronized CompletableFuture<List<String>> children(String path) {
            return CompletableFuture.completedFuture(values.keySet().stream().filter(p -> p.startsWith(path + "/"))
                    .map(p -> p.substring(path.length() + 1)).filter(p -> !p.contains("/")).sorted().toList());
        }

        /** The value now; this store never changes on its own, so there is nothing more to tell. */
        @Override
        public Subscription watch(String path, Consumer<Optional<Versioned<byte[]>>> listener) {
            listener.accept(get(path).join());
            return () -> { };
        }

        @Override
        public Subscription watchChildren(String path, Consumer<List<String>> listener) {
            listener.accept(children(path).join());
            return () -> { };
        }
    }

    @Test
    void handsOutUniqueIdsAcrossBlocksAndManagers() {
        ImmediateStore store = new ImmediateStore();
        ProducerIdManager first = new ProducerIdManager(store);
        ProducerIdManager second = new ProducerIdManager(store);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 2 * ProducerIdManager.BLOCK_SIZE + 5; i++) {
            assertTrue(ids.add(first.nextId().join()), "unique");
            assertTrue(ids.add(second.nextId().join()), "unique across brokers");
        }
        assertEquals(2 * (2 * ProducerIdManager.BLOCK_SIZE + 5), ids.size());
    }
}
