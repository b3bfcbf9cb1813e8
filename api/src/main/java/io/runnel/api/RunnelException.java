package io.runnel.api;

import static java.util.Objects.requireNonNull;

/**
 * The one root exception of Runnel. Every failure that crosses a module or plugin boundary is a
 * {@code RunnelException} carrying a stable {@link ErrorCode}; wire error codes map to it one to
 * one.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public class RunnelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    public RunnelException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = requireNonNull(errorCode, "errorCode is null");
    }

    public RunnelException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = requireNonNull(errorCode, "errorCode is null");
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    public boolean retriable() {
        return errorCode.retriable();
    }
}
