/** Built-in codec plugin: lz4 (codec id 3), LZ4 frame format with lz4-java. */
module io.runnel.plugin.codec.lz4 {
    requires io.runnel.api;
    // lz4-java has no module descriptor; it declares the automatic module name org.lz4.java.
    requires org.lz4.java;

    provides io.runnel.api.codec.CompressionCodecProvider with io.runnel.plugin.codec.lz4.Lz4CodecProvider;
}
