package io.runnel.plugin.codec.zstd;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
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
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

/**
 * zstd, codec id 4, standard Zstandard frames. Reads {@code compression.zstd.level} (-131072 to
 * 22, default 3, zstd's own default; negative levels trade ratio for speed).
 */
public final class ZstdCodecProvider implements CompressionCodecProvider {
    public static final String LEVEL = "compression.zstd.level";
    private static final int BUFFER = 16 * 1024;

    @Override
    public String name() {
        return "zstd";
    }

    @Override
    public int id() {
        return 4;
    }

    @Override
    public String description() {
        return "Zstandard (zstd-jni); " + LEVEL + " -131072..22";
    }

    @Override
    public Set<String> configKeys() {
        return Set.of(LEVEL);
    }

    @Override
    public CompressionCodec create(PluginContext context, Map<String, String> config) {
        int level = PluginConfig.of(config).intValue(LEVEL, 3, -131072, 22);
        // A compression context per thread: creating one per batch costs more than compressing a
        // small batch, and a context must not be shared between threads.
        ThreadLocal<ZstdCompressCtx> contexts = ThreadLocal.withInitial(() -> new ZstdCompressCtx().setLevel(level));
        return new BaseCompressionCodec(4, "zstd") {
            @Override
            public ByteBuffer compress(ByteBuffer input) {
                byte[] src;
                int offset;
                int length = input.remaining();
                if (input.hasArray()) {
                    src = input.array();
                    offset = input.arrayOffset() + input.position();
                } else {
                    src = new byte[length];
                    input.duplicate().get(src);
                    offset = 0;
                }
                byte[] dst = new byte[(int) Zstd.compressBound(length)];
                int written = contexts.get().compressByteArray(dst, 0, dst.length, src, offset, length);
                return ByteBuffer.wrap(dst, 0, written);
            }

            @Override
            public OutputStream compressing(OutputStream out) throws IOException {
                ZstdOutputStreamNoFinalizer zstd = new ZstdOutputStreamNoFinalizer(out, RecyclingBufferPool.INSTANCE);
                zstd.setLevel(level);
                // Each write is a JNI call; records arrive field by field.
                return new BufferedOutputStream(zstd, BUFFER);
            }

            @Override
            public InputStream decompressing(InputStream in) throws IOException {
                return new BufferedInputStream(new ZstdInputStreamNoFinalizer(in, RecyclingBufferPool.INSTANCE), BUFFER);
            }
        };
    }
}
