package io.runnel.api.record;

import io.runnel.api.Api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

import static java.util.Objects.requireNonNull;

/**
 * Record batches in a buffer, from its position to its limit.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record MemoryRecords(ByteBuffer buffer) implements Records {

    public MemoryRecords {
        requireNonNull(buffer, "buffer is null");
        buffer = buffer.slice();
    }

    @Override
    public int sizeInBytes() {
        return buffer.remaining();
    }

    @Override
    public long writeTo(WritableByteChannel channel, long offset, long length) throws IOException {
        ByteBuffer slice = buffer.duplicate();
        slice.position((int) offset);
        slice.limit((int) Math.min(slice.limit(), offset + length));
        return channel.write(slice);
    }

    @Override
    public ByteBuffer readAll() {
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer.duplicate()).flip();
        return copy;
    }
}
