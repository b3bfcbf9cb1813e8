package io.runnel.protocol;

import io.runnel.api.record.FileRecords;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.Records;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Writes protocol fields into a {@link Send}: buffers, with record batches that live in files kept
 * as file regions, so a fetch response goes to the socket without copying stored data.
 *
 * <p>Not thread safe.
 */
public final class ProtocolWriter {
    /** Record batches at least this large are sent from their own buffer rather than copied. */
    private static final int SEPARATE_PART_BYTES = 512;

    private final List<Object> parts = new ArrayList<>();
    private ByteBuffer current = ByteBuffer.allocate(256);
    private long size;

    private void room(int bytes) {
        if (current.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(current.capacity() * 2, current.position() + bytes));
            bigger.put(current.flip());
            current = bigger;
        }
    }

    public ProtocolWriter int8(byte value) {
        room(1);
        current.put(value);
        return this;
    }

    public ProtocolWriter bool(boolean value) {
        return int8((byte) (value ? 1 : 0));
    }

    public ProtocolWriter int16(short value) {
        room(2);
        current.putShort(value);
        return this;
    }

    public ProtocolWriter int32(int value) {
        room(4);
        current.putInt(value);
        return this;
    }

    public ProtocolWriter int64(long value) {
        room(8);
        current.putLong(value);
        return this;
    }

    public ProtocolWriter nullableString(String value) {
        if (value == null) {
            return int16((short) -1);
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is too long for the protocol");
        }
        int16((short) bytes.length);
        room(bytes.length);
        current.put(bytes);
        return this;
    }

    public ProtocolWriter string(String value) {
        if (value == null) {
            throw new IllegalArgumentException("string field is null");
        }
        return nullableString(value);
    }

    public <T> ProtocolWriter array(Collection<T> items, BiConsumer<ProtocolWriter, T> element) {
        if (items == null) {
            return int32(-1);
        }
        int32(items.size());
        for (T item : items) {
            element.accept(this, item);
        }
        return this;
    }

    public ProtocolWriter int32Array(Collection<Integer> items) {
        return array(items, ProtocolWriter::int32);
    }

    public ProtocolWriter stringMap(Map<String, String> map) {
        return array(map.entrySet(), (w, e) -> w.string(e.getKey()).nullableString(e.getValue()));
    }

    /** An int32 length then the bytes between position and limit (not consumed); null is -1. */
    public ProtocolWriter nullableBytes(ByteBuffer value) {
        if (value == null) {
            return int32(-1);
        }
        ByteBuffer bytes = value.duplicate();
        int32(bytes.remaining());
        room(bytes.remaining());
        current.put(bytes);
        return this;
    }

    public ProtocolWriter bytes(ByteBuffer value) {
        if (value == null) {
            throw new IllegalArgumentException("bytes field is null");
        }
        return nullableBytes(value);
    }

    /** An int32 size then the batches; file-backed batches stay a file region. */
    public ProtocolWriter records(Records records) {
        int32(records.sizeInBytes());
        if (records instanceof FileRecords file) {
            if (file.size() > 0) {
                flushCurrent();
                parts.add(file);
                size += file.size();
            }
        } else if (records instanceof MemoryRecords memory) {
            ByteBuffer bytes = memory.buffer().duplicate();
            if (bytes.remaining() >= SEPARATE_PART_BYTES) {
                // A batch of any size goes out as its own part, not copied into the header buffer.
                flushCurrent();
                parts.add(bytes);
                size += bytes.remaining();
            } else {
                room(bytes.remaining());
                current.put(bytes);
            }
        }
        return this;
    }

    private void flushCurrent() {
        if (current.position() > 0) {
            ByteBuffer done = current.flip();
            parts.add(done);
            size += done.remaining();
            current = ByteBuffer.allocate(256);
        }
    }

    /** The written message; the writer may not be used afterwards. */
    public Send toSend() {
        flushCurrent();
        return new Send(parts, size);
    }
}
