package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.Subscription;
import io.runnel.api.coordination.Versioned;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A standing watch on a znode's value or on its children. ZooKeeper watches fire once; this one
 * re-arms itself after every event, watches for creation while the node is absent, and is re-armed
 * by the backend after a new session (watches die with the old one). Listeners get the state now,
 * then each change, on the backend's event thread, and never the same state twice in a row.
 */
final class ZkWatch implements Subscription {
    private static final Logger log = LoggerFactory.getLogger(ZkWatch.class);

    private final CuratorFramework client;
    private final String path;
    private final boolean children;
    private final Consumer<Object> listener;
    private final Executor events;
    private final Runnable onClose;
    private final CuratorWatcher watcher = this::onEvent;
    private volatile boolean closed;
    private Object last;
    private boolean delivered;

    @SuppressWarnings("unchecked")
    private ZkWatch(CuratorFramework client, String path, boolean children, Consumer<?> listener, Executor events,
                    Runnable onClose) {
        this.client = client;
        this.path = path;
        this.children = children;
        this.listener = (Consumer<Object>) listener;
        this.events = events;
        this.onClose = onClose;
    }

    static ZkWatch data(CuratorFramework client, String path, Consumer<Optional<Versioned<byte[]>>> listener,
                        Executor events, Runnable onClose) {
        return new ZkWatch(client, path, false, listener, events, onClose);
    }

    static ZkWatch children(CuratorFramework client, String path, Consumer<List<String>> listener, Executor events,
                            Runnable onClose) {
        return new ZkWatch(client, path, true, listener, events, onClose);
    }

    /** Reads the state and sets the watch; called at start, after each event and after a new session. */
    void arm() {
        if (closed) {
            return;
        }
        try {
            if (children) {
                client.getChildren().usingWatcher(watcher).inBackground((c, e) -> onRead(e)).forPath(path);
            } else {
                client.getData().usingWatcher(watcher).inBackground((c, e) -> onRead(e)).forPath(path);
            }
        } catch (Exception e) {
            log.warn("Cannot watch {}: {}", path, e.toString());
        }
    }

    private void onRead(CuratorEvent event) throws Exception {
        KeeperException.Code code = ZkAsync.code(event);
        if (code == KeeperException.Code.OK) {
            if (children) {
                List<String> names = new ArrayList<>(event.getChildren());
                names.sort(null);
                deliver(List.copyOf(names));
            } else {
                deliver(Optional.of(new Versioned<>(event.getData(), event.getStat().getVersion())));
            }
        } else if (code == KeeperException.Code.NONODE) {
            deliver(children ? List.of() : Optional.empty());
            if (closed || client.getState() != CuratorFrameworkState.STARTED) {
                return; // the backend is closing: the watch ends with it
            }
            // Watch for the node to appear; if it appeared meanwhile, read it again.
            client.checkExists().usingWatcher(watcher).inBackground((c, e) -> {
                if (ZkAsync.ok(e) && e.getStat() != null) {
                    arm();
                }
            }).forPath(path);
        } else {
            log.debug("Watch read of {} failed with {}; re-armed on reconnection", path, code);
        }
    }

    private void onEvent(WatchedEvent event) {
        if (event.getType() != org.apache.zookeeper.Watcher.Event.EventType.None) {
            arm();
        }
    }

    private synchronized void deliver(Object state) {
        if (delivered && same(last, state)) {
            return;
        }
        last = state;
        delivered = true;
        events.execute(() -> {
            if (!closed) {
                listener.accept(state);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static boolean same(Object a, Object b) {
        if (a instanceof Optional<?> oa && b instanceof Optional<?> ob) {
            if (oa.isEmpty() || ob.isEmpty()) {
                return oa.isEmpty() && ob.isEmpty();
            }
            Versioned<byte[]> va = (Versioned<byte[]>) oa.get();
            Versioned<byte[]> vb = (Versioned<byte[]>) ob.get();
            return va.version() == vb.version() && Arrays.equals(va.value(), vb.value());
        }
        return Objects.equals(a, b);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
            try {
                // Also drop the server-side watch, so closed watches do not pile up on the session.
                client.watchers().remove(watcher).ofType(org.apache.zookeeper.Watcher.WatcherType.Any).quietly()
                        .inBackground().forPath(path);
            } catch (Exception e) {
                log.debug("Removing the watch on {}: {}", path, e.toString());
            }
        }
    }
}
