package com.example.runnel.codec.zlib;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZlibCodecTest {

    @Test
    void roundTripsAndCompresses() {
        try (CompressionCodec codec = new ZlibCodecProvider().create(OptionalInt::empty, Map.of())) {
            byte[] input = "hello runnel, ".repeat(1000).getBytes(StandardCharsets.UTF_8);
            ByteBuffer compressed = codec.compress(ByteBuffer.wrap(input));
            assertTrue(compressed.remaining() < input.length / 10, "compressed to " + compressed.remaining());
            assertEquals(0x78, compressed.get(0) & 0xff, "zlib header");
            ByteBuffer restored = codec.decompress(compressed);
            byte[] out = new byte[restored.remaining()];
            restored.get(out);
            assertArrayEquals(input, out);
        }
    }

    @Test
    void rejectsBadLevelNamingTheKey() {
        RunnelException e = assertThrows(RunnelException.class,
                () -> new ZlibCodecProvider().create(OptionalInt::empty, Map.of(ZlibCodecProvider.LEVEL, "11")));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertTrue(e.getMessage().contains(ZlibCodecProvider.LEVEL), e.getMessage());
    }
}
