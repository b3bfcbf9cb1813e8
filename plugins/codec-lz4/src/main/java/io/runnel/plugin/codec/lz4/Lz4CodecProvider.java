package io.runnel.plugin.codec.lz4;

import io.runnel.api.PluginConfig;
import io.runnel.api.PluginContext;
import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

/**
 * lz4, codec id 3, in the standard LZ4 frame format with 64 KB independent blocks. Reads
 * {@code compression.lz4.level}: 1 (default) uses the fast compressor, 2-17 the high-compression
 * one at that level.
 */
public final class Lz4CodecProvider implements CompressionCodecProvider {
    public static final String LEVEL = "compression.lz4.level";

    @Override
    public String name() {
        return "lz4";
    }

    @Override
    public int id() {
        return 3;
    }

    @Override
    public String description() {
        return "LZ4 frame format (lz4-java); " + LEVEL + " 1-17";
    }

    @Override
    public Set<String> configKeys() {
        return Set.of(LEVEL);
    }

    @Override
    public CompressionCodec create(PluginContext context, Map<String, String> config) {
        int level = PluginConfig.of(config).intValue(LEVEL, 1, 1, 17);
        LZ4Factory factory = LZ4Factory.fastestInstance();
        LZ4Compressor compressor = level == 1 ? factory.fastCompressor() : factory.highCompressor(level);
        XXHashFactory hashes = XXHashFactory.fastestInstance();
        Lz4FrameWriter frames = new Lz4FrameWriter(compressor, hashes.hash32());
        return new BaseCompressionCodec(3, "lz4") {
            @Override
            public ByteBuffer compress(ByteBuffer input) {
                return frames.compress(input);
            }

            @Override
            public OutputStream compressing(OutputStream out) throws IOException {
                return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, -1L, compressor,
                        hashes.hash32(), LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
            }

            @Override
            public InputStream decompressing(InputStream in) throws IOException {
                return new LZ4FrameInputStream(in, factory.safeDecompressor(), hashes.hash32());
            }
        };
    }
}
