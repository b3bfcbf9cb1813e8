package io.runnel.api.coordination;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

/**
 * A versioned write lost: the value changed (or appeared, or vanished) since it was read.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public class VersionConflictException extends RunnelException {
    private static final long serialVersionUID = 1L;

    public VersionConflictException(String message) {
        super(ErrorCode.INVALID_REQUEST, message);
    }
}
