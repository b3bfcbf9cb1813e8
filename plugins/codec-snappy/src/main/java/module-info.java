/** Built-in codec plugin: snappy (codec id 2), snappy-java's framed stream format. */
module io.runnel.plugin.codec.snappy {
    requires io.runnel.api;
    // snappy-java has no module descriptor; its automatic module name comes from the jar name.
    requires snappy.java;

    provides io.runnel.api.codec.CompressionCodecProvider with io.runnel.plugin.codec.snappy.SnappyCodecProvider;
}
