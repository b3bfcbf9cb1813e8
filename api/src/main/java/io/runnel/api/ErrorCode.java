package io.runnel.api;

import java.util.HashMap;
import java.util.Map;

/**
 * The stable error codes of Runnel: on the wire, in logs and in exceptions.
 *
 * <p>Each constant carries a numeric {@link #code()} that never changes once released. The numbers
 * follow the Apache Kafka protocol's error codes where the meaning is the same, so that a later
 * Kafka-protocol listener maps them one to one. {@link #retriable()} tells a client whether the
 * same request may succeed if sent again (after a metadata refresh or a back-off).
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public enum ErrorCode {
    UNKNOWN_SERVER_ERROR(-1, false, "The server experienced an unexpected error"),
    NONE(0, false, "No error"),
    OFFSET_OUT_OF_RANGE(1, false, "The requested offset is outside the range of offsets kept for the partition"),
    CORRUPT_RECORD(2, true, "The record batch failed its CRC or length check, or is otherwise corrupt"),
    UNKNOWN_TOPIC_OR_PARTITION(3, true, "This server does not host this topic-partition"),
    INVALID_FETCH_SIZE(4, false, "The requested fetch size is invalid"),
    LEADER_NOT_AVAILABLE(5, true, "There is no leader for this topic-partition, as an election is in progress"),
    NOT_LEADER_OR_FOLLOWER(6, true, "This server is not the leader or a follower of that topic-partition"),
    REQUEST_TIMED_OUT(7, true, "The request timed out"),
    BROKER_NOT_AVAILABLE(8, false, "The broker is not available"),
    REPLICA_NOT_AVAILABLE(9, true, "The replica is not available for the requested topic-partition"),
    MESSAGE_TOO_LARGE(10, false, "The request included a record batch larger than the server will accept"),
    STALE_CONTROLLER_EPOCH(11, false, "The controller moved to another broker"),
    OFFSET_METADATA_TOO_LARGE(12, false, "The metadata field of the offset request was too large"),
    NETWORK_EXCEPTION(13, true, "The server disconnected before a response was received"),
    COORDINATOR_LOAD_IN_PROGRESS(14, true, "The coordinator is loading and cannot process requests yet"),
    COORDINATOR_NOT_AVAILABLE(15, true, "The coordinator is not available"),
    NOT_COORDINATOR(16, true, "This is not the correct coordinator"),
    INVALID_TOPIC(17, false, "The request attempted an operation on an invalid topic"),
    RECORD_LIST_TOO_LARGE(18, false, "The request included batches larger than the configured segment size"),
    NOT_ENOUGH_REPLICAS(19, true, "Fewer in-sync replicas than required"),
    NOT_ENOUGH_REPLICAS_AFTER_APPEND(20, true, "The batch was written, but to fewer in-sync replicas than required"),
    INVALID_REQUIRED_ACKS(21, false, "The produce request specified an invalid value for required acks"),
    ILLEGAL_GENERATION(22, false, "The generation id given by the group member is not current"),
    INCONSISTENT_GROUP_PROTOCOL(23, false, "The member's assignors are not compatible with the group's"),
    INVALID_GROUP_ID(24, false, "The group id is invalid"),
    UNKNOWN_MEMBER_ID(25, false, "The coordinator does not know this member"),
    INVALID_SESSION_TIMEOUT(26, false, "The session timeout is not within the range allowed by the broker"),
    REBALANCE_IN_PROGRESS(27, false, "The group is rebalancing, so a rejoin is needed"),
    INVALID_COMMIT_OFFSET_SIZE(28, false, "The committing offset data size is not valid"),
    UNSUPPORTED_VERSION(35, false, "The version of the API is not supported"),
    TOPIC_ALREADY_EXISTS(36, false, "The topic already exists"),
    INVALID_PARTITIONS(37, false, "The number of partitions is invalid"),
    INVALID_REPLICATION_FACTOR(38, false, "The replication factor is invalid"),
    INVALID_REPLICA_ASSIGNMENT(39, false, "The replica assignment is invalid"),
    INVALID_CONFIG(40, false, "The configuration is invalid"),
    NOT_CONTROLLER(41, true, "This is not the correct controller for this cluster"),
    INVALID_REQUEST(42, false, "The request is malformed or violates the protocol"),
    OUT_OF_ORDER_SEQUENCE_NUMBER(45, false, "The broker received an out of order sequence number"),
    DUPLICATE_SEQUENCE_NUMBER(46, false, "The broker received a duplicate sequence number"),
    INVALID_PRODUCER_EPOCH(47, false, "The producer's epoch is older than the one the broker knows"),
    STORAGE_ERROR(56, true, "A disk error occurred while accessing the log directory"),
    LOG_DIR_NOT_FOUND(57, false, "The user-specified log directory is not found in the broker config"),
    UNKNOWN_PRODUCER_ID(59, false, "The broker has no state for this producer id"),
    GROUP_ID_NOT_FOUND(69, false, "The group id does not exist"),
    NON_EMPTY_GROUP(68, false, "The group is not empty"),
    FENCED_LEADER_EPOCH(74, true, "The leader epoch in the request is older than the broker's"),
    UNKNOWN_LEADER_EPOCH(75, true, "The leader epoch in the request is newer than the broker's"),
    UNSUPPORTED_COMPRESSION_TYPE(76, false, "The compression codec of the batch is not available here"),
    OFFSET_NOT_AVAILABLE(78, true, "The leader's high watermark has not caught up from a recent election"),
    MEMBER_ID_REQUIRED(79, false, "The group member needs a member id to join"),
    PREFERRED_LEADER_NOT_AVAILABLE(80, true, "The preferred leader was not available"),
    ELIGIBLE_LEADERS_NOT_AVAILABLE(83, true, "No replica of the topic-partition may be elected leader now"),
    ELECTION_NOT_NEEDED(84, false, "Leader election not needed for the topic-partition"),
    /** Not a Kafka code: a plugin could not be found, loaded or configured. */
    PLUGIN_ERROR(-1000, false, "A plugin could not be loaded or configured");

    private static final Map<Integer, ErrorCode> BY_CODE = new HashMap<>();

    static {
        for (ErrorCode e : values()) {
            if (BY_CODE.put((int) e.code, e) != null) {
                throw new ExceptionInInitializerError("duplicate error code " + e.code);
            }
        }
    }

    private final short code;
    private final boolean retriable;
    private final String description;

    ErrorCode(int code, boolean retriable, String description) {
        this.code = (short) code;
        this.retriable = retriable;
        this.description = description;
    }

    /** The numeric code carried on the wire. */
    public short code() {
        return code;
    }

    /** Whether the same request may succeed when retried. */
    public boolean retriable() {
        return retriable;
    }

    /** A one-line description for people. */
    public String description() {
        return description;
    }

    /**
     * The error for a wire code; {@link #UNKNOWN_SERVER_ERROR} for a code this build does not know,
     * so that a newer server's answer is still an error and never mistaken for success.
     */
    public static ErrorCode forCode(int code) {
        ErrorCode e = BY_CODE.get(code);
        return e == null ? UNKNOWN_SERVER_ERROR : e;
    }

    /** A {@link RunnelException} with this code and the given message. */
    public RunnelException exception(String message) {
        return new RunnelException(this, message);
    }
}
