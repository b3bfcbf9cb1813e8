package io.runnel.api.record;

import io.runnel.api.Api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A run of whole record batches, exactly as stored, that can be written to a channel.
 *
 * <p>Storage engines return {@link FileRecords} for data that lives in a file, so the network
 * layer can hand the file region to the kernel ({@code sendfile}) without copying it into the
 * heap, and {@link MemoryRecords} for data already in memory.
 *
 * <p>Instances are immutable views; writing them is safe from several threads as long as the
 * channel is not shared.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public sealed interface Records permits FileRecords, MemoryRecords {

    /** Records with no bytes. */
    Records EMPTY = new MemoryRecords(ByteBuffer.allocate(0));

    int sizeInBytes();

    /**
     * Writes up to {@code length} bytes, starting {@code offset} bytes into this run, to the channel.
     *
     * @return the number of bytes written, which may be fewer than asked for on a non-blocking channel
     */
    long writeTo(WritableByteChannel channel, long offset, long length) throws IOException;

    /** Copies the bytes into a new heap buffer; for followers, tools and tests, not the fetch path. */
    ByteBuffer readAll() throws IOException;
}
