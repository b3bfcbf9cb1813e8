/** Built-in codec plugin: zstd (codec id 4), Zstandard frames with zstd-jni. */
module io.runnel.plugin.codec.zstd {
    requires io.runnel.api;
    requires com.github.luben.zstd_jni;

    provides io.runnel.api.codec.CompressionCodecProvider with io.runnel.plugin.codec.zstd.ZstdCodecProvider;
}
