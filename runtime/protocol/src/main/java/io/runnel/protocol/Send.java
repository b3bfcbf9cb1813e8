package io.runnel.protocol;

import io.runnel.api.record.FileRecords;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * An encoded message ready for the network: buffers ({@link ByteBuffer}, position to limit) and
 * file regions ({@link FileRecords}) to write in order. The network layer sends buffers as they
 * are and file regions with {@code sendfile}.
 *
 * @param parts {@link ByteBuffer}s and {@link FileRecords}, in order
 * @param sizeInBytes the total size of the parts
 */
public record Send(List<Object> parts, long sizeInBytes) {
    public Send {
        parts = List.copyOf(parts);
        for (Object part : parts) {
            if (!(part instanceof ByteBuffer) && !(part instanceof FileRecords)) {
                throw new IllegalArgumentException("a send holds buffers and file regions, not " + part.getClass());
            }
        }
    }

    /** Copies the whole message into one buffer (tests, and small in-memory messages). */
    public ByteBuffer toBuffer() {
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(sizeInBytes));
        for (Object part : parts) {
            if (part instanceof ByteBuffer buffer) {
                all.put(buffer.duplicate());
            } else {
                try {
                    all.put(((FileRecords) part).readAll());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return all.flip();
    }
}
