package io.runnel.plugin.codec.lz4;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.xxhash.XXHash32;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes a whole buffer as one LZ4 frame in one pass, without the stream's per-frame buffers:
 * the same bytes {@code LZ4FrameOutputStream} writes with 64 KB independent blocks and no
 * checksums.
 *
 * <pre>
 *   int32 LE  magic 0x184D2204
 *   byte      FLG  0x60  (version 01, independent blocks)
 *   byte      BD   0x40  (64 KB maximum block size)
 *   byte      HC   (xxHash32 of FLG and BD, seed 0) &gt;&gt; 8 &amp; 0xFF
 *   blocks:   int32 LE size (high bit set: stored uncompressed), then the block's bytes
 *   int32     0, the end mark
 * </pre>
 *
 * <p>Thread safe: holds only thread-safe lz4-java objects.
 */
final class Lz4FrameWriter {
    static final int MAGIC = 0x184D2204;
    static final int BLOCK_SIZE = 64 * 1024;
    private static final byte FLG = 0x60;
    private static final byte BD = 0x40;
    private static final int UNCOMPRESSED_BIT = 0x80000000;

    private final LZ4Compressor compressor;
    private final byte headerChecksum;

    Lz4FrameWriter(LZ4Compressor compressor, XXHash32 hash) {
        this.compressor = compressor;
        this.headerChecksum = (byte) ((hash.hash(new byte[] {FLG, BD}, 0, 2, 0) >> 8) & 0xFF);
    }

    ByteBuffer compress(ByteBuffer input) {
        ByteBuffer src = input.duplicate();
        int length = src.remaining();
        int blocks = Math.max(1, (length + BLOCK_SIZE - 1) / BLOCK_SIZE);
        int bound = 7 + blocks * (4 + compressor.maxCompressedLength(BLOCK_SIZE)) + 4;
        ByteBuffer out = ByteBuffer.allocate(bound).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).put(FLG).put(BD).put(headerChecksum);
        int position = src.position();
        int end = src.limit();
        while (position < end) {
            int blockLength = Math.min(BLOCK_SIZE, end - position);
            int sizeAt = out.position();
            int dataAt = sizeAt + 4;
            int written = compressor.compress(src, position, blockLength, out, dataAt, out.capacity() - dataAt);
            if (written >= blockLength) {
                // Incompressible: store the block as it is, as the frame format allows.
                out.putInt(sizeAt, blockLength | UNCOMPRESSED_BIT);
                ByteBuffer raw = src.duplicate();
                raw.position(position).limit(position + blockLength);
                out.position(dataAt);
                out.put(raw);
            } else {
                out.putInt(sizeAt, written);
                out.position(dataAt + written);
            }
            position += blockLength;
        }
        out.putInt(0);
        return out.flip().order(ByteOrder.BIG_ENDIAN);
    }
}
