package io.runnel.broker.internal.metadata;

import java.util.List;
import java.util.Map;

/**
 * A partition's state as stored in {@code /brokers/topics/<topic>/partitions/<p>/state}.
 *
 * <pre>
 *   leader=0              broker id of the leader, -1 when there is none
 *   leaderEpoch=0         raised at every leader change
 *   isr=0,1               the in-sync replicas
 *   controllerEpoch=0     the epoch of the controller that wrote it (0 before any controller)
 * </pre>
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        isr = List.copyOf(isr);
    }

    public byte[] encode() {
        return ZnodeText.encode(Map.of("leader", String.valueOf(leader), "leaderEpoch", String.valueOf(leaderEpoch),
                "isr", ZnodeText.join(isr), "controllerEpoch", String.valueOf(controllerEpoch)));
    }

    public static PartitionState decode(byte[] data, String path) {
        Map<String, String> values = ZnodeText.decode(data, path);
        return new PartitionState(ZnodeText.intValue(values, "leader", path),
                ZnodeText.intValue(values, "leaderEpoch", path), ZnodeText.intList(values, "isr", path),
                values.containsKey("controllerEpoch") ? ZnodeText.intValue(values, "controllerEpoch", path) : 0);
    }
}
