package io.runnel.plugin.codec.gzip;

import io.runnel.api.PluginConfig;
import io.runnel.api.PluginContext;
import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * gzip, codec id 1. Reads {@code compression.gzip.level} (1-9, default 6, Deflater's default).
 */
public final class GzipCodecProvider implements CompressionCodecProvider {
    public static final String LEVEL = "compression.gzip.level";
    private static final int BUFFER = 8 * 1024;

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public int id() {
        return 1;
    }

    @Override
    public String description() {
        return "gzip (JDK Deflater); " + LEVEL + " 1-9";
    }

    @Override
    public Set<String> configKeys() {
        return Set.of(LEVEL);
    }

    @Override
    public CompressionCodec create(PluginContext context, Map<String, String> config) {
        int level = PluginConfig.of(config).intValue(LEVEL, 6, Deflater.BEST_SPEED, Deflater.BEST_COMPRESSION);
        return new BaseCompressionCodec(1, "gzip") {
            @Override
            public OutputStream compressing(OutputStream out) throws IOException {
                GZIPOutputStream gzip = new GZIPOutputStream(out, BUFFER) {
                    {
                        def.setLevel(level);
                    }
                };
                // Deflater handles many small writes poorly; records are written field by field.
                return new BufferedOutputStream(gzip, BUFFER);
            }

            @Override
            public InputStream decompressing(InputStream in) throws IOException {
                return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
            }
        };
    }
}
