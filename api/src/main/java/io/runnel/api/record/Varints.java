package io.runnel.api.record;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.nio.ByteBuffer;

/** Zig-zag variable-length integers, 7 bits a byte, low bits first (as Protocol Buffers). */
final class Varints {
    private Varints() {
    }

    static int sizeOfVarint(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static void writeVarint(int value, ByteBuffer out) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static void writeVarlong(long value, ByteBuffer out) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static int readVarint(ByteBuffer in) {
        int raw = 0;
        int shift = 0;
        while (true) {
            if (!in.hasRemaining()) {
                throw corrupt("record ends inside a varint");
            }
            byte b = in.get();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
            shift += 7;
            if (shift > 28) {
                throw corrupt("varint longer than 5 bytes");
            }
        }
    }

    static long readVarlong(ByteBuffer in) {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (!in.hasRemaining()) {
                throw corrupt("record ends inside a varlong");
            }
            byte b = in.get();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
            shift += 7;
            if (shift > 63) {
                throw corrupt("varlong longer than 10 bytes");
            }
        }
    }

    static RunnelException corrupt(String detail) {
        return new RunnelException(ErrorCode.CORRUPT_RECORD, "corrupt record: " + detail);
    }
}
