package io.runnel.protocol;

import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.CreatePartitions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteGroups;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.protocol.message.DescribeGroups;
import io.runnel.protocol.message.ElectLeaders;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.protocol.message.Heartbeat;
import io.runnel.protocol.message.InitProducerId;
import io.runnel.protocol.message.JoinGroup;
import io.runnel.protocol.message.LeaveGroup;
import io.runnel.protocol.message.ListGroups;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.OffsetForLeaderEpoch;
import io.runnel.protocol.message.Produce;
import io.runnel.protocol.message.SyncGroup;

import java.nio.ByteBuffer;

/**
 * Encodes and decodes whole frames' contents: a request is its header then its body; a response
 * is an int32 correlation id then its body. The 4-byte frame length in front of each is the
 * network layer's.
 */
public final class Messages {
    private Messages() {
    }

    /** A decoded request. */
    public record Request(RequestHeader header, ApiKey apiKey, Message body) {
    }

    public static Send encodeRequest(RequestHeader header, Message body) {
        ProtocolWriter writer = new ProtocolWriter();
        header.write(writer);
        body.write(writer, header.apiVersion());
        return writer.toSend();
    }

    /**
     * Decodes a request frame.
     *
     * @throws io.runnel.api.RunnelException {@code UNSUPPORTED_VERSION} for an unknown API or
     *     version (the header is still readable, so the broker can answer), {@code INVALID_REQUEST}
     *     for a malformed body
     */
    public static Request decodeRequest(ByteBuffer frame) {
        ProtocolReader reader = new ProtocolReader(frame);
        RequestHeader header = RequestHeader.read(reader);
        ApiKey key = ApiKey.forId(header.apiKey());
        key.checkVersion(header.apiVersion());
        short v = header.apiVersion();
        Message body = switch (key) {
            case PRODUCE -> Produce.Request.read(reader, v);
            case FETCH -> Fetch.Request.read(reader, v);
            case LIST_OFFSETS -> ListOffsets.Request.read(reader, v);
            case METADATA -> Metadata.Request.read(reader, v);
            case API_VERSIONS -> ApiVersions.Request.read(reader, v);
            case CREATE_TOPICS -> CreateTopics.Request.read(reader, v);
            case DELETE_TOPICS -> DeleteTopics.Request.read(reader, v);
            case INIT_PRODUCER_ID -> InitProducerId.Request.read(reader, v);
            case OFFSET_FOR_LEADER_EPOCH -> OffsetForLeaderEpoch.Request.read(reader, v);
            case CREATE_PARTITIONS -> CreatePartitions.Request.read(reader, v);
            case ELECT_LEADERS -> ElectLeaders.Request.read(reader, v);
            case DESCRIBE_CONFIGS -> DescribeConfigs.Request.read(reader, v);
            case OFFSET_COMMIT -> OffsetCommit.Request.read(reader, v);
            case OFFSET_FETCH -> OffsetFetch.Request.read(reader, v);
            case FIND_COORDINATOR -> FindCoordinator.Request.read(reader, v);
            case JOIN_GROUP -> JoinGroup.Request.read(reader, v);
            case HEARTBEAT -> Heartbeat.Request.read(reader, v);
            case LEAVE_GROUP -> LeaveGroup.Request.read(reader, v);
            case SYNC_GROUP -> SyncGroup.Request.read(reader, v);
            case DESCRIBE_GROUPS -> DescribeGroups.Request.read(reader, v);
            case LIST_GROUPS -> ListGroups.Request.read(reader, v);
            case DELETE_GROUPS -> DeleteGroups.Request.read(reader, v);
        };
        reader.expectEnd(key + " request");
        return new Request(header, key, body);
    }

    public static Send encodeResponse(int correlationId, short version, Message body) {
        ProtocolWriter writer = new ProtocolWriter();
        writer.int32(correlationId);
        body.write(writer, version);
        return writer.toSend();
    }

    /** The correlation id at the start of a response frame. */
    public static int correlationId(ByteBuffer frame) {
        return new ProtocolReader(frame).int32("correlationId");
    }

    /** Decodes a response frame to a request of {@code key} and {@code version}. */
    public static Message decodeResponse(ApiKey key, short version, ByteBuffer frame) {
        ProtocolReader reader = new ProtocolReader(frame);
        reader.int32("correlationId");
        Message body = switch (key) {
            case PRODUCE -> Produce.Response.read(reader, version);
            case FETCH -> Fetch.Response.read(reader, version);
            case LIST_OFFSETS -> ListOffsets.Response.read(reader, version);
            case METADATA -> Metadata.Response.read(reader, version);
            case API_VERSIONS -> ApiVersions.Response.read(reader, version);
            case CREATE_TOPICS -> CreateTopics.Response.read(reader, version);
            case DELETE_TOPICS -> DeleteTopics.Response.read(reader, version);
            case INIT_PRODUCER_ID -> InitProducerId.Response.read(reader, version);
            case OFFSET_FOR_LEADER_EPOCH -> OffsetForLeaderEpoch.Response.read(reader, version);
            case CREATE_PARTITIONS -> CreatePartitions.Response.read(reader, version);
            case ELECT_LEADERS -> ElectLeaders.Response.read(reader, version);
            case DESCRIBE_CONFIGS -> DescribeConfigs.Response.read(reader, version);
            case OFFSET_COMMIT -> OffsetCommit.Response.read(reader, version);
            case OFFSET_FETCH -> OffsetFetch.Response.read(reader, version);
            case FIND_COORDINATOR -> FindCoordinator.Response.read(reader, version);
            case JOIN_GROUP -> JoinGroup.Response.read(reader, version);
            case HEARTBEAT -> Heartbeat.Response.read(reader, version);
            case LEAVE_GROUP -> LeaveGroup.Response.read(reader, version);
            case SYNC_GROUP -> SyncGroup.Response.read(reader, version);
            case DESCRIBE_GROUPS -> DescribeGroups.Response.read(reader, version);
            case LIST_GROUPS -> ListGroups.Response.read(reader, version);
            case DELETE_GROUPS -> DeleteGroups.Response.read(reader, version);
        };
        reader.expectEnd(key + " response");
        return body;
    }
}
