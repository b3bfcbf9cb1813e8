package io.runnel.client.consumer;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

/**
 * A commit the coordinator refused because this consumer is no longer the group's member of the
 * current generation ({@link ErrorCode#ILLEGAL_GENERATION}, {@link ErrorCode#UNKNOWN_MEMBER_ID},
 * {@link ErrorCode#REBALANCE_IN_PROGRESS}): its partitions were, or are being, given to another
 * member, which goes on from the last accepted commit. Not retriable as it is; the consumer rejoins
 * on the next {@code poll}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class CommitFailedException extends RunnelException {
    private static final long serialVersionUID = 1L;

    public CommitFailedException(ErrorCode errorCode, String message) {
        super(errorCode, message);
    }
}
