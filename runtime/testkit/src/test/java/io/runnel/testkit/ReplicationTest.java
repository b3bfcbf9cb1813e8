package io.runnel.testkit;

import io.runnel.api.ErrorCode;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.storage.PartitionLog;
import io.runnel.broker.Broker;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.OffsetForLeaderEpoch;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replication on a 3-broker in-process cluster: the creating broker writes each partition's first
 * state (first replica leads, every replica in sync); leader changes come from the controller.
 */
@Timeout(180)
class ReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "replicated";

    private static ByteBuffer batch(int count, String prefix) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null);
        for (int i = 0; i < count; i++) {
            builder.append(1_000_000L + i, null, (prefix + i).getBytes(StandardCharsets.UTF_8), List.of());
        }
        return builder.build();
    }

    private static void createTopic(EmbeddedCluster cluster, Map<String, String> configs) {
        try (RawClient client = new RawClient(cluster.broker(0).advertisedAddress())) {
            // Each broker has seen its own registration when start returns, not necessarily the others'.
            Await.until("broker 0 to see 3 brokers", WAIT, () -> client.<Metadata.Response>call(
                    new Metadata.Request(List.of(), false)).brokers().size(), n -> n == 3);
            CreateTopics.Response created = client.call(new CreateTopics.Request(
                    List.of(new CreateTopics.Topic(TOPIC, 1, (short) 3, configs)), 30_000, false));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.topics().get(0).errorMessage());
        }
    }

    private static Metadata.Partition metadata(Broker broker) {
        try (RawClient client = new RawClient(broker.advertisedAddress())) {
            Metadata.Response response = client.call(new Metadata.Request(List.of(TOPIC), false));
            List<Metadata.Partition> partitions = response.topics().get(0).partitions();
            return partitions.isEmpty() ? null : partitions.get(0);
        }
    }

    private static Produce.PartitionResult produce(Broker broker, ByteBuffer records, short acks) {
        return produce(broker, records, acks, 30_000);
    }

    private static Produce.PartitionResult produce(Broker broker, ByteBuffer records, short acks, int timeoutMs) {
        try (RawClient client = new RawClient(broker.advertisedAddress())) {
            Produce.Response response = client.call(new Produce.Request(acks, timeoutMs,
                    List.of(new PerTopic<>(TOPIC, List.of(new Produce.PartitionData(0, new MemoryRecords(records)))))));
            return response.topics().get(0).partitions().get(0);
        }
    }

    private static Fetch.PartitionData consume(Broker broker, long offset) {
        try (RawClient client = new RawClient(broker.advertisedAddress())) {
            Fetch.Response response = client.call(new Fetch.Request(-1, 0, 1, 1 << 20, List.of(new PerTopic<>(TOPIC,
                    List.of(new Fetch.PartitionRequest(0, -1, offset, 1 << 20))))));
            return response.topics().get(0).partitions().get(0);
        }
    }

    private static long logEnd(Broker broker) {
        return broker.partitionLog(TOPIC, 0).map(PartitionLog::logEndOffset).orElse(-1L);
    }

    /** The values in a replica's log, in offset order. */
    private static List<String> values(Broker broker) {
        PartitionLog log = broker.partitionLog(TOPIC, 0).orElseThrow();
        List<String> values = new ArrayList<>();
        long offset = log.logStartOffset();
        try {
            while (offset < log.logEndOffset()) {
                List<RecordBatch> batches = RecordBatch.parseAll(log.read(offset, 1 << 20, log.logEndOffset()).readAll());
                for (RecordBatch b : batches) {
                    b.ensureValid();
                    for (Record r : b.records(null)) {
                        values.add(StandardCharsets.UTF_8.decode(r.value().duplicate()).toString());
                    }
                    offset = b.nextOffset();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return values;
    }

    private static Metadata.Partition awaitIsr(Broker broker, List<Integer> isr) {
        return Await.until("ISR " + isr, WAIT, () -> metadata(broker),
                p -> p != null && p.isr().stream().sorted().toList().equals(isr));
    }

    @Test
    void followersCopyTheLeaderAndConsumersReadOnlyBelowTheHighWatermark() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "60000"))) {
            createTopic(cluster, Map.of());
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int leaderId = p.leader();
            Broker leader = cluster.broker(leaderId);
            for (int i = 0; i < 3; i++) {
                Produce.PartitionResult result = produce(leader, batch(5, "v" + i + "-"), (short) -1);
                assertEquals(ErrorCode.NONE.code(), result.errorCode(), result.errorMessage());
                assertEquals(5L * i, result.baseOffset());
            }
            // acks=all answered: the high watermark is past the batches, so every ISR member has them.
            assertEquals(15L, leader.highWatermark(TOPIC, 0).orElseThrow());
            for (int id = 0; id < 3; id++) {
                Broker b = cluster.broker(id);
                assertEquals(15L, logEnd(b), "log end of broker " + id);
                assertEquals(values(leader), values(b), "log of broker " + id);
            }

            // With both followers gone (still in the ISR), an acks=1 write is not committed.
            List<Integer> followers = p.replicas().stream().filter(id -> id != leaderId).toList();
            followers.forEach(cluster::stopBroker);
            Produce.PartitionResult uncommitted = produce(leader, batch(5, "late"), (short) 1);
            assertEquals(ErrorCode.NONE.code(), uncommitted.errorCode(), uncommitted.errorMessage());
            assertEquals(20L, logEnd(leader));
            assertEquals(15L, leader.highWatermark(TOPIC, 0).orElseThrow());
            Fetch.PartitionData beyond = consume(leader, 15);
            assertEquals(ErrorCode.NONE.code(), beyond.errorCode());
            assertEquals(15L, beyond.highWatermark());
            assertEquals(0, beyond.records().sizeInBytes(), "a consumer must not see records above the high watermark");
            assertEquals(0, consume(leader, 17).records().sizeInBytes());
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE.code(), consume(leader, 21).errorCode());
            // acks=all cannot complete while in-sync followers are missing: it times out (the batch stays in the log).
            Produce.PartitionResult timedOut = produce(leader, batch(5, "late"), (short) -1, 500);
            assertEquals(ErrorCode.REQUEST_TIMED_OUT.code(), timedOut.errorCode(), timedOut.errorMessage());
            assertEquals(25L, logEnd(leader));
            try (RawClient client = new RawClient(leader.advertisedAddress())) {
                ListOffsets.Response latest = client.call(new ListOffsets.Request(-1, List.of(new PerTopic<>(TOPIC,
                        List.of(new ListOffsets.PartitionRequest(0, -1, ListOffsets.LATEST))))));
                assertEquals(15L, latest.topics().get(0).partitions().get(0).offset());
            }

            // The followers come back, catch up, and the records become readable.
            followers.forEach(cluster::startBroker);
            Await.until("the high watermark at 25", WAIT, () -> leader.highWatermark(TOPIC, 0).orElseThrow(), hw -> hw == 25L);
            Fetch.PartitionData committed = consume(leader, 15);
            assertNotEquals(0, committed.records().sizeInBytes());
            for (int id : followers) {
                Broker b = cluster.broker(id);
                Await.until("broker " + id + " at 25", WAIT, () -> logEnd(b), end -> end == 25L);
                assertEquals(values(leader), values(b));
            }
        }
    }

    @Test
    void isrShrinksAndExpandsAndAcksAllNeedsMinInsyncReplicas() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "2000"))) {
            createTopic(cluster, Map.of("min.insync.replicas", "2"));
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int leaderId = p.leader();
            Broker leader = cluster.broker(leaderId);
            List<Integer> followers = p.replicas().stream().filter(id -> id != leaderId).toList();
            assertEquals(ErrorCode.NONE.code(), produce(leader, batch(3, "a"), (short) -1).errorCode());

            cluster.stopBroker(followers.get(0));
            awaitIsr(leader, List.of(leaderId, followers.get(1)).stream().sorted().toList());
            Produce.PartitionResult withTwo = produce(leader, batch(3, "b"), (short) -1);
            assertEquals(ErrorCode.NONE.code(), withTwo.errorCode(), withTwo.errorMessage());

            cluster.stopBroker(followers.get(1));
            awaitIsr(leader, List.of(leaderId));
            Produce.PartitionResult alone = produce(leader, batch(3, "c"), (short) -1);
            assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS.code(), alone.errorCode(), alone.errorMessage());
            // acks=1 does not need the ISR.
            assertEquals(ErrorCode.NONE.code(), produce(leader, batch(3, "d"), (short) 1).errorCode());

            followers.forEach(cluster::startBroker);
            awaitIsr(leader, List.of(0, 1, 2));
            for (int id : followers) {
                Broker b = cluster.broker(id);
                Await.until("broker " + id + " caught up", WAIT, () -> logEnd(b), end -> end == logEnd(leader));
                assertEquals(values(leader), values(b));
            }
            Produce.PartitionResult healed = produce(leader, batch(3, "e"), (short) -1);
            assertEquals(ErrorCode.NONE.code(), healed.errorCode(), healed.errorMessage());
        }
    }

    @Test
    void anAcksAllWriteWaitingWhileTheIsrShrinksBelowTheMinimumFailsAfterAppend() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "1500"))) {
            createTopic(cluster, Map.of("min.insync.replicas", "2"));
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int leaderId = p.leader();
            Broker leader = cluster.broker(leaderId);
            assertEquals(ErrorCode.NONE.code(), produce(leader, batch(2, "a"), (short) -1).errorCode());
            p.replicas().stream().filter(id -> id != leaderId).forEach(cluster::stopBroker);
            // The ISR still has 3 members, so the write is appended; it waits until the lag time has
            // passed, the ISR is down to the leader, and the high watermark passes it.
            long start = System.nanoTime();
            Produce.PartitionResult result = produce(leader, batch(2, "b"), (short) -1);
            assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND.code(), result.errorCode(), result.errorMessage());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(25).toNanos(), "answered before the timeout");
            assertEquals(4L, logEnd(leader), "the batch stays in the log");
            awaitIsr(leader, List.of(leaderId));
        }
    }

    @Test
    void aDeposedLeaderTruncatesItsUncommittedRecordsAndStaleEpochsAreFenced() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "60000"))) {
            createTopic(cluster, Map.of());
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int oldLeader = p.leader();
            List<Integer> others = p.replicas().stream().filter(id -> id != oldLeader).toList();
            assertEquals(ErrorCode.NONE.code(), produce(cluster.broker(oldLeader), batch(5, "committed"), (short) -1).errorCode());

            // The old leader writes records nobody else gets (acks=1, followers down).
            others.forEach(cluster::stopBroker);
            assertEquals(ErrorCode.NONE.code(), produce(cluster.broker(oldLeader), batch(3, "lost"), (short) 1).errorCode());
            assertEquals(8L, logEnd(cluster.broker(oldLeader)));
            cluster.stopBroker(oldLeader);

            // The others come back; the controller makes one of them (in-sync, alive) leader in a new epoch.
            others.forEach(cluster::startBroker);
            Metadata.Partition elected = Await.until("a new leader", WAIT, () -> metadata(cluster.broker(others.get(0))),
                    m -> m != null && others.contains(m.leader()));
            int newLeader = elected.leader();
            int follower = others.stream().filter(id -> id != newLeader).findFirst().orElseThrow();
            int epoch = elected.leaderEpoch();
            assertTrue(epoch > 0, "leader epoch " + epoch);
            Broker leader = cluster.broker(newLeader);
            Produce.PartitionResult written = Await.until("a write to the new leader", WAIT,
                    () -> produce(leader, batch(2, "new"), (short) -1), r -> r.errorCode() != ErrorCode.NOT_LEADER_OR_FOLLOWER.code());
            assertEquals(ErrorCode.NONE.code(), written.errorCode(), written.errorMessage());
            assertEquals(5L, written.baseOffset());

            // A fetch or epoch query from the old epoch is fenced.
            try (RawClient client = new RawClient(leader.advertisedAddress())) {
                Fetch.Response stale = client.call(new Fetch.Request(follower, 0, 1, 1 << 20, List.of(new PerTopic<>(TOPIC,
                        List.of(new Fetch.PartitionRequest(0, 0, 0, 1 << 20))))));
                assertEquals(ErrorCode.FENCED_LEADER_EPOCH.code(), stale.topics().get(0).partitions().get(0).errorCode());
                OffsetForLeaderEpoch.Response epochs = client.call(new OffsetForLeaderEpoch.Request(List.of(new PerTopic<>(TOPIC,
                        List.of(new OffsetForLeaderEpoch.PartitionRequest(0, epoch, 0))))));
                OffsetForLeaderEpoch.PartitionResult end = epochs.topics().get(0).partitions().get(0);
                assertEquals(ErrorCode.NONE.code(), end.errorCode());
                assertEquals(0, end.leaderEpoch());
                assertEquals(5L, end.endOffset());
            }

            // The old leader comes back as a follower: it drops offsets 5-7 and takes the new leader's.
            Broker old = cluster.startBroker(oldLeader);
            Await.until("the old leader at 7", WAIT, () -> logEnd(old), end -> end == 7L);
            // The other follower may not have been in the ISR the controller wrote (if it registered
            // after the election), so acks=all did not wait for it; it catches up all the same.
            Await.until("broker " + follower + " at 7", WAIT, () -> logEnd(cluster.broker(follower)), end -> end == 7L);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                expected.add("committed" + i);
            }
            expected.add("new0");
            expected.add("new1");
            assertEquals(expected, values(leader));
            assertEquals(expected, values(old));
            assertEquals(expected, values(cluster.broker(follower)));
            awaitIsr(leader, List.of(0, 1, 2));
        }
    }

    private static List<String> committed(int count) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add("committed" + i);
        }
        return values;
    }

    /** The values a consumer reads from {@code broker} from offset 0 (below its high watermark). */
    private static List<String> consumed(Broker broker) {
        Fetch.PartitionData data = consume(broker, 0);
        assertEquals(ErrorCode.NONE.code(), data.errorCode());
        List<String> values = new ArrayList<>();
        try {
            for (RecordBatch b : RecordBatch.parseAll(data.records().readAll())) {
                for (Record r : b.records(null)) {
                    values.add(StandardCharsets.UTF_8.decode(r.value().duplicate()).toString());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return values;
    }

    @Test
    void aRestartedLeaderServesCommittedRecordsAtOnceFromItsHighWatermarkCheckpoint() {
        // A long lag time: the dead followers stay in the ISR, so without a checkpoint the restarted
        // leader's high watermark would stay at 0 until they came back.
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "120000"))) {
            createTopic(cluster, Map.of());
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int leaderId = p.leader();
            assertEquals(ErrorCode.NONE.code(), produce(cluster.broker(leaderId), batch(5, "committed"), (short) -1).errorCode());
            p.replicas().stream().filter(id -> id != leaderId).forEach(cluster::stopBroker);
            cluster.stopBroker(leaderId);

            Broker leader = cluster.startBroker(leaderId);
            Await.until("broker " + leaderId + " to lead again", WAIT, () -> metadata(leader),
                    m -> m != null && m.leader() == leaderId);
            assertEquals(3, metadata(leader).isr().size(), "the stopped followers are still in the ISR");
            assertEquals(5L, leader.highWatermark(TOPIC, 0).orElseThrow());
            assertEquals(committed(5), consumed(leader));
        }
    }

    /** KIP-101, scenario 1: a follower must not drop committed records it holds above its own high watermark. */
    @Test
    void aRestartedFollowerKeepsItsCommittedRecordsAndLeadsWithThem() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "120000"))) {
            createTopic(cluster, Map.of());
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int leaderId = p.leader();
            List<Integer> followers = p.replicas().stream().filter(id -> id != leaderId).toList();
            assertEquals(ErrorCode.NONE.code(), produce(cluster.broker(leaderId), batch(5, "committed"), (short) -1).errorCode());
            // Stopped right after the acknowledgement, the followers may not have learned that the
            // records are committed (their high watermark trails the leader's by one fetch).
            followers.forEach(cluster::stopBroker);
            cluster.stopBroker(leaderId);

            // Only a follower comes back: the controller elects it, from the ISR, with no leader to ask.
            int survivor = followers.get(0);
            Broker elected = cluster.startBroker(survivor);
            Await.until("broker " + survivor + " to lead", WAIT, () -> metadata(elected),
                    m -> m != null && m.leader() == survivor);
            assertEquals(committed(5), values(elected));
            // The metadata shows the new leader as soon as the role change is queued; the partition
            // takes the role a moment later.
            Await.until("broker " + survivor + " to serve the partition", WAIT, () -> consume(elected, 0).errorCode(),
                    code -> code == ErrorCode.NONE.code());
            Await.until("the committed records readable", WAIT, () -> consumed(elected), committed(5)::equals);
        }
    }

    @Test
    void aFollowerBehindTheLeadersLogStartRestartsThereAndCatchesUp() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("replica.lag.time.max.ms", "2000",
                "log.retention.check.interval.ms", "100", "log.segment.delete.delay.ms", "0"))) {
            // The test batches carry timestamps from 1970: only size retention, or time retention would empty the logs.
            createTopic(cluster, Map.of("segment.bytes", "300", "retention.bytes", "900", "retention.ms", "-1"));
            Metadata.Partition p = awaitIsr(cluster.broker(0), List.of(0, 1, 2));
            int leaderId = p.leader();
            Broker leader = cluster.broker(leaderId);
            int away = p.replicas().stream().filter(id -> id != leaderId).findFirst().orElseThrow();
            assertEquals(ErrorCode.NONE.code(), produce(leader, batch(3, "early"), (short) -1).errorCode());
            cluster.stopBroker(away);
            awaitIsr(leader, p.replicas().stream().filter(id -> id != away).sorted().toList());
            long awayEnd = 3;
            for (int i = 0; i < 30; i++) {
                Produce.PartitionResult r = produce(leader, batch(3, "later" + i + "-"), (short) -1);
                assertEquals(ErrorCode.NONE.code(), r.errorCode(), r.errorMessage());
            }
            Await.until("retention to pass the stopped follower's log end", WAIT,
                    () -> leader.partitionLog(TOPIC, 0).orElseThrow().logStartOffset(), start -> start > awayEnd);

            Broker back = cluster.startBroker(away);
            awaitIsr(leader, List.of(0, 1, 2));
            Await.until("broker " + away + " caught up", WAIT, () -> logEnd(back), end -> end == logEnd(leader));
            PartitionLog leaderLog = leader.partitionLog(TOPIC, 0).orElseThrow();
            PartitionLog backLog = back.partitionLog(TOPIC, 0).orElseThrow();
            assertTrue(backLog.logStartOffset() > awayEnd, "restarted at the leader's log start, not at " + awayEnd);
            assertTrue(backLog.logStartOffset() >= leaderLog.logStartOffset() - 6, backLog + " vs " + leaderLog);
            List<String> leaderValues = values(leader);
            List<String> backValues = values(back);
            // Retention may have moved on since; compare what both still have.
            int common = Math.min(leaderValues.size(), backValues.size());
            assertEquals(leaderValues.subList(leaderValues.size() - common, leaderValues.size()),
                    backValues.subList(backValues.size() - common, backValues.size()));
            assertEquals("later29-2", backValues.get(backValues.size() - 1));
        }
    }
}
