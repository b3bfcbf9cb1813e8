package io.runnel.protocol;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

/**
 * The APIs of the protocol, with the numbers Kafka uses for the same calls, and the versions this
 * build speaks. A request names its API and version in its header; a broker answers an unknown API
 * or an unsupported version with {@link ErrorCode#UNSUPPORTED_VERSION}.
 */
public enum ApiKey {
    PRODUCE(0, 0, 0),
    FETCH(1, 0, 0),
    LIST_OFFSETS(2, 0, 0),
    METADATA(3, 0, 0),
    OFFSET_COMMIT(8, 0, 0),
    OFFSET_FETCH(9, 0, 0),
    FIND_COORDINATOR(10, 0, 0),
    JOIN_GROUP(11, 0, 0),
    HEARTBEAT(12, 0, 0),
    LEAVE_GROUP(13, 0, 0),
    SYNC_GROUP(14, 0, 0),
    DESCRIBE_GROUPS(15, 0, 0),
    LIST_GROUPS(16, 0, 0),
    API_VERSIONS(18, 0, 0),
    CREATE_TOPICS(19, 0, 0),
    DELETE_TOPICS(20, 0, 0),
    INIT_PRODUCER_ID(22, 0, 0),
    OFFSET_FOR_LEADER_EPOCH(23, 0, 0),
    DESCRIBE_CONFIGS(32, 0, 0),
    DELETE_GROUPS(42, 0, 0),
    CREATE_PARTITIONS(37, 0, 0),
    ELECT_LEADERS(43, 0, 0);

    private static final ApiKey[] BY_ID = new ApiKey[64];

    static {
        for (ApiKey key : values()) {
            BY_ID[key.id] = key;
        }
    }

    private final short id;
    private final short minVersion;
    private final short maxVersion;

    ApiKey(int id, int minVersion, int maxVersion) {
        this.id = (short) id;
        this.minVersion = (short) minVersion;
        this.maxVersion = (short) maxVersion;
    }

    public short id() {
        return id;
    }

    public short minVersion() {
        return minVersion;
    }

    public short maxVersion() {
        return maxVersion;
    }

    public boolean supports(short version) {
        return version >= minVersion && version <= maxVersion;
    }

    /**
     * The API with this number.
     *
     * @throws RunnelException {@link ErrorCode#UNSUPPORTED_VERSION} naming the number if this build
     *     does not know it
     */
    public static ApiKey forId(int id) {
        ApiKey key = id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
        if (key == null) {
            throw new RunnelException(ErrorCode.UNSUPPORTED_VERSION, "unknown api key " + id);
        }
        return key;
    }

    /** Checks that {@code version} is one this build speaks for this API. */
    public void checkVersion(short version) {
        if (!supports(version)) {
            throw new RunnelException(ErrorCode.UNSUPPORTED_VERSION, name() + " version " + version
                    + " is not supported; this build speaks versions " + minVersion + " to " + maxVersion);
        }
    }
}
