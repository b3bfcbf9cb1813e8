package io.runnel.broker.internal.metadata;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.Subscription;
import io.runnel.api.TopicPartition;
import io.runnel.api.coordination.MetadataStore;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.api.coordination.Versioned;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The requester's side of {@link ControllerRequests}, on an in-memory store that tells its watchers. */
@Timeout(30)
class ControllerRequestsTest {

    private static final class MemoryStore implements MetadataStore {
        final Map<String, Versioned<byte[]>> values = new HashMap<>();
        final Map<String, List<Consumer<Optional<Versioned<byte[]>>>>> watchers = new HashMap<>();

        @Override
        public synchronized CompletableFuture<Optional<Versioned<byte[]>>> get(String path) {
            return CompletableFuture.completedFuture(Optional.ofNullable(values.get(path)));
        }

        @Override
        public CompletableFuture<Integer> create(String path, byte[] data) {
            synchronized (this) {
                if (values.containsKey(path)) {
                    return CompletableFuture.failedFuture(new VersionConflictException(path));
                }
                values.put(path, new Versioned<>(data, 0));
            }
            tell(path);
            return CompletableFuture.completedFuture(0);
        }

        @Override
        public CompletableFuture<Integer> compareAndSet(String path, byte[] data, int expectedVersion) {
            synchronized (this) {
                Versioned<byte[]> current = values.get(path);
                if (current == null || current.version() != expectedVersion) {
                    return CompletableFuture.failedFuture(new VersionConflictException(path));
                }
                values.put(path, new Versioned<>(data, expectedVersion + 1));
            }
            tell(path);
            return CompletableFuture.completedFuture(expectedVersion + 1);
        }

        @Override
        public CompletableFuture<Void> delete(String path, int expectedVersion) {
            synchronized (this) {
                values.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
            }
            tell(path);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public synchronized CompletableFuture<List<String>> children(String path) {
            return CompletableFuture.completedFuture(values.keySet().stream().filter(p -> p.startsWith(path + "/"))
                    .map(p -> p.substring(path.length() + 1)).filter(p -> !p.contains("/")).sorted().toList());
        }

        @Override
        public Subscription watch(String path, Consumer<Optional<Versioned<byte[]>>> listener) {
            synchronized (this) {
                watchers.computeIfAbsent(path, p -> new ArrayList<>()).add(listener);
            }
            listener.accept(get(path).join());
            return () -> {
                synchronized (this) {
                    watchers.getOrDefault(path, new ArrayList<>()).remove(listener);
                }
            };
        }

        @Override
        public Subscription watchChildren(String path, Consumer<List<String>> listener) {
            listener.accept(children(path).join());
            return () -> { };
        }

        private void tell(String path) {
            List<Consumer<Optional<Versioned<byte[]>>>> listeners;
            synchronized (this) {
                listeners = new ArrayList<>(watchers.getOrDefault(path, List.of()));
            }
            Optional<Versioned<byte[]>> now = get(path).join();
            listeners.forEach(l -> l.accept(now));
        }

        synchronized int watcherCount() {
            return watchers.values().stream().mapToInt(List::size).sum();
        }
    }

    @Test
    void theControllersAnswerCompletesTheRequestAndItsZnodeGoes() {
        MemoryStore store = new MemoryStore();
        CompletableFuture<Map<String, String>> answer = new ControllerRequests(store).submit(
                ControllerRequests.ELECT_LEADERS, Map.of(ControllerRequests.PARTITIONS, "orders:0,orders.eu:12"), 10_000);
        List<String> pending = store.children(MetadataPaths.CONTROLLER_REQUESTS).join();
        assertEquals(1, pending.size());
        String path = MetadataPaths.controllerRequest(pending.get(0));
        Versioned<byte[]> written = store.get(path).join().orElseThrow();
        Map<String, String> request = ControllerRequestText.decode(written.value(), path);
        assertEquals(ControllerRequests.ELECT_LEADERS, request.get(ControllerRequestText.TYPE));
        assertEquals(List.of(new TopicPartition("orders", 0), new TopicPartition("orders.eu", 12)),
                ControllerRequests.parsePartitions(request.get(ControllerRequests.PARTITIONS)));
        assertTrue(Long.parseLong(request.get(ControllerRequestText.DEADLINE_MS)) > System.currentTimeMillis());
        assertTrue(!answer.isDone(), "waits for the controller");

        // What the controller does: add the result and done=true with a compare-and-set.
        Map<String, String> result = new HashMap<>(request);
        result.put("error.orders:0", "84");
        result.put(ControllerRequestText.DONE, "true");
        store.compareAndSet(path, ControllerRequestText.encode(result), written.version()).join();

        assertEquals("84", answer.join().get("error.orders:0"));
        assertTrue(store.get(path).join().isEmpty(), "the requester deletes the znode");
        assertEquals(0, store.watcherCount(), "and stops watching it");
    }

    @Test
    void noAnswerInTimeIsATimeoutButTheRequestStaysQueued() {
        MemoryStore store = new MemoryStore();
        CompletableFuture<Map<String, String>> answer = new ControllerRequests(store).submit(
                ControllerRequests.CREATE_PARTITIONS, Map.of(ControllerRequests.TOPIC, "orders"), 200);
        CompletionException e = assertThrows(CompletionException.class, answer::join);
        RunnelException error = assertInstanceOf(RunnelException.class, e.getCause());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, error.errorCode());
        assertEquals("the controller did not answer within 200 ms; the request stays queued for it", error.getMessage());
        assertEquals(1, store.children(MetadataPaths.CONTROLLER_REQUESTS).join().size(), "still there for the controller");
        assertEquals(0, store.watcherCount(), "no longer watched");
    }

    @Test
    void malformedPartitionEntriesAreSkipped() {
        assertEquals(List.of(new TopicPartition("a", 1)), ControllerRequests.parsePartitions("a:1,,b,:3,c:x,d:-1"));
    }
}
