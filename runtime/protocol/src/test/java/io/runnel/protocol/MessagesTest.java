package io.runnel.protocol;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.FileRecords;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.record.Records;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.CreatePartitions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.DeleteGroups;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.protocol.message.DescribeGroups;
import io.runnel.protocol.message.FindCoordinator;
import io.runnel.protocol.message.Heartbeat;
import io.runnel.protocol.message.JoinGroup;
import io.runnel.protocol.message.LeaveGroup;
import io.runnel.protocol.message.ListGroups;
import io.runnel.protocol.message.OffsetCommit;
import io.runnel.protocol.message.OffsetFetch;
import io.runnel.protocol.message.SyncGroup;
import io.runnel.protocol.message.ElectLeaders;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.InitProducerId;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest {
    private static final ByteBuffer BATCH = new RecordBatchBuilder(null)
            .append(1L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)).build();

    private static List<Message> sampleRequests() {
        return List.of(
                new ApiVersions.Request(),
                new Metadata.Request(List.of("orders", "payments"), true),
                new Metadata.Request(null, false),
                new Produce.Request((short) -1, 30_000, List.of(new PerTopic<>("orders",
                        List.of(new Produce.PartitionData(0, new MemoryRecords(BATCH)),
                                new Produce.PartitionData(3, Records.EMPTY))))),
                new Fetch.Request(-1, 500, 1, 52_428_800, List.of(new PerTopic<>("orders",
                        List.of(new Fetch.PartitionRequest(0, 4, 1234L, 1_048_576))))),
                new ListOffsets.Request(-1, List.of(new PerTopic<>("orders",
                        List.of(new ListOffsets.PartitionRequest(0, -1, ListOffsets.EARLIEST),
                                new ListOffsets.PartitionRequest(1, -1, 1_700_000_000_000L))))),
                new CreateTopics.Request(List.of(new CreateTopics.Topic("orders", 6, (short) 3,
                        Map.of("retention.ms", "60000", "cleanup.policy", "delete"))), 30_000, false),
                new DeleteTopics.Request(List.of("orders", "old"), 30_000),
                new InitProducerId.Request(null, 60_000),
                new CreatePartitions.Request(List.of(new CreatePartitions.Topic("orders", 12)), 30_000, true),
                new ElectLeaders.Request(ElectLeaders.PREFERRED, List.of(new PerTopic<>("orders", List.of(0, 3))), 30_000),
                new ElectLeaders.Request(ElectLeaders.UNCLEAN, null, 5_000),
                new DescribeConfigs.Request(List.of(new DescribeConfigs.Resource(DescribeConfigs.TOPIC, "orders", null),
                        new DescribeConfigs.Resource(DescribeConfigs.BROKER, "1", List.of("min.insync.replicas")))),
                new FindCoordinator.Request("g1", FindCoordinator.GROUP),
                new JoinGroup.Request("g1", 10_000, 300_000, "", "consumer", List.of(
                        new JoinGroup.Protocol("sticky", SUBSCRIPTION), new JoinGroup.Protocol("range", SUBSCRIPTION))),
                new Heartbeat.Request("g1", 3, "m-1"),
                new LeaveGroup.Request("g1", "m-1"),
                new SyncGroup.Request("g1", 3, "m-1"),
                new DescribeGroups.Request(List.of("g1", "g2")),
                new ListGroups.Request(),
                new OffsetCommit.Request("g1", 3, "m-1", List.of(new PerTopic<>("orders", List.of(
                        new OffsetCommit.PartitionData(0, 42L, 5, "meta"), new OffsetCommit.PartitionData(1, 7L, -1, null))))),
                new OffsetFetch.Request("g1", List.of(new PerTopic<>("orders", List.of(0, 1)))),
                new OffsetFetch.Request("g1", null),
                new DeleteGroups.Request(List.of("g1")));
    }

    private static final ByteBuffer SUBSCRIPTION = ConsumerProtocol.encodeSubscription(
            ConsumerProtocol.Subscription.ofTopics(List.of("orders")));
    private static final ByteBuffer ASSIGNMENT = ConsumerProtocol.encodeAssignment(
            new ConsumerProtocol.Assignment(List.of(new TopicPartition("orders", 0)), null, false));

    private static List<Message> sampleResponses() {
        return List.of(
                ApiVersions.Response.ofThisBuild(),
                new Metadata.Response(List.of(new Metadata.Broker(1, "127.0.0.1", 9092, null),
                        new Metadata.Broker(2, "host-2", 9093, "rack-b")), 1,
                        List.of(new Metadata.Topic((short) 0, "orders", List.of(new Metadata.Partition((short) 0, 0, 1, 7,
                                List.of(1, 2), List.of(1)))), new Metadata.Topic((short) 3, "missing", List.of()))),
                new Produce.Response(List.of(new PerTopic<>("orders", List.of(
                        new Produce.PartitionResult(0, (short) 0, 100L, -1L, 0L, null),
                        new Produce.PartitionResult(1, (short) 2, -1L, -1L, -1L, "corrupt record batch: CRC mismatch"))))),
                new Fetch.Response((short) 0, List.of(new PerTopic<>("orders", List.of(
                        new Fetch.PartitionData(0, (short) 0, 10L, 0L, new MemoryRecords(BATCH)),
                        new Fetch.PartitionData(1, (short) 1, -1L, -1L, Records.EMPTY))))),
                new ListOffsets.Response(List.of(new PerTopic<>("orders",
                        List.of(new ListOffsets.PartitionResult(0, (short) 0, -1L, 42L, 3))))),
                new CreateTopics.Response(List.of(new CreateTopics.Result("orders", (short) 36, "exists"))),
                new DeleteTopics.Response(List.of(new CreateTopics.Result("orders", (short) 0, null))),
                new InitProducerId.Response((short) 0, 4000L, (short) 1),
                new CreatePartitions.Response(List.of(new CreateTopics.Result("orders", (short) 37, "fewer"))),
                new ElectLeaders.Response((short) 0, List.of(new PerTopic<>("orders", List.of(
                        new ElectLeaders.PartitionResult(0, (short) 0, null),
                        new ElectLeaders.PartitionResult(3, (short) 84, "leader 2 is the preferred replica"))))),
                new DescribeConfigs.Response(0, List.of(new DescribeConfigs.Result((short) 0, null, DescribeConfigs.TOPIC,
                        "orders", List.of(new DescribeConfigs.Config("retention.ms", "60000", false, false, false),
                                new DescribeConfigs.Config("retention.bytes", null, false, true, false))),
                        new DescribeConfigs.Result((short) 3, "unknown topic", DescribeConfigs.TOPIC, "gone", List.of()))),
                new FindCoordinator.Response((short) 0, null, 2, "127.0.0.1", 9094),
                new JoinGroup.Response((short) 0, 4, "range", "m-1", "m-2"),
                new JoinGroup.Response((short) 79, -1, null, "", "m-3"),
                new Heartbeat.Response((short) 27),
                new LeaveGroup.Response((short) 0),
                new SyncGroup.Response((short) 0, ASSIGNMENT),
                new DescribeGroups.Response(List.of(new DescribeGroups.Group((short) 0, "g1", "Stable", "consumer", "range",
                        List.of(new DescribeGroups.Member("m-1", "c1", "/127.0.0.1", SUBSCRIPTION, ASSIGNMENT))))),
                new ListGroups.Response((short) 0, List.of(new ListGroups.Group("g1", "consumer", "Stable"))),
                new OffsetCommit.Response(List.of(new PerTopic<>("orders", List.of(new OffsetCommit.PartitionResult(0, (short) 0))))),
                new OffsetFetch.Response((short) 0, List.of(new PerTopic<>("orders", List.of(
                        new OffsetFetch.PartitionData(0, 42L, 5, "meta", (short) 0),
                        new OffsetFetch.PartitionData(1, -1L, -1, null, (short) 0))))),
                new DeleteGroups.Response(List.of(new DeleteGroups.Result("g1", (short) 68))));
    }

    @Test
    void consumerProtocolBytesRoundTrip() {
        ConsumerProtocol.Subscription subscription = new ConsumerProtocol.Subscription(List.of(), "orders-.*",
                List.of(new TopicPartition("orders-1", 2), new TopicPartition("orders-1", 0), new TopicPartition("a", 1)),
                ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
        ConsumerProtocol.Subscription decoded = ConsumerProtocol.decodeSubscription(
                ConsumerProtocol.encodeSubscription(subscription));
        assertEquals(subscription.pattern(), decoded.pattern());
        assertEquals(java.util.Set.copyOf(subscription.ownedPartitions()), java.util.Set.copyOf(decoded.ownedPartitions()));
        assertEquals(subscription.userData(), decoded.userData());
        assertTrue(decoded.cooperative());
        ConsumerProtocol.Assignment assignment = new ConsumerProtocol.Assignment(
                List.of(new TopicPartition("a", 0), new TopicPartition("a", 3)), null, true);
        assertEquals(assignment, ConsumerProtocol.decodeAssignment(ConsumerProtocol.encodeAssignment(assignment)));
        RunnelException e = assertThrows(RunnelException.class,
                () -> ConsumerProtocol.decodeSubscription(ByteBuffer.wrap(new byte[] {0, 0, 0})));
        assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    }

    private static RequestHeader header(Message body) {
        return new RequestHeader(body.apiKey().id(), (short) 0, 77, "test-client");
    }

    @Test
    void everyRequestRoundTrips() {
        for (Message request : sampleRequests()) {
            ByteBuffer frame = Messages.encodeRequest(header(request), request).toBuffer();
            Messages.Request decoded = Messages.decodeRequest(frame);
            assertEquals(header(request), decoded.header());
            assertEquals(request.apiKey(), decoded.apiKey());
            assertEquals(request, decoded.body(), request.apiKey().name());
        }
    }

    @Test
    void everyResponseRoundTrips() {
        for (Message response : sampleResponses()) {
            ByteBuffer frame = Messages.encodeResponse(99, (short) 0, response).toBuffer();
            assertEquals(99, Messages.correlationId(frame));
            assertEquals(response, Messages.decodeResponse(response.apiKey(), (short) 0, frame), response.apiKey().name());
        }
    }

    @Test
    void storedBatchesStayFileRegionsInAFetchResponse(@TempDir Path dir) throws Exception {
        try (FileChannel file = FileChannel.open(dir.resolve("segment"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.allocate(100), 0);
            file.write(BATCH.duplicate(), 100);
            FileRecords region = new FileRecords(file, 100, BATCH.remaining());
            Fetch.Response response = new Fetch.Response((short) 0, List.of(new PerTopic<>("orders",
                    List.of(new Fetch.PartitionData(0, (short) 0, 1L, 0L, region)))));
            Send send = Messages.encodeResponse(5, (short) 0, response);
            assertEquals(2, send.parts().size(), "the fields before the batches, then the batches: " + send.parts());
            assertEquals(region, send.parts().get(1), "the batches are sent from the file, not copied");
            assertEquals(((ByteBuffer) send.parts().get(0)).remaining() + BATCH.remaining(), send.sizeInBytes());
            Fetch.Response decoded = (Fetch.Response) Messages.decodeResponse(ApiKey.FETCH, (short) 0, send.toBuffer());
            assertEquals(new MemoryRecords(BATCH), decoded.topics().get(0).partitions().get(0).records());
        }
    }

    @Test
    void unknownApisAndVersionsAreReportedWithTheirNumbers() {
        ByteBuffer unknown = Messages.encodeRequest(new RequestHeader((short) 57, (short) 0, 1, null),
                new ApiVersions.Request()).toBuffer();
        RunnelException e = assertThrows(RunnelException.class, () -> Messages.decodeRequest(unknown));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.errorCode());
        assertTrue(e.getMessage().contains("57"), e.getMessage());

        ByteBuffer future = Messages.encodeRequest(new RequestHeader(ApiKey.FETCH.id(), (short) 9, 1, null),
                new ApiVersions.Request()).toBuffer();
        RunnelException v = assertThrows(RunnelException.class, () -> Messages.decodeRequest(future));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, v.errorCode());
        assertTrue(v.getMessage().contains("FETCH version 9"), v.getMessage());
    }

    /** Every truncation of every request is an INVALID_REQUEST, never another exception. */
    @Test
    void truncatedRequestsAreRefusedCleanly() {
        for (Message request : sampleRequests()) {
            byte[] whole = toBytes(Messages.encodeRequest(header(request), request).toBuffer());
            for (int length = 0; length < whole.length; length++) {
                ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(whole, length));
                RunnelException e = assertThrows(RunnelException.class, () -> Messages.decodeRequest(cut),
                        request.apiKey() + " cut to " + length);
                if (request instanceof ApiVersions.Request && length >= 8) {
                    continue; // only the nullable client id string can be cut here
                }
                assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode(), request.apiKey() + " cut to " + length);
            }
        }
    }

    @Test
    void garbageNeverEscapesAsAnythingButAProtocolError() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            if (bytes.length >= 4) {
                bytes[0] = 0;
                bytes[1] = (byte) ApiKey.values()[random.nextInt(ApiKey.values().length)].id();
                bytes[2] = 0;
                bytes[3] = 0;
            }
            ByteBuffer frame = ByteBuffer.wrap(bytes);
            try {
                Messages.decodeRequest(frame);
            } catch (RunnelException expected) {
                assertTrue(expected.errorCode() == ErrorCode.INVALID_REQUEST
                        || expected.errorCode() == ErrorCode.UNSUPPORTED_VERSION, expected.toString());
            }
        }
    }

    @Test
    void impossibleCountsAndTrailingBytesAreRefused() {
        ProtocolWriter w = new ProtocolWriter();
        new RequestHeader(ApiKey.DELETE_TOPICS.id(), (short) 0, 1, null).write(w);
        w.int32(Integer.MAX_VALUE);
        RunnelException e = assertThrows(RunnelException.class, () -> Messages.decodeRequest(w.toSend().toBuffer()));
        assertTrue(e.getMessage().contains("count 2147483647 is impossible"), e.getMessage());

        Message request = new DeleteTopics.Request(List.of("a"), 1);
        ByteBuffer valid = Messages.encodeRequest(header(request), request).toBuffer();
        ByteBuffer longer = ByteBuffer.allocate(valid.remaining() + 3).put(valid).put(new byte[3]).flip();
        RunnelException trailing = assertThrows(RunnelException.class, () -> Messages.decodeRequest(longer));
        assertTrue(trailing.getMessage().contains("3 unexpected trailing bytes"), trailing.getMessage());
    }

    @Test
    void sendsHoldOnlyBuffersAndFileRegions() {
        assertInstanceOf(IllegalArgumentException.class,
                assertThrows(IllegalArgumentException.class, () -> new Send(List.of("text"), 4)));
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
