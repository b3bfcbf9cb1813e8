/**
 * The Runnel client: {@link io.runnel.client.producer.RunnelProducer},
 * {@link io.runnel.client.consumer.RunnelConsumer} and {@link io.runnel.client.admin.RunnelAdmin}.
 * Usage and configuration in {@code docs/client.md}.
 */
module io.runnel.client {
    requires transitive io.runnel.api;
    requires io.runnel.protocol;
    requires io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires org.slf4j;

    exports io.runnel.client;
    exports io.runnel.client.producer;
    exports io.runnel.client.consumer;
    exports io.runnel.client.admin;
    exports io.runnel.client.serialization;

    // Codecs for compression.type and for decoding fetched batches: the gzip, snappy, lz4 and zstd
    // plugin jars, or third-party ones, that the application adds. Codec id 0 (none) needs none.
    uses io.runnel.api.codec.CompressionCodecProvider;
}
