package io.runnel.broker.internal.group;

import io.runnel.protocol.ConsumerProtocol;
import io.runnel.protocol.Message;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One group as its coordinator holds it in memory. Every field is guarded by the group's monitor;
 * only the classes of this package use it ({@link GroupRegistry} holds the loaded groups).
 */
final class Group {
    enum State {
        /** No members (offsets may still be kept). */
        EMPTY("Empty"),
        /** A rebalance started: waiting for the members to (re)join. */
        PREPARING_REBALANCE("PreparingRebalance"),
        /** The join phase is over: the assignment is being computed and stored. */
        COMPLETING_REBALANCE("CompletingRebalance"),
        /** Every member has the current generation's assignment. */
        STABLE("Stable"),
        /** Deleted, or no longer coordinated here. */
        DEAD("Dead");

        final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }
    }

    static final class Member {
        final String memberId;
        String clientId;
        String clientHost;
        int sessionTimeoutMs;
        int rebalanceTimeoutMs;
        List<GroupState.Protocol> protocols;
        ByteBuffer assignment = ConsumerProtocol.encodeAssignment(new ConsumerProtocol.Assignment(List.of(), null, false));
        /** The waiting JoinGroup, if the member has (re)joined in the current join phase. */
        CompletableFuture<Message> pendingJoin;
        ScheduledFuture<?> sessionTimer;
        long sessionToken;

        Member(String memberId) {
            this.memberId = memberId;
        }

        List<String> protocolNames() {
            return protocols.stream().map(GroupState.Protocol::name).toList();
        }

        ByteBuffer metadata(String protocol) {
            for (GroupState.Protocol p : protocols) {
                if (p.name().equals(protocol)) {
                    return p.metadata();
                }
            }
            return ByteBuffer.allocate(0);
        }
    }

    final String groupId;
    State state = State.EMPTY;
    int generationId;
    String protocolType = "";
    String protocol;
    String leader = "";
    long emptySinceMs = -1;
    /** The version of the stored state, -1 if none is stored. */
    int storedVersion = -1;
    final Map<String, Member> members = new LinkedHashMap<>();
    /** Ids given out with MEMBER_ID_REQUIRED, not yet used to join. */
    final Map<String, ScheduledFuture<?>> pendingMemberIds = new LinkedHashMap<>();
    /** The topics and partition counts the current assignment was computed from. */
    Map<String, Integer> assignedPartitionCounts = Map.of();
    /** The join phase may not complete before this time (the initial rebalance delay). */
    long joinNotBeforeMs;
    ScheduledFuture<?> joinDeadline;
    /** Something changed while the assignment was being stored: rebalance again afterwards. */
    boolean rebalanceAgain;
    /** The last state write; the next one starts after it (so it sees its version). */
    CompletableFuture<Void> storing = CompletableFuture.completedFuture(null);
    /** When a request last asked for the group (idle groups with nothing stored are forgotten). */
    volatile long lastUsedMs = System.currentTimeMillis();
    /** No longer held by this coordinator: every request on this object must be refused. */
    boolean unloaded;

    Group(String groupId) {
        this.groupId = groupId;
    }

    boolean hasMembers() {
        return !members.isEmpty();
    }
}
