/** Built-in codec plugin: gzip (codec id 1), with the JDK's Deflater. */
module io.runnel.plugin.codec.gzip {
    requires io.runnel.api;

    provides io.runnel.api.codec.CompressionCodecProvider with io.runnel.plugin.codec.gzip.GzipCodecProvider;
}
