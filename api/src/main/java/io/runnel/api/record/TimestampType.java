package io.runnel.api.record;

import io.runnel.api.Api;

/**
 * What a batch's timestamps mean: when the producer created the records, or when the leader
 * appended them ({@code message.timestamp.type=LogAppendTime}).
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public enum TimestampType {
    CREATE_TIME,
    LOG_APPEND_TIME
}
