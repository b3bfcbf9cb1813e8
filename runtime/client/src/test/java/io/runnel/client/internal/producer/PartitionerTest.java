package io.runnel.client.internal.producer;

import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class PartitionerTest {
    /**
     * Vectors computed from the algorithm with an independent implementation (Python, unsigned
     * 32-bit arithmetic); they match the values Kafka's client tests list for the same inputs.
     */
    @Test
    void murmur2KnownVectors() {
        assertEquals(-973932308, Murmur2.hash(bytes("21")));
        assertEquals(-790332482, Murmur2.hash(bytes("foobar")));
        assertEquals(-985981536, Murmur2.hash(bytes("a-little-bit-long-string")));
        assertEquals(-1486304829, Murmur2.hash(bytes("a-little-bit-longer-string")));
        assertEquals(-58897971, Murmur2.hash(bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")));
        assertEquals(479470107, Murmur2.hash(bytes("abc")));
        assertEquals(275646681, Murmur2.hash(new byte[0]));
        assertEquals(-1563381124, Murmur2.hash(bytes("a")));
        assertEquals(316155434, Murmur2.hash(bytes("ab")));
    }

    @Test
    void murmur2PartitionsAreStableNonNegativeAndSpread() {
        int[] counts = new int[10];
        for (int i = 0; i < 100_000; i++) {
            byte[] key = bytes("key-" + i);
            int p = Murmur2.partition(key, 10);
            assertEquals(p, Murmur2.partition(key.clone(), 10));
            counts[p]++;
        }
        for (int c : counts) {
            assertTrue(c > 9_000 && c < 11_000, "roughly uniform: " + java.util.Arrays.toString(counts));
        }
    }

    private static List<PartitionInfo> partitions(int n) {
        List<PartitionInfo> out = new ArrayList<>();
        Node node = new Node(0, "h", 1);
        for (int i = 0; i < n; i++) {
            out.add(new PartitionInfo("t", i, node, List.of(node), List.of(node)));
        }
        return out;
    }

    @Test
    void nullKeysStickUntilANewBatchThenMove() {
        DefaultPartitioner partitioner = new DefaultPartitioner();
        List<PartitionInfo> partitions = partitions(4);
        int first = partitioner.partition("t", null, null, partitions);
        for (int i = 0; i < 100; i++) {
            assertEquals(first, partitioner.partition("t", null, null, partitions));
        }
        Set<Integer> seen = new HashSet<>();
        int current = first;
        for (int i = 0; i < 50; i++) {
            partitioner.onNewBatch("t", partitions, current);
            int next = partitioner.partition("t", null, null, partitions);
            assertNotEquals(current, next, "moves on after a batch");
            seen.add(next);
            current = next;
        }
        assertTrue(seen.size() > 2, "uses several partitions over time: " + seen);
    }

    @Test
    void keyedRecordsUseMurmur2() {
        DefaultPartitioner partitioner = new DefaultPartitioner();
        byte[] key = bytes("user-7");
        assertEquals((Murmur2.hash(key) & 0x7fffffff) % 6, partitioner.partition("t", "user-7", key, partitions(6)));
    }

    @Test
    void leaderlessPartitionsAreAvoidedForStickyChoice() {
        Node node = new Node(0, "h", 1);
        List<PartitionInfo> partitions = List.of(new PartitionInfo("t", 0, null, List.of(), List.of()),
                new PartitionInfo("t", 1, node, List.of(node), List.of(node)),
                new PartitionInfo("t", 2, null, List.of(), List.of()));
        for (int i = 0; i < 20; i++) {
            DefaultPartitioner partitioner = new DefaultPartitioner();
            assertEquals(1, partitioner.partition("t", null, null, partitions));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
