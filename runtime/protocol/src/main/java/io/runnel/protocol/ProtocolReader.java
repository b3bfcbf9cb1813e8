package io.runnel.protocol;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.Records;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads protocol fields from a buffer holding one whole message. Every read checks what it reads:
 * running past the end, a negative or impossible length or count, or invalid UTF-8 fail with
 * {@link ErrorCode#INVALID_REQUEST} naming the field, never with a buffer exception or a huge
 * allocation.
 *
 * <p>Not thread safe.
 */
public final class ProtocolReader {
    private final ByteBuffer buffer;

    public ProtocolReader(ByteBuffer buffer) {
        this.buffer = buffer.slice();
    }

    public int remaining() {
        return buffer.remaining();
    }

    private void need(int bytes, String field) {
        if (buffer.remaining() < bytes) {
            throw malformed(field + " needs " + bytes + " bytes, " + buffer.remaining() + " remain");
        }
    }

    public static RunnelException malformed(String detail) {
        return new RunnelException(ErrorCode.INVALID_REQUEST, "malformed message: " + detail);
    }

    public byte int8(String field) {
        need(1, field);
        return buffer.get();
    }

    public boolean bool(String field) {
        byte b = int8(field);
        if (b != 0 && b != 1) {
            throw malformed(field + " is " + b + ", not a boolean");
        }
        return b == 1;
    }

    public short int16(String field) {
        need(2, field);
        return buffer.getShort();
    }

    public int int32(String field) {
        need(4, field);
        return buffer.getInt();
    }

    public long int64(String field) {
        need(8, field);
        return buffer.getLong();
    }

    /** An int16-length UTF-8 string; -1 is null. */
    public String nullableString(String field) {
        short length = int16(field + " length");
        if (length == -1) {
            return null;
        }
        if (length < 0) {
            throw malformed(field + " has length " + length);
        }
        need(length, field);
        ByteBuffer bytes = buffer.slice().limit(length);
        buffer.position(buffer.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw malformed(field + " is not valid UTF-8");
        }
    }

    public String string(String field) {
        String value = nullableString(field);
        if (value == null) {
            throw malformed(field + " is null");
        }
        return value;
    }

    /** An int32 count followed by that many elements; -1 is null. Each element takes at least one byte. */
    public <T> List<T> nullableArray(String field, Function<ProtocolReader, T> element) {
        int count = int32(field + " count");
        if (count == -1) {
            return null;
        }
        if (count < 0 || count > buffer.remaining()) {
            throw malformed(field + " count " + count + " is impossible with " + buffer.remaining() + " bytes left");
        }
        List<T> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            items.add(element.apply(this));
        }
        return items;
    }

    public <T> List<T> array(String field, Function<ProtocolReader, T> element) {
        List<T> items = nullableArray(field, element);
        if (items == null) {
            throw malformed(field + " is null");
        }
        return items;
    }

    public List<Integer> int32Array(String field) {
        return array(field, r -> r.int32(field));
    }

    /** String pairs, as an int32 count then key and value strings. */
    public Map<String, String> stringMap(String field) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String[] pair : array(field, r -> new String[] {r.string(field + " key"), r.nullableString(field + " value")})) {
            map.put(pair[0], pair[1]);
        }
        return map;
    }

    /** An int32-length byte string, copied out of the frame (it may outlive the request); -1 is null. */
    public ByteBuffer nullableBytes(String field) {
        int size = int32(field + " size");
        if (size == -1) {
            return null;
        }
        if (size < 0) {
            throw malformed(field + " size is " + size);
        }
        need(size, field);
        byte[] copy = new byte[size];
        buffer.get(copy);
        return ByteBuffer.wrap(copy).asReadOnlyBuffer();
    }

    /** An int32-length byte string (never null), copied; see {@link #nullableBytes}. */
    public ByteBuffer bytes(String field) {
        ByteBuffer value = nullableBytes(field);
        if (value == null) {
            throw malformed(field + " is null");
        }
        return value;
    }

    /** Record batches: an int32 size then the bytes, viewed in place (no copy); -1 is empty. */
    public Records records(String field) {
        int size = int32(field + " size");
        if (size == -1) {
            return Records.EMPTY;
        }
        if (size < 0) {
            throw malformed(field + " size is " + size);
        }
        need(size, field);
        ByteBuffer bytes = buffer.slice().limit(size);
        buffer.position(buffer.position() + size);
        return new MemoryRecords(bytes);
    }

    /** Fails unless the whole message was read: trailing bytes mean the two sides disagree on the layout. */
    public void expectEnd(String message) {
        if (buffer.hasRemaining()) {
            throw malformed(message + " has " + buffer.remaining() + " unexpected trailing bytes");
        }
    }
}
