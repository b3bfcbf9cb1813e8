package io.runnel.testkit;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginContext;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;
import io.runnel.api.record.Header;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.protocol.ApiKey;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.InitProducerId;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One broker over the real network path: every API, and the bad-input cases leave the log unchanged. */
@Timeout(120)
class BrokerTest {
    private static EmbeddedCluster cluster;
    private static final AtomicInteger topicIds = new AtomicInteger();

    @BeforeAll
    static void start() {
        cluster = EmbeddedCluster.start(1, Map.of("message.max.bytes", "10000", "auto.create.topics.enable", "false"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RawClient client() {
        return new RawClient(cluster.bootstrapServers());
    }

    private static String newTopic(RawClient client, int partitions) {
        String name = "t" + topicIds.incrementAndGet();
        CreateTopics.Response created = client.call(new CreateTopics.Request(
                List.of(new CreateTopics.Topic(name, partitions, (short) 1, Map.of())), 30_000, false));
        assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.topics().get(0).errorMessage());
        return name;
    }

    private static ByteBuffer batch(int count, String prefix) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null);
        for (int i = 0; i < count; i++) {
            builder.append(1_000_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (prefix + i).getBytes(StandardCharsets.UTF_8), List.of(new Header("h", new byte[]{(byte) i})));
        }
        return builder.build();
    }

    private static Produce.PartitionResult produce(RawClient client, String topic, ByteBuffer records, short acks) {
        Produce.Response response = client.call(new Produce.Request(acks, 30_000,
                List.of(new PerTopic<>(topic, List.of(new Produce.PartitionData(0, new MemoryRecords(records)))))));
        return response.topics().get(0).partitions().get(0);
    }

    private static long latest(RawClient client, String topic) {
        ListOffsets.Response response = client.call(new ListOffsets.Request(-1, List.of(new PerTopic<>(topic,
                List.of(new ListOffsets.PartitionRequest(0, -1, ListOffsets.LATEST))))));
        ListOffsets.PartitionResult result = response.topics().get(0).partitions().get(0);
        assertEquals(ErrorCode.NONE.code(), result.errorCode());
        return result.offset();
    }

    private static Fetch.PartitionData fetch(RawClient client, String topic, long offset, int maxWaitMs) {
        Fetch.Response response = client.call(new Fetch.Request(-1, maxWaitMs, 1, 1 << 20, List.of(new PerTopic<>(topic,
                List.of(new Fetch.PartitionRequest(0, -1, offset, 1 << 20))))));
        return response.topics().get(0).partitions().get(0);
    }

    private static List<Record> records(Fetch.PartitionData data) throws Exception {
        List<Record> all = new java.util.ArrayList<>();
        for (RecordBatch b : RecordBatch.parseAll(data.records().readAll())) {
            b.ensureValid();
            all.addAll(b.records(null));
        }
        return all;
    }

    @Test
    void apiVersionsListsEveryApi() {
        try (RawClient client = client()) {
            ApiVersions.Response response = client.call(new ApiVersions.Request());
            assertEquals(0, response.errorCode());
            assertEquals(ApiKey.values().length, response.apis().size());
        }
    }

    @Test
    void describeConfigsShowsATopicsOwnSettingsOverTheDefaultsAndTheBrokersSettings() {
        try (RawClient client = client()) {
            String name = "t" + topicIds.incrementAndGet();
            CreateTopics.Response created = client.call(new CreateTopics.Request(List.of(new CreateTopics.Topic(name, 1,
                    (short) 1, Map.of("retention.ms", "60000", "min.insync.replicas", "1"))), 30_000, false));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode());

            DescribeConfigs.Response response = client.call(new DescribeConfigs.Request(List.of(
                    new DescribeConfigs.Resource(DescribeConfigs.TOPIC, name, null),
                    new DescribeConfigs.Resource(DescribeConfigs.TOPIC, name, List.of("retention.ms", "max.message.bytes")),
                    new DescribeConfigs.Resource(DescribeConfigs.TOPIC, "missing", null),
                    new DescribeConfigs.Resource(DescribeConfigs.BROKER, "0", List.of("message.max.bytes", "num.partitions")),
                    new DescribeConfigs.Resource(DescribeConfigs.BROKER, "5", null),
                    new DescribeConfigs.Resource((byte) 9, "x", null))));
            List<DescribeConfigs.Result> results = response.results();
            assertEquals(6, results.size());

            Map<String, DescribeConfigs.Config> all = new java.util.HashMap<>();
            results.get(0).configs().forEach(c -> all.put(c.name(), c));
            assertEquals(new DescribeConfigs.Config("retention.ms", "60000", false, false, false), all.get("retention.ms"));
            assertEquals(new DescribeConfigs.Config("min.insync.replicas", "1", false, false, false),
                    all.get("min.insync.replicas"));
            assertEquals(new DescribeConfigs.Config("max.message.bytes", "10000", false, true, false),
                    all.get("max.message.bytes"), "the broker's message.max.bytes");
            assertEquals(new DescribeConfigs.Config("segment.bytes", "1073741824", false, true, false),
                    all.get("segment.bytes"), "the storage engine's default");
            assertEquals("false", all.get("unclean.leader.election.enable").value());

            assertEquals(List.of("max.message.bytes", "retention.ms"),
                    results.get(1).configs().stream().map(DescribeConfigs.Config::name).toList());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), results.get(2).errorCode());
            assertEquals(List.of(new DescribeConfigs.Config("message.max.bytes", "10000", true, false, false),
                    new DescribeConfigs.Config("num.partitions", "1", true, true, false)), results.get(3).configs());
            assertEquals(ErrorCode.INVALID_REQUEST.code(), results.get(4).errorCode(), results.get(4).errorMessage());
            assertTrue(results.get(4).errorMessage().contains("describes only itself"), results.get(4).errorMessage());
            assertEquals(ErrorCode.INVALID_REQUEST.code(), results.get(5).errorCode());
        }
    }

    @Test
    void producesAndFetchesRecordsThatRoundTrip() throws Exception {
        try (RawClient client = client()) {
            String topic = newTopic(client, 2);
            Metadata.Response metadata = client.call(new Metadata.Request(List.of(topic), false));
            Metadata.Topic t = metadata.topics().get(0);
            assertEquals(0, t.errorCode());
            assertEquals(2, t.partitions().size());
            assertEquals(0, t.partitions().get(0).leader());
            assertEquals(List.of(0), t.partitions().get(0).isr());
            assertEquals(1, metadata.brokers().size());

            assertEquals(0, produce(client, topic, batch(3, "a"), (short) 1).baseOffset());
            assertEquals(3, produce(client, topic, batch(2, "b"), (short) -1).baseOffset());
            assertEquals(5, latest(client, topic));

            List<Record> records = records(fetch(client, topic, 0, 0));
            assertEquals(5, records.size());
            Record third = records.get(2);
            assertEquals(2, third.offset());
            assertEquals(1_000_002L, third.timestamp());
            assertEquals("a2", StandardCharsets.UTF_8.decode(third.value()).toString());
            assertEquals("k2", StandardCharsets.UTF_8.decode(third.key()).toString());
            assertArrayEquals(new byte[]{2}, third.headers().get(0).value());
            assertEquals(4, records.get(4).offset());
        }
    }

    @Test
    void acksZeroGetsNoAnswerButIsWritten() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            client.send(new Produce.Request((short) 0, 30_000,
                    List.of(new PerTopic<>(topic, List.of(new Produce.PartitionData(0, new MemoryRecords(batch(4, "z"))))))));
            // The next answer on the connection is the ListOffsets one: requests are answered in order.
            assertEquals(4, latest(client, topic));
        }
    }

    @Test
    void oversizeBatchIsRefusedAndLogUnchanged() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            produce(client, topic, batch(1, "x"), (short) 1);
            Produce.PartitionResult result = produce(client, topic, batch(400, "y".repeat(30)), (short) 1);
            assertEquals(ErrorCode.MESSAGE_TOO_LARGE.code(), result.errorCode());
            assertTrue(result.errorMessage().contains("max.message.bytes"), result.errorMessage());
            assertEquals(1, latest(client, topic));
        }
    }

    @Test
    void batchWithBadCrcIsRefusedAndLogUnchanged() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            ByteBuffer bad = batch(2, "c");
            bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x55));
            Produce.PartitionResult result = produce(client, topic, bad, (short) 1);
            assertEquals(ErrorCode.CORRUPT_RECORD.code(), result.errorCode());
            assertEquals(0, latest(client, topic));
        }
    }

    @Test
    void invalidTopicsAndUnknownTopicsGetTheirCodes() {
        try (RawClient client = client()) {
            for (String name : List.of(".", "..", "a/b", "x".repeat(250), "with space", "")) {
                CreateTopics.Response response = client.call(new CreateTopics.Request(
                        List.of(new CreateTopics.Topic(name, 1, (short) 1, Map.of())), 10_000, false));
                assertEquals(ErrorCode.INVALID_TOPIC.code(), response.topics().get(0).errorCode(), name);
            }
            assertEquals(ErrorCode.NONE.code(), ((CreateTopics.Response) client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("x".repeat(249), 1, (short) 1, Map.of())), 10_000, false)))
                    .topics().get(0).errorCode());
            String topic = newTopic(client, 1);
            CreateTopics.Response again = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic(topic, 1, (short) 1, Map.of())), 10_000, false));
            assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS.code(), again.topics().get(0).errorCode());
            CreateTopics.Response tooMany = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("rf3", 1, (short) 3, Map.of())), 10_000, false));
            assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR.code(), tooMany.topics().get(0).errorCode());
            CreateTopics.Response badConfig = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("cfg", 1, (short) 1, Map.of("retention.ms", "soon"))), 10_000, false));
            assertEquals(ErrorCode.INVALID_CONFIG.code(), badConfig.topics().get(0).errorCode());
            assertTrue(badConfig.topics().get(0).errorMessage().contains("retention.ms"));
            CreateTopics.Response unknownConfig = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic("cfg", 1, (short) 1, Map.of("retension.ms", "1"))), 10_000, false));
            assertEquals(ErrorCode.INVALID_CONFIG.code(), unknownConfig.topics().get(0).errorCode());

            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), produce(client, "nope", batch(1, "n"), (short) 1).errorCode());
            Metadata.Response metadata = client.call(new Metadata.Request(List.of("nope"), true));
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), metadata.topics().get(0).errorCode());
        }
    }

    @Test
    void garbageClosesOnlyItsConnectionAndWritesNothing() {
        try (RawClient good = client(); RawClient bad = client()) {
            String topic = newTopic(good, 1);
            produce(good, topic, batch(2, "g"), (short) 1);
            bad.writeFrame(ByteBuffer.wrap(new byte[]{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
            assertTrue(bad.closedByPeer());
            try (RawClient huge = client()) {
                huge.writeRaw(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
                assertTrue(huge.closedByPeer());
            }
            assertEquals(2, latest(good, topic));
        }
    }

    @Test
    void idempotentRetryIsAnsweredWithTheFirstOffsetsAndGapsAreRefused() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            InitProducerId.Response pid = client.call(new InitProducerId.Request(null, 60_000));
            assertEquals(0, pid.errorCode());
            InitProducerId.Response other = client.call(new InitProducerId.Request(null, 60_000));
            assertNotEquals(pid.producerId(), other.producerId());

            ByteBuffer first = idempotentBatch(pid.producerId(), 0, 3);
            assertEquals(0, produce(client, topic, first.duplicate(), (short) -1).baseOffset());
            ByteBuffer second = idempotentBatch(pid.producerId(), 3, 2);
            assertEquals(3, produce(client, topic, second.duplicate(), (short) -1).baseOffset());
            // The response to the first was "lost": the producer sends it again.
            Produce.PartitionResult retry = produce(client, topic, idempotentBatch(pid.producerId(), 0, 3), (short) -1);
            assertEquals(ErrorCode.NONE.code(), retry.errorCode());
            assertEquals(0, retry.baseOffset());
            assertEquals(5, latest(client, topic));

            Produce.PartitionResult gap = produce(client, topic, idempotentBatch(pid.producerId(), 9, 1), (short) -1);
            assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), gap.errorCode());
            assertEquals(5, latest(client, topic));
        }
    }

    @Test
    void pipelinedProduceRequestsAreAppliedInTheOrderSent() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            InitProducerId.Response pid = client.call(new InitProducerId.Request(null, 60_000));
            int[] correlation = new int[200];
            for (int i = 0; i < correlation.length; i++) {
                correlation[i] = client.send(new Produce.Request((short) -1, 30_000, List.of(new PerTopic<>(topic, List.of(
                        new Produce.PartitionData(0, new MemoryRecords(idempotentBatch(pid.producerId(), i, 1))))))));
            }
            for (int i = 0; i < correlation.length; i++) {
                Produce.Response response = (Produce.Response) client.receive(ApiKey.PRODUCE, correlation[i]);
                Produce.PartitionResult result = response.topics().get(0).partitions().get(0);
                assertEquals(ErrorCode.NONE.code(), result.errorCode(), result.errorMessage());
                assertEquals(i, result.baseOffset());
            }
        }
    }

    private static ByteBuffer idempotentBatch(long producerId, int sequence, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null).idempotent(producerId, (short) 0, sequence);
        for (int i = 0; i < count; i++) {
            builder.append(5L, null, ("s" + (sequence + i)).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    @Test
    void longPollingFetchAnswersWhenDataArrives() throws Exception {
        try (RawClient consumer = client(); RawClient producer = client()) {
            String topic = newTopic(producer, 1);
            int waiting = consumer.send(new Fetch.Request(-1, 60_000, 1, 1 << 20, List.of(new PerTopic<>(topic,
                    List.of(new Fetch.PartitionRequest(0, -1, 0, 1 << 20))))));
            produce(producer, topic, batch(2, "late"), (short) 1);
            // Answered because data came, long before the 60 s wait (the test's timeout would fail first).
            Fetch.Response response = (Fetch.Response) consumer.receive(ApiKey.FETCH, waiting);
            assertEquals(2, records(response.topics().get(0).partitions().get(0)).size());
        }
    }

    @Test
    void fetchOutOfRangeAndEmptyAtTheEnd() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            produce(client, topic, batch(2, "r"), (short) 1);
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE.code(), fetch(client, topic, 99, 0).errorCode());
            Fetch.PartitionData atEnd = fetch(client, topic, 2, 10);
            assertEquals(0, atEnd.errorCode());
            assertEquals(0, atEnd.records().sizeInBytes());
            assertEquals(2, atEnd.highWatermark());
        }
    }

    @Test
    void listOffsetsFindsTheFirstRecordAtATimeInsideACompressedBatch() {
        CompressionCodec lz4 = ServiceLoader.load(CompressionCodecProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("lz4")).findFirst().orElseThrow()
                .create(() -> OptionalInt.empty(), Map.of());
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            RecordBatchBuilder builder = new RecordBatchBuilder(lz4);
            for (int i = 0; i < 10; i++) {
                builder.append(100L * i, null, new byte[]{(byte) i});
            }
            produce(client, topic, builder.build(), (short) 1);
            ListOffsets.Response response = client.call(new ListOffsets.Request(-1, List.of(new PerTopic<>(topic, List.of(
                    new ListOffsets.PartitionRequest(0, -1, 450), new ListOffsets.PartitionRequest(0, -1, 5000),
                    new ListOffsets.PartitionRequest(0, -1, ListOffsets.EARLIEST))))));
            List<ListOffsets.PartitionResult> results = response.topics().get(0).partitions();
            assertEquals(5, results.get(0).offset());
            assertEquals(500, results.get(0).timestamp());
            assertEquals(-1, results.get(1).offset());
            assertEquals(0, results.get(2).offset());
        }
    }

    @Test
    void deleteTopicRemovesMetadataAndLogs() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            produce(client, topic, batch(1, "d"), (short) 1);
            assertTrue(Files.exists(cluster.logDir(0).resolve(topic + "-0")));
            DeleteTopics.Response deleted = client.call(new DeleteTopics.Request(List.of(topic), 30_000));
            assertEquals(0, deleted.topics().get(0).errorCode());
            Metadata.Response metadata = client.call(new Metadata.Request(List.of(topic), false));
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), metadata.topics().get(0).errorCode());
            assertFalse(Files.exists(cluster.logDir(0).resolve(topic + "-0")));
            DeleteTopics.Response again = client.call(new DeleteTopics.Request(List.of(topic), 30_000));
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), again.topics().get(0).errorCode());
        }
    }


    private static ByteBuffer concat(ByteBuffer... parts) {
        int size = 0;
        for (ByteBuffer b : parts) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : parts) {
            all.put(b.duplicate());
        }
        return all.flip();
    }

    private static boolean retriableLeadership(short code) {
        return code == ErrorCode.NOT_LEADER_OR_FOLLOWER.code() || code == ErrorCode.LEADER_NOT_AVAILABLE.code()
                || code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code();
    }

    @Test
    void oneBatchTwiceInOneRequestIsWrittenOnce() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            long pid = client.<InitProducerId.Response>call(new InitProducerId.Request(null, 60_000)).producerId();
            ByteBuffer b = idempotentBatch(pid, 0, 3);
            Produce.PartitionResult result = produce(client, topic, concat(b, b), (short) -1);
            assertEquals(ErrorCode.NONE.code(), result.errorCode(), result.errorMessage());
            assertEquals(3, latest(client, topic), "the same sequence range was written twice");
        }
    }

    @Test
    void consecutiveIdempotentBatchesInOneRequestAreAccepted() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            long pid = client.<InitProducerId.Response>call(new InitProducerId.Request(null, 60_000)).producerId();
            Produce.PartitionResult result = produce(client, topic,
                    concat(idempotentBatch(pid, 0, 3), idempotentBatch(pid, 3, 2)), (short) -1);
            assertEquals(ErrorCode.NONE.code(), result.errorCode(), result.errorMessage());
            assertEquals(5, latest(client, topic));
        }
    }

    @Test
    void aRequestRefusedForItsSecondBatchLeavesTheLogUnchanged() {
        try (RawClient client = client()) {
            String topic = newTopic(client, 1);
            long pid = client.<InitProducerId.Response>call(new InitProducerId.Request(null, 60_000)).producerId();
            ByteBuffer bad = batch(2, "c");
            bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x55));
            Produce.PartitionResult result = produce(client, topic, concat(idempotentBatch(pid, 0, 3), bad), (short) -1);
            assertEquals(ErrorCode.CORRUPT_RECORD.code(), result.errorCode());
            assertEquals(0, latest(client, topic));
            // The producer's retry of its (valid) batch is a first write, not a duplicate.
            Produce.PartitionResult retry = produce(client, topic, idempotentBatch(pid, 0, 3), (short) -1);
            assertEquals(ErrorCode.NONE.code(), retry.errorCode(), retry.errorMessage());
            assertEquals(0, retry.baseOffset());
            assertEquals(3, latest(client, topic));
        }
    }

    @Test
    void aBatchResentAfterARestartIsADuplicateNotAnError() {
        try (EmbeddedCluster own = EmbeddedCluster.start(1, Map.of("auto.create.topics.enable", "false"))) {
            long pid;
            try (RawClient client = new RawClient(own.bootstrapServers())) {
                CreateTopics.Response created = client.call(new CreateTopics.Request(
                        List.of(new CreateTopics.Topic("restart", 1, (short) 1, Map.of())), 30_000, false));
                assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.topics().get(0).errorMessage());
                pid = client.<InitProducerId.Response>call(new InitProducerId.Request(null, 60_000)).producerId();
                assertEquals(0, produce(client, "restart", idempotentBatch(pid, 0, 3), (short) -1).baseOffset());
                assertEquals(3, produce(client, "restart", idempotentBatch(pid, 3, 2), (short) -1).baseOffset());
            }
            own.stopBroker(0);
            own.startBroker(0);
            try (RawClient client = new RawClient(own.bootstrapServers())) {
                // Both answers were lost in the restart; the producer resends its first in-flight batch.
                Produce.PartitionResult result = produce(client, "restart", idempotentBatch(pid, 0, 3), (short) -1);
                assertEquals(ErrorCode.DUPLICATE_SEQUENCE_NUMBER.code(), result.errorCode(), result.errorMessage());
                Produce.PartitionResult last = produce(client, "restart", idempotentBatch(pid, 3, 2), (short) -1);
                assertEquals(ErrorCode.NONE.code(), last.errorCode(), last.errorMessage());
                assertEquals(3, last.baseOffset());
                assertEquals(5, latest(client, "restart"));
            }
        }
    }

    @Test
    void aRecreatedTopicNeverWritesIntoTheDeletedLog() {
        try (EmbeddedCluster own = EmbeddedCluster.start(1, Map.of("auto.create.topics.enable", "false"));
             RawClient client = new RawClient(own.bootstrapServers());
             RawClient side = new RawClient(own.bootstrapServers())) {
            String topic = "again";
            client.call(new CreateTopics.Request(List.of(new CreateTopics.Topic(topic, 1, (short) 1, Map.of())), 30_000, false));
            assertEquals(0, produce(client, topic, batch(5, "old"), (short) 1).baseOffset());
            // Keep the partition-state thread busy opening logs, so the deletion's work queues behind it.
            side.send(new CreateTopics.Request(List.of(new CreateTopics.Topic("busy", 800, (short) 1, Map.of())), 1, false));
            Await.until("topic busy to exist", Duration.ofSeconds(30),
                    () -> client.<Metadata.Response>call(new Metadata.Request(List.of("busy"), false)).topics().get(0).errorCode(),
                    code -> code == 0);
            client.call(new DeleteTopics.Request(List.of(topic), 1));
            Await.until("topic " + topic + " to be gone", Duration.ofSeconds(30),
                    () -> client.<Metadata.Response>call(new Metadata.Request(List.of(topic), false)).topics().get(0).errorCode(),
                    code -> code != 0);
            client.call(new CreateTopics.Request(List.of(new CreateTopics.Topic(topic, 1, (short) 1, Map.of())), 1, false));
            Produce.PartitionResult first = Await.until("a produce to the new topic", Duration.ofSeconds(60),
                    () -> produce(client, topic, batch(1, "new"), (short) 1), r -> !retriableLeadership(r.errorCode()));
            assertEquals(ErrorCode.NONE.code(), first.errorCode(), first.errorMessage());
            assertEquals(0, first.baseOffset(), "the first record of the re-created topic went into the old log");
            // Once the queued deletion has run, the acknowledged record is still there.
            Fetch.PartitionData data = Await.until("the busy topic's partitions to open", Duration.ofSeconds(60),
                    () -> fetch(client, "busy", 0, 0), d -> d.errorCode() == 0);
            assertEquals(0, data.errorCode());
            Fetch.PartitionData again = fetch(client, topic, 0, 0);
            assertEquals(0, again.errorCode());
            assertEquals(1, again.highWatermark());
        }
    }

    static PluginContext noContext() {
        return OptionalInt::empty;
    }
}
