package io.runnel.plugin.codec;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginContext;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginOrigin;
import io.runnel.runtime.PluginRegistry;
import io.runnel.runtime.Spi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every built-in codec must do, checked through the plugin registry as the broker finds them. */
@Timeout(60)
class CodecConformanceTest {
    private static final PluginContext CONTEXT = OptionalInt::empty;
    private static PluginRegistry registry;

    @BeforeAll
    static void loadPlugins() {
        registry = PluginRegistry.load(Optional.empty());
    }

    @AfterAll
    static void closePlugins() {
        registry.close();
    }

    private static CompressionCodec codec(String name, Map<String, String> config) {
        PluginInfo plugin = registry.require(Spi.COMPRESSION_CODEC, name, "compression.type");
        assertEquals(PluginOrigin.BUILT_IN, plugin.origin());
        return plugin.create(CONTEXT, config);
    }

    private static byte[] text(int size) {
        StringBuilder json = new StringBuilder();
        Random random = new Random(42);
        while (json.length() < size) {
            json.append("{\"user\":\"u").append(random.nextInt(1000)).append("\",\"action\":\"click\",\"ts\":")
                    .append(1_700_000_000_000L + random.nextInt(1_000_000)).append("}\n");
        }
        return json.substring(0, size).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        return bytes;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    @ParameterizedTest
    @CsvSource({"none,0", "gzip,1", "snappy,2", "lz4,3", "zstd,4"})
    void hasItsWellKnownId(String name, int id) {
        try (CompressionCodec codec = codec(name, Map.of())) {
            assertEquals(id, codec.id());
            assertEquals(name, codec.name());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void roundTripsEverySizeThroughBuffersAndStreams(String name) throws Exception {
        try (CompressionCodec codec = codec(name, Map.of())) {
            for (byte[] input : List.of(new byte[0], new byte[] {7}, text(1000), text(1 << 20), randomBytes(300_000))) {
                ByteBuffer compressed = codec.compress(ByteBuffer.wrap(input));
                assertArrayEquals(input, bytes(codec.decompress(compressed)), name + " buffer round trip of "
                        + input.length + " bytes");

                ByteBuffer direct = ByteBuffer.allocateDirect(input.length).put(input).flip();
                assertArrayEquals(input, bytes(codec.decompress(codec.compress(direct))), "direct buffer input");

                ByteArrayOutputStream sink = new ByteArrayOutputStream();
                try (OutputStream out = codec.compressing(sink)) {
                    for (int i = 0; i < input.length; i += 97) {
                        out.write(input, i, Math.min(97, input.length - i));
                    }
                }
                try (InputStream in = codec.decompressing(new ByteArrayInputStream(sink.toByteArray()))) {
                    assertArrayEquals(input, in.readAllBytes(), name + " stream round trip of " + input.length);
                }
                // The buffer methods may take a faster path; both paths speak one format.
                assertArrayEquals(input, bytes(codec.decompress(ByteBuffer.wrap(sink.toByteArray()))),
                        name + " stream-compressed, buffer-decompressed, " + input.length + " bytes");
                try (InputStream in = codec.decompressing(new ByteArrayInputStream(bytes(codec.compress(ByteBuffer.wrap(input)))))) {
                    assertArrayEquals(input, in.readAllBytes(), name + " buffer-compressed, stream-decompressed, "
                            + input.length + " bytes");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressesText(String name) {
        try (CompressionCodec codec = codec(name, Map.of())) {
            byte[] input = text(256 * 1024);
            int compressed = codec.compress(ByteBuffer.wrap(input)).remaining();
            assertTrue(compressed < input.length / 2, name + " compressed " + input.length + " to " + compressed);
        }
    }

    /** The frame formats Kafka clients also use, recognised by their magic bytes. */
    @ParameterizedTest
    @CsvSource({"gzip,1f8b", "snappy,82534e41505059", "lz4,04224d18", "zstd,28b52ffd"})
    void writesTheStandardFrameFormat(String name, String magic) {
        try (CompressionCodec codec = codec(name, Map.of())) {
            byte[] compressed = bytes(codec.compress(ByteBuffer.wrap(text(5000))));
            byte[] expected = HexFormat.of().parseHex(magic);
            byte[] head = java.util.Arrays.copyOf(compressed, expected.length);
            assertArrayEquals(expected, head, name + " frame starts with " + HexFormat.of().formatHex(head));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void refusesGarbageInsteadOfReturningIt(String name) {
        try (CompressionCodec codec = codec(name, Map.of())) {
            ByteBuffer garbage = ByteBuffer.wrap(randomBytes(4096));
            assertThrows(RuntimeException.class, () -> codec.decompress(garbage));
            byte[] valid = bytes(codec.compress(ByteBuffer.wrap(text(10_000))));
            byte[] truncated = java.util.Arrays.copyOf(valid, valid.length / 2);
            assertThrows(UncheckedIOException.class, () -> codec.decompress(ByteBuffer.wrap(truncated)),
                    name + " must not accept a truncated frame");
        }
    }

    @ParameterizedTest
    @CsvSource({"gzip,compression.gzip.level,1,10", "lz4,compression.lz4.level,9,18", "zstd,compression.zstd.level,-5,23"})
    void honoursLevelsAndRejectsBadOnes(String name, String key, String good, String bad) {
        try (CompressionCodec codec = codec(name, Map.of(key, good))) {
            byte[] input = text(10_000);
            assertArrayEquals(input, bytes(codec.decompress(codec.compress(ByteBuffer.wrap(input)))));
        }
        RunnelException e = assertThrows(RunnelException.class, () -> codec(name, Map.of(key, bad)));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(bad), e.getMessage());
    }

    /** A record batch compressed with each codec decodes to the same records. */
    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void compressesRecordBatches(String name) {
        try (CompressionCodec codec = codec(name, Map.of())) {
            RecordBatchBuilder builder = new RecordBatchBuilder(codec);
            for (int i = 0; i < 500; i++) {
                builder.append(1_000L + i, ("key-" + i).getBytes(StandardCharsets.UTF_8), text(200 + i));
            }
            RecordBatch batch = RecordBatch.wrap(builder.build());
            batch.ensureValid();
            assertEquals(codec.id(), batch.compressionId());
            List<Record> records = batch.records(codec);
            assertEquals(500, records.size());
            for (int i = 0; i < 500; i++) {
                assertEquals(i, records.get(i).offset());
                assertEquals(1_000L + i, records.get(i).timestamp());
                assertArrayEquals(text(200 + i), bytes(records.get(i).value()));
            }
        }
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (String name : List.of("gzip", "snappy", "lz4", "zstd")) {
                try (CompressionCodec codec = codec(name, Map.of())) {
                    List<Future<?>> results = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        int size = 10_000 + t * 5_000;
                        results.add(pool.submit(() -> {
                            for (int i = 0; i < 50; i++) {
                                byte[] input = text(size + i);
                                assertArrayEquals(input, bytes(codec.decompress(codec.compress(ByteBuffer.wrap(input)))));
                            }
                        }));
                    }
                    for (Future<?> result : results) {
                        result.get();
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
