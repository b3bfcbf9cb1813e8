package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** Metadata (3): brokers, the controller, and topics with their partitions' leaders, replicas and ISR. */
public final class Metadata {
    private Metadata() {
    }

    /** [string topic] (null: every topic), bool allowAutoTopicCreation. */
    public record Request(List<String> topics, boolean allowAutoTopicCreation) implements Message {
        public Request {
            topics = topics == null ? null : List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.METADATA;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(topics, ProtocolWriter::string).bool(allowAutoTopicCreation);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.nullableArray("topics", x -> x.string("topic")), r.bool("allowAutoTopicCreation"));
        }
    }

    public record Broker(int nodeId, String host, int port, String rack) {
    }

    public record Partition(short errorCode, int partition, int leader, int leaderEpoch, List<Integer> replicas,
                            List<Integer> isr) {
        public Partition {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    public record Topic(short errorCode, String name, List<Partition> partitions) {
        public Topic {
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * [int32 nodeId, string host, int32 port, string? rack] brokers, int32 controllerId,
     * [int16 errorCode, string name, [int16 errorCode, int32 partition, int32 leader,
     * int32 leaderEpoch, [int32] replicas, [int32] isr] partitions] topics.
     */
    public record Response(List<Broker> brokers, int controllerId, List<Topic> topics) implements Message {
        public Response {
            brokers = List.copyOf(brokers);
            topics = List.copyOf(topics);
        }

        public ApiKey apiKey() {
            return ApiKey.METADATA;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(brokers, (x, b) -> x.int32(b.nodeId()).string(b.host()).int32(b.port()).nullableString(b.rack()));
            w.int32(controllerId);
            w.array(topics, (x, t) -> x.int16(t.errorCode()).string(t.name()).array(t.partitions(), (y, p) ->
                    y.int16(p.errorCode()).int32(p.partition()).int32(p.leader()).int32(p.leaderEpoch())
                            .int32Array(p.replicas()).int32Array(p.isr())));
        }

        public static Response read(ProtocolReader r, short version) {
            List<Broker> brokers = r.array("brokers", x -> new Broker(x.int32("nodeId"), x.string("host"),
                    x.int32("port"), x.nullableString("rack")));
            int controller = r.int32("controllerId");
            List<Topic> topics = r.array("topics", x -> new Topic(x.int16("errorCode"), x.string("name"),
                    x.array("partitions", y -> new Partition(y.int16("errorCode"), y.int32("partition"),
                            y.int32("leader"), y.int32("leaderEpoch"), y.int32Array("replicas"), y.int32Array("isr")))));
            return new Response(brokers, controller, topics);
        }
    }
}
