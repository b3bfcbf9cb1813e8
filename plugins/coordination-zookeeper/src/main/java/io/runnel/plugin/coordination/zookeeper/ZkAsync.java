package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.coordination.VersionConflictException;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;

import java.util.concurrent.CompletableFuture;

/**
 * Turns Curator's background operations into futures, and ZooKeeper result codes into Runnel's
 * errors. Futures complete on Curator's event thread: what follows them must not block.
 */
final class ZkAsync {
    private ZkAsync() {
    }

    /** Starts one background operation. */
    @FunctionalInterface
    interface Operation {
        void start(BackgroundCallback callback) throws Exception;
    }

    /** The event of the finished operation, whatever its result code. */
    static CompletableFuture<CuratorEvent> run(Operation operation) {
        CompletableFuture<CuratorEvent> future = new CompletableFuture<>();
        try {
            operation.start((client, event) -> future.complete(event));
        } catch (Exception e) {
            future.completeExceptionally(new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR,
                    "ZooKeeper operation could not start: " + e, e));
        }
        return future;
    }

    static KeeperException.Code code(CuratorEvent event) {
        return KeeperException.Code.get(event.getResultCode());
    }

    static boolean ok(CuratorEvent event) {
        return code(event) == KeeperException.Code.OK;
    }

    /** The Runnel error for a failed operation on {@code path}. */
    static RunnelException error(String what, String path, CuratorEvent event) {
        KeeperException.Code code = code(event);
        String message = "ZooKeeper " + what + " of " + path + " failed: " + code;
        switch (code) {
            case BADVERSION:
            case NODEEXISTS:
            case NONODE:
            case NOTEMPTY:
                return new VersionConflictException(message);
            case CONNECTIONLOSS:
            case SESSIONEXPIRED:
            case OPERATIONTIMEOUT:
            case SESSIONMOVED:
                return new RunnelException(ErrorCode.REQUEST_TIMED_OUT, message);
            default:
                return new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, message);
        }
    }
}
