package io.runnel.broker.internal.handler;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps failures to wire errors: a {@link RunnelException} keeps its code, anything else is a server error (logged). */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    private Errors() {
    }

    static RunnelException toRunnel(Throwable failure, String what) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RunnelException e) {
            return e;
        }
        log.error("Unexpected failure while handling {}", what, cause);
        return new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, what + " failed: " + cause);
    }
}
