package io.runnel.plugin.placement;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.placement.PlacementRequest;

/** What every placement refuses, with the numbers in the message. */
final class PlacementChecks {
    private PlacementChecks() {
    }

    static void check(PlacementRequest request) {
        if (request.partitionCount() < 1 || request.firstPartition() < 0) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "cannot place " + request.partitionCount()
                    + " partitions from partition " + request.firstPartition() + " of topic " + request.topic());
        }
        int live = request.liveBrokers().size();
        if (request.replicationFactor() < 1) {
            throw new RunnelException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor "
                    + request.replicationFactor() + " for topic " + request.topic() + " must be at least 1");
        }
        if (request.replicationFactor() > live) {
            throw new RunnelException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor "
                    + request.replicationFactor() + " for topic " + request.topic() + " is larger than the " + live
                    + " live broker" + (live == 1 ? "" : "s"));
        }
    }
}
