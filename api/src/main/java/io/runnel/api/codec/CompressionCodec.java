package io.runnel.api.codec;

import io.runnel.api.Api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Compresses and decompresses the records section of a batch.
 *
 * <p>The producer compresses the records of a batch as one stream; the broker stores the batch as
 * it arrived; the consumer decompresses. The compressed form must be self-delimiting (a frame
 * format), since the batch does not store the uncompressed size.
 *
 * <p>Implement the two stream methods; override the buffer methods when the library offers a
 * faster path. Thread safety: one codec instance is shared by all threads of a broker or client,
 * so every method must be safe to call concurrently; the streams it returns are used by one thread.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public interface CompressionCodec extends AutoCloseable {

    /** The id this codec writes into batch attributes; equals its provider's id. */
    int id();

    /** The name this codec is selected by; equals its provider's name. */
    String name();

    /**
     * Wraps {@code out} so that bytes written to the result reach {@code out} compressed. Closing
     * the result finishes the frame and closes {@code out}.
     */
    OutputStream compressing(OutputStream out) throws IOException;

    /** Wraps {@code in}, which holds compressed bytes, so that reading the result decompresses them. */
    InputStream decompressing(InputStream in) throws IOException;

    /** Compresses the remaining bytes of {@code input} into a new buffer; {@code input} is not changed. */
    default ByteBuffer compress(ByteBuffer input) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, input.remaining() / 2));
        try (OutputStream out = compressing(bytes)) {
            ByteBuffer in = input.duplicate();
            if (in.hasArray()) {
                out.write(in.array(), in.arrayOffset() + in.position(), in.remaining());
            } else {
                byte[] chunk = new byte[Math.min(in.remaining(), 64 * 1024)];
                while (in.hasRemaining()) {
                    int n = Math.min(chunk.length, in.remaining());
                    in.get(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("compression with codec " + name() + " failed", e);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    /**
     * Decompresses the remaining bytes of {@code input} into a new buffer; {@code input} is not
     * changed.
     *
     * @throws UncheckedIOException when the input is not a valid frame of this codec
     */
    default ByteBuffer decompress(ByteBuffer input) {
        ByteBuffer in = input.duplicate();
        InputStream source = new InputStream() {
            @Override
            public int read() {
                return in.hasRemaining() ? in.get() & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (!in.hasRemaining()) {
                    return -1;
                }
                int n = Math.min(len, in.remaining());
                in.get(b, off, n);
                return n;
            }
        };
        try (InputStream decompressed = decompressing(source)) {
            return ByteBuffer.wrap(decompressed.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("decompression with codec " + name() + " failed", e);
        }
    }

    /** Releases pooled buffers or native resources; the default holds none. */
    @Override
    default void close() {
    }
}
