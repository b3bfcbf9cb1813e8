package io.runnel.broker.internal.group;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.coordination.VersionConflictException;
import io.runnel.protocol.message.JoinGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How the group classes turn failures into wire error codes, in one place so every group API
 * answers a store failure the same way.
 *
 * <p>Thread safe: static methods without state.
 */
final class GroupErrors {
    private static final Logger log = LoggerFactory.getLogger(GroupErrors.class);

    private GroupErrors() {
    }

    /** The failure inside the wrappers a future adds. */
    static Throwable unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A store failure as a group error: a lost version race is NOT_COORDINATOR, anything else retriable. */
    static ErrorCode errorFor(Throwable failure, String what) {
        Throwable cause = unwrap(failure);
        if (cause instanceof VersionConflictException) {
            return ErrorCode.NOT_COORDINATOR;
        }
        if (cause instanceof RunnelException r && r.errorCode() == ErrorCode.INVALID_REQUEST) {
            log.error("{} failed: {}", what, r.getMessage());
            return ErrorCode.UNKNOWN_SERVER_ERROR;
        }
        log.warn("{} failed: {}", what, cause.toString());
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }

    /** A JoinGroup answer carrying only an error (and the member id the client should use). */
    static JoinGroup.Response joinError(ErrorCode error, String memberId) {
        return new JoinGroup.Response(error.code(), -1, null, "", memberId);
    }
}
