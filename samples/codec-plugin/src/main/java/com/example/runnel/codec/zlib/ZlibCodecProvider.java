package com.example.runnel.codec.zlib;

import io.runnel.api.PluginConfig;
import io.runnel.api.PluginContext;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;

import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;

/**
 * The entry point Runnel finds: a provider named "zlib" for codec id 5, one of the ids (5-7) left
 * free for third-party codecs. Producers select it with {@code compression.type=zlib}.
 *
 * <p>Providers must be cheap to construct: Runnel instantiates every provider it finds just to
 * list it. The real work happens in {@link #create}.
 */
public final class ZlibCodecProvider implements CompressionCodecProvider {
    /** Compression level 1-9; read from the broker or producer configuration. */
    public static final String LEVEL = "compression.zlib.level";

    @Override
    public String name() {
        return "zlib";
    }

    @Override
    public int id() {
        return 5;
    }

    @Override
    public String description() {
        return "zlib (sample plugin); " + LEVEL + " 1-9";
    }

    @Override
    public Set<String> configKeys() {
        return Set.of(LEVEL);
    }

    @Override
    public CompressionCodec create(PluginContext context, Map<String, String> config) {
        // PluginConfig fails with a message naming the key and the bad value.
        int level = PluginConfig.of(config).intValue(LEVEL, 6,
                Deflater.BEST_SPEED, Deflater.BEST_COMPRESSION);
        return new ZlibCodec(level);
    }
}
