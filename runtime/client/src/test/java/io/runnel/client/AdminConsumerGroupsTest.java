package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.client.admin.ConsumerGroupDescription;
import io.runnel.client.admin.ConsumerGroupListing;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.testkit.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin client's consumer-group calls against a 3-broker cluster: offsets set without members,
 * the errors of delete and alter, and a coordinator that fails (the calls find the new one).
 * Members and lag are tested end to end in the CLI's ConsumerGroupsCommandTest.
 */
@Timeout(120)
class AdminConsumerGroupsTest {

    @Test
    void groupCallsFollowTheCoordinatorAndReportTheBrokersErrors() {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, Map.of("auto.create.topics.enable", "false"));
             RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                     "default.api.timeout.ms", "30000"))) {
            admin.createTopics(List.of(new NewTopic("ag", 2, (short) 3))).get("ag").join();
            TopicPartition p0 = new TopicPartition("ag", 0);
            TopicPartition p1 = new TopicPartition("ag", 1);

            admin.alterConsumerGroupOffsets("admin-group", Map.of(p0, new OffsetAndMetadata(5, "m"),
                    p1, new OffsetAndMetadata(0))).join();
            assertEquals(Map.of(p0, new OffsetAndMetadata(5, "m"), p1, new OffsetAndMetadata(0, "")),
                    admin.listConsumerGroupOffsets("admin-group").join());
            assertTrue(admin.listConsumerGroups().join().contains(new ConsumerGroupListing("admin-group", "Empty")),
                    admin.listConsumerGroups().join().toString());
            ConsumerGroupDescription before = admin.describeConsumerGroups(List.of("admin-group")).get("admin-group").join();
            assertEquals("Empty", before.state());
            assertEquals(List.of(), before.members());

            RunnelException unknownTopic = failure(() -> admin.alterConsumerGroupOffsets("admin-group",
                    Map.of(new TopicPartition("no-such-topic", 0), new OffsetAndMetadata(1))).join());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknownTopic.errorCode());
            RunnelException notFound = failure(() -> admin.deleteConsumerGroups(List.of("never-stored"))
                    .get("never-stored").join());
            assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, notFound.errorCode());
            assertEquals("group never-stored does not exist", notFound.getMessage());

            // The coordinator fails: the group's calls find the broker that coordinates it now.
            cluster.stopBroker(before.coordinator().id());
            assertEquals(Map.of(p0, new OffsetAndMetadata(5, "m"), p1, new OffsetAndMetadata(0, "")),
                    admin.listConsumerGroupOffsets("admin-group").join());
            ConsumerGroupDescription after = admin.describeConsumerGroups(List.of("admin-group")).get("admin-group").join();
            assertNotEquals(before.coordinator().id(), after.coordinator().id());
            admin.alterConsumerGroupOffsets("admin-group", Map.of(p0, new OffsetAndMetadata(7))).join();
            assertEquals(7, admin.listConsumerGroupOffsets("admin-group").join().get(p0).offset());

            admin.deleteConsumerGroups(List.of("admin-group")).get("admin-group").join();
            assertEquals(Map.of(), admin.listConsumerGroupOffsets("admin-group").join());
        }
    }

    private static RunnelException failure(Runnable call) {
        CompletionException e = assertThrows(CompletionException.class, call::run);
        return assertInstanceOf(RunnelException.class, e.getCause());
    }
}
