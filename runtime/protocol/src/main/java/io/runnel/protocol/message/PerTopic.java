package io.runnel.protocol.message;

import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The nesting most APIs share: a topic name and a list of per-partition entries.
 *
 * <pre>
 *   [string topic, [P] partitions] topics
 * </pre>
 *
 * @param <P> the per-partition entry of the message
 */
public record PerTopic<P>(String name, List<P> partitions) {
    public PerTopic {
        partitions = List.copyOf(partitions);
    }

    static <P> void write(ProtocolWriter writer, List<PerTopic<P>> topics, BiConsumer<ProtocolWriter, P> partition) {
        writer.array(topics, (w, topic) -> w.string(topic.name()).array(topic.partitions(), partition));
    }

    static <P> List<PerTopic<P>> read(ProtocolReader reader, Function<ProtocolReader, P> partition) {
        return reader.array("topics", r -> new PerTopic<>(r.string("topic"), r.array("partitions", partition)));
    }
}
