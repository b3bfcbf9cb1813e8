package io.runnel.broker.internal.group;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.protocol.ConsumerProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stored group state layout, and the coordinator choice by rendezvous hashing. */
@Timeout(30)
class GroupStateTest {

    @Test
    void aStoredStateReadsBackTheSame() {
        ByteBuffer subscription = ConsumerProtocol.encodeSubscription(ConsumerProtocol.Subscription.ofTopics(List.of("t")));
        ByteBuffer assignment = ConsumerProtocol.encodeAssignment(new ConsumerProtocol.Assignment(
                List.of(new TopicPartition("t", 0)), null, false));
        GroupState state = new GroupState(7, "consumer", "range", "m-1", -1, List.of(
                new GroupState.StoredMember("m-1", "client", "/10.0.0.1", 10_000, 300_000,
                        List.of(new GroupState.Protocol("range", subscription)), assignment),
                new GroupState.StoredMember("m-2", "", "/10.0.0.2", 6_000, 6_000, List.of(), assignment)));
        assertEquals(state, GroupState.decode("g", state.encode()));

        GroupState empty = new GroupState(8, "consumer", null, "", 1_700_000_000_000L, List.of());
        assertEquals(empty, GroupState.decode("g", empty.encode()));
    }

    @Test
    void anUnknownFormatOrGarbageIsRefusedNamingTheGroup() {
        byte[] bytes = new GroupState(1, "consumer", null, "", 0, List.of()).encode();
        bytes[1] = 9;
        RunnelException e = assertThrows(RunnelException.class, () -> GroupState.decode("orders-app", bytes));
        assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
        assertTrue(e.getMessage().contains("orders-app") && e.getMessage().contains("format 9"), e.getMessage());
        assertThrows(RunnelException.class, () -> GroupState.decode("g", new byte[] {0, 0, 0}));
    }

    @Test
    void rendezvousHashingSpreadsGroupsAndMovesOnlyTheGroupsOfAGoneBroker() {
        List<Integer> all = List.of(0, 1, 2, 3);
        List<Integer> without2 = List.of(0, 1, 3);
        Map<Integer, Integer> perBroker = new HashMap<>();
        for (int i = 0; i < 4_000; i++) {
            String group = "group-" + i;
            int before = CoordinatorChoice.rendezvous(group, all).getAsInt();
            perBroker.merge(before, 1, Integer::sum);
            int after = CoordinatorChoice.rendezvous(group, without2).getAsInt();
            if (before != 2) {
                assertEquals(before, after, group + " moved although its broker stayed");
            }
            assertEquals(before, CoordinatorChoice.rendezvous(group, List.of(3, 2, 1, 0)).getAsInt(), "order does not matter");
        }
        for (int broker : all) {
            int n = perBroker.getOrDefault(broker, 0);
            assertTrue(n > 800 && n < 1_200, "broker " + broker + " coordinates " + n + " of 4000 groups");
        }
        assertEquals(OptionalInt.empty(), CoordinatorChoice.rendezvous("g", List.of()));
    }
}
