package io.runnel.runtime.internal;

import io.runnel.api.PluginContext;
import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/** Codec id 0: records are stored as they are. Part of the runtime, since every batch may use it. */
public final class NoCompressionProvider implements CompressionCodecProvider {
    public static final String NAME = "none";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int id() {
        return 0;
    }

    @Override
    public String description() {
        return "no compression";
    }

    @Override
    public CompressionCodec create(PluginContext context, Map<String, String> config) {
        return new BaseCompressionCodec(0, NAME) {
            @Override
            public OutputStream compressing(OutputStream out) {
                return out;
            }

            @Override
            public InputStream decompressing(InputStream in) {
                return in;
            }

            @Override
            public ByteBuffer compress(ByteBuffer input) {
                return input.duplicate();
            }

            @Override
            public ByteBuffer decompress(ByteBuffer input) {
                return input.duplicate();
            }
        };
    }
}
