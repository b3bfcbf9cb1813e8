package io.runnel.distribution;

import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.record.Header;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code bin/runnel dump-log} on segment files written here, byte for byte as the storage
 * engine writes them, with batches compressed by a built-in codec (gzip) and by the sample
 * third-party codec (zlib, id 5), which decode only when the installed plugins provide them.
 */
@Timeout(120)
class DumpLogIT extends DistributionTestBase {
    private static final Path SAMPLE_JAR = Path.of(System.getProperty("sample.codec.plugin.jar"));

    private Path segment;
    private int secondBatchAt;
    private int thirdBatchAt;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Offsets 0-1 uncompressed, 2 gzip, 3-4 zlib, in partition folder orders-0 as the engine would name it. */
    private Path writeSegment() throws IOException {
        List<ByteBuffer> batches = List.of(
                new RecordBatchBuilder(null).partitionLeaderEpoch(1)
                        .append(1_000, utf8("k0"), utf8("plain"), List.of(new Header("h", utf8("x"))))
                        .append(1_001, null, utf8("no key"))
                        .build(),
                new RecordBatchBuilder(new Gzip()).baseOffset(2).partitionLeaderEpoch(1).idempotent(9, (short) 0, 0)
                        .append(2_000, utf8("k2"), utf8("gzipped"))
                        .build(),
                new RecordBatchBuilder(new Zlib()).baseOffset(3).partitionLeaderEpoch(2)
                        .append(3_000, utf8("k3"), utf8("zlibbed"))
                        .append(3_001, utf8("k4"), utf8("zlibbed too"))
                        .build());
        secondBatchAt = batches.get(0).remaining();
        thirdBatchAt = secondBatchAt + batches.get(1).remaining();
        Path partition = Files.createDirectories(temp.resolve("data/orders-0"));
        segment = partition.resolve("00000000000000000000.log");
        try (OutputStream out = Files.newOutputStream(segment)) {
            for (ByteBuffer batch : batches) {
                out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
            }
        }
        return segment;
    }

    private void assumeGzipIsBuiltIn() {
        assumeTrue(Files.exists(dist.home.resolve("lib/runnel-codec-gzip-" + VERSION + ".jar")),
                "this distribution was built without the gzip codec");
    }

    @Test
    void dumpsEveryBatchAndRecordDecompressingWithTheBuiltInCodecs() throws Exception {
        assumeGzipIsBuiltIn();
        writeSegment();
        Distribution.Result result = dist.run("dump-log", "--print-data-log", "--files", segment.toString());
        assertEquals(0, result.exitCode(), result.toString());
        List<String> lines = result.out().lines().toList();
        assertEquals("Dumping " + segment, lines.get(0));
        assertEquals("Log starting offset: 0", lines.get(1));
        assertTrue(lines.get(2).matches("baseOffset: 0 lastOffset: 1 count: 2 baseSequence: -1 lastSequence: -1 "
                + "producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 1 isTransactional: false isControl: false "
                + "position: 0 CreateTime: 1001 size: \\d+ magic: 2 compresscodec: none crc: \\d+ isvalid: true"), lines.get(2));
        assertEquals("| offset: 0 CreateTime: 1000 keySize: 2 valueSize: 5 sequence: -1 headerKeys: [h] key: k0 "
                + "payload: plain", lines.get(3));
        assertEquals("| offset: 1 CreateTime: 1001 keySize: -1 valueSize: 6 sequence: -1 headerKeys: [] payload: no key",
                lines.get(4));
        assertTrue(lines.get(5).startsWith("baseOffset: 2 lastOffset: 2 count: 1 baseSequence: 0 lastSequence: 0 "
                + "producerId: 9 producerEpoch: 0 ") && lines.get(5).contains(" position: " + secondBatchAt + " ")
                && lines.get(5).contains(" compresscodec: gzip ") && lines.get(5).endsWith(" isvalid: true"), lines.get(5));
        assertEquals("| offset: 2 CreateTime: 2000 keySize: 2 valueSize: 7 sequence: 0 headerKeys: [] key: k2 "
                + "payload: gzipped", lines.get(6), "decompressed by the built-in gzip plugin");
        assertTrue(lines.get(7).contains(" position: " + thirdBatchAt + " ") && lines.get(7).contains(" compresscodec: id-5 "),
                lines.get(7));
        assertTrue(lines.get(8).startsWith("| records not decoded: codec id 5 is not installed; installed: "), lines.get(8));
        assertTrue(lines.get(8).contains("gzip (id 1)"), lines.get(8));
        assertEquals(9, lines.size(), result.toString());
        assertEquals("", result.err());
    }

    @Test
    void decodesAThirdPartyCodecOnceItsJarIsInPlugins() throws Exception {
        writeSegment();
        Files.copy(SAMPLE_JAR, dist.plugins().resolve(SAMPLE_JAR.getFileName()));
        Distribution.Result result = dist.run("dump-log", "--print-data-log", "--files", segment.toString());
        assertEquals(0, result.exitCode(), result.toString());
        List<String> lines = result.out().lines().toList();
        assertTrue(lines.get(7).contains(" compresscodec: zlib "), lines.get(7));
        assertEquals(List.of(
                "| offset: 3 CreateTime: 3000 keySize: 2 valueSize: 7 sequence: -1 headerKeys: [] key: k3 payload: zlibbed",
                "| offset: 4 CreateTime: 3001 keySize: 2 valueSize: 11 sequence: -1 headerKeys: [] key: k4 "
                        + "payload: zlibbed too"), lines.subList(8, 10), result.toString());
    }

    @Test
    void reportsACorruptBatchAndATornTailWithoutAStackTrace() throws Exception {
        writeSegment();
        byte[] bytes = Files.readAllBytes(segment);
        bytes[secondBatchAt + RecordBatch.HEADER_SIZE + 2] ^= 0x01;
        Files.write(segment, java.util.Arrays.copyOf(bytes, bytes.length - 3));

        Distribution.Result result = dist.run("dump-log", "--deep-iteration", "--files", segment.toString());
        assertEquals(1, result.exitCode(), result.toString());
        List<String> lines = result.out().lines().toList();
        assertTrue(lines.get(5).startsWith("baseOffset: 2 ") && lines.get(5).endsWith(" isvalid: false"), result.toString());
        assertTrue(lines.get(6).startsWith("Invalid batch at position " + secondBatchAt + ": corrupt record batch at "
                + "base offset 2: CRC mismatch"), lines.get(6));
        int torn = bytes.length - 3 - thirdBatchAt;
        assertTrue(lines.get(lines.size() - 1).startsWith("Found " + torn + " invalid bytes at position " + thirdBatchAt
                + ": the batch there claims " + (torn + 3) + " bytes"), result.toString());
        assertEquals(List.of("error: " + segment + ": 1 invalid batch; " + torn + " invalid bytes at position "
                + thirdBatchAt), result.errorLines(), result.toString());
        assertFalse(result.err().contains("\tat "), "no stack trace for a corrupt file\n" + result);
    }

    @Test
    void dumpsTheIndexFilesBesideTheSegment() throws Exception {
        writeSegment();
        Path index = Files.write(segment.resolveSibling("00000000000000000000.index"),
                ByteBuffer.allocate(16).putInt(2).putInt(secondBatchAt).array());
        Path timeIndex = Files.write(segment.resolveSibling("00000000000000000000.timeindex"),
                ByteBuffer.allocate(12).putLong(2_000).putInt(2).array());
        Distribution.Result result = dist.run("dump-log", "--files", index + "," + timeIndex);
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(List.of("Dumping " + index, "offset: 2 position: " + secondBatchAt,
                "Unused space: 8 zero bytes from position 8 (an index of the active segment, not yet cut to its entries)",
                "Dumping " + timeIndex, "timestamp: 2000 offset: 2"), result.out().lines().toList());
    }

    @Test
    void namesAMissingFileAndABadFlag() throws Exception {
        Path missing = temp.resolve("00000000000000000007.log");
        Distribution.Result result = dist.run("dump-log", "--files", missing.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertEquals(List.of("error: --files: " + missing + ": no such file"), result.err().lines().toList());

        Distribution.Result bad = dist.run("dump-log", "--files", missing.toString(), "--deep-iteraton");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().startsWith("Unknown option: '--deep-iteraton'"), bad.toString());

        Distribution.Result help = dist.run("dump-log", "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.out().contains("--print-data-log"), help.toString());
    }

    /** gzip as the built-in plugin writes it, codec id 1. */
    private static final class Gzip extends BaseCompressionCodec {
        Gzip() {
            super(1, "gzip");
        }

        @Override
        public OutputStream compressing(OutputStream out) throws IOException {
            return new GZIPOutputStream(out);
        }

        @Override
        public InputStream decompressing(InputStream in) throws IOException {
            return new GZIPInputStream(in);
        }
    }

    /** zlib (RFC 1950) as the sample plugin writes it, codec id 5. */
    private static final class Zlib extends BaseCompressionCodec {
        Zlib() {
            super(5, "zlib");
        }

        @Override
        public OutputStream compressing(OutputStream out) {
            return new DeflaterOutputStream(out);
        }

        @Override
        public InputStream decompressing(InputStream in) {
            return new InflaterInputStream(in);
        }
    }
}
