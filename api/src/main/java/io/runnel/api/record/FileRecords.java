package io.runnel.api.record;

import io.runnel.api.Api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

import static java.util.Objects.requireNonNull;

/**
 * Record batches in a region of a file: {@code size} bytes from {@code position} of {@code channel}.
 * The network layer sends these with a zero-copy file region.
 *
 * <p>The channel belongs to the storage engine; a reader must not close it.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record FileRecords(FileChannel channel, long position, int size) implements Records {

    public FileRecords {
        requireNonNull(channel, "channel is null");
        if (position < 0 || size < 0) {
            throw new IllegalArgumentException("position " + position + " and size " + size + " must be >= 0");
        }
    }

    @Override
    public int sizeInBytes() {
        return size;
    }

    @Override
    public long writeTo(WritableByteChannel target, long offset, long length) throws IOException {
        long count = Math.min(length, size - offset);
        return channel.transferTo(position + offset, count, target);
    }

    @Override
    public ByteBuffer readAll() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("file ended " + buffer.remaining() + " bytes before the end of the region at "
                        + position + "+" + size);
            }
            at += n;
        }
        return buffer.flip();
    }
}
