package io.runnel.broker.internal.handler;

import io.runnel.api.TopicPartition;
import io.runnel.protocol.Message;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests whose answer waits for their partitions to change: long-polling fetches and
 * {@code acks=all} produces. An operation is looked at again whenever one of its partitions
 * changes (an append, a high-watermark or ISR move, a role change), answered with what there is
 * when its time is up (on the request threads), and answered at once on shutdown, so no request
 * and no network buffer it holds is left behind.
 *
 * <p>Thread safe.
 */
final class DelayedOperations {

    /** One waiting request. */
    abstract static class Operation {
        final CompletableFuture<Optional<Message>> answer = new CompletableFuture<>();
        private final List<TopicPartition> partitions;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;
        private volatile DelayedOperations owner;

        Operation(Collection<TopicPartition> partitions) {
            this.partitions = List.copyOf(partitions);
        }

        /** The answer if the request can be answered now; with {@code force} (time up), always. */
        abstract Optional<Message> attempt(boolean force);

        final void tryComplete(boolean force) {
            if (done.get()) {
                return;
            }
            Optional<Message> result;
            try {
                result = attempt(force);
            } catch (RuntimeException e) {
                if (done.compareAndSet(false, true)) {
                    finish();
                    answer.completeExceptionally(e);
                }
                return;
            }
            if (result.isPresent() && done.compareAndSet(false, true)) {
                finish();
                answer.complete(result);
            }
        }

        private void finish() {
            DelayedOperations waitingIn = owner;
            if (waitingIn != null) {
                waitingIn.forget(this);
            }
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    private final ConcurrentHashMap<TopicPartition, Set<Operation>> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Executor requestThreads;

    DelayedOperations(ScheduledExecutorService timer, Executor requestThreads) {
        this.timer = timer;
        this.requestThreads = requestThreads;
    }

    /** Lets {@code operation} wait, at most {@code timeoutMs}, and returns its answer. */
    CompletableFuture<Optional<Message>> await(Operation operation, long timeoutMs) {
        operation.owner = this;
        // compute() keeps registration and removal atomic per partition, so a set is never dropped
        // from the map while an operation is being added to it.
        for (TopicPartition tp : operation.partitions) {
            waiting.compute(tp, (k, set) -> {
                Set<Operation> s = set == null ? ConcurrentHashMap.newKeySet() : set;
                s.add(operation);
                return s;
            });
        }
        operation.timeout = timer.schedule(() -> requestThreads.execute(() -> operation.tryComplete(true)),
                Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        // What it waits for may have happened between the caller's first look and the registration.
        operation.tryComplete(false);
        return operation.answer;
    }

    /** Looks again at the operations waiting on {@code tp}. */
    void changed(TopicPartition tp) {
        Set<Operation> set = waiting.get(tp);
        if (set == null || set.isEmpty()) {
            return;
        }
        for (Operation operation : set.toArray(Operation[]::new)) {
            operation.tryComplete(false);
        }
    }

    /** Answers every waiting operation with what there is: on shutdown. */
    void completeAll() {
        for (Set<Operation> set : waiting.values()) {
            for (Operation operation : set.toArray(Operation[]::new)) {
                operation.tryComplete(true);
            }
        }
    }

    private void forget(Operation operation) {
        for (TopicPartition tp : operation.partitions) {
            waiting.computeIfPresent(tp, (k, set) -> {
                set.remove(operation);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
