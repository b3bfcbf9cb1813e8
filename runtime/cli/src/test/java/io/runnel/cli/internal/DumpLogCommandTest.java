package io.runnel.cli.internal;

import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Header;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.cli.RunnelCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes real segment files and checks what {@code runnel dump-log} prints for them. */
@Timeout(30)
class DumpLogCommandTest {
    private static final byte[] NO_KEY = null;

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RunnelCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        Result result = new Result(code, out.toString(), err.toString());
        assertFalse(result.err().contains("\tat "), "no stack trace\n" + result);
        return result;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Three batches as a leader would have stored them: offsets 0-1, 2, 3-5. */
    private static List<ByteBuffer> threeBatches() {
        return List.of(
                new RecordBatchBuilder(null).baseOffset(0).partitionLeaderEpoch(4)
                        .append(1_000, utf8("k0"), utf8("v0"))
                        .append(1_005, NO_KEY, utf8("v1"), List.of(new Header("trace", utf8("x")), new Header("h2", null)))
                        .build(),
                new RecordBatchBuilder(null).baseOffset(2).partitionLeaderEpoch(4).idempotent(77, (short) 2, 10)
                        .append(2_000, utf8("k2"), utf8("line one\nline\ttwo \\ end"))
                        .build(),
                new RecordBatchBuilder(null).baseOffset(3).partitionLeaderEpoch(5)
                        .append(3_000, utf8("k3"), null)
                        .append(3_001, utf8("k4"), utf8("héllo"))
                        .append(2_999, utf8("k5"), utf8(""))
                        .build());
    }

    private Path writeLog(String name, List<ByteBuffer> batches) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (ByteBuffer batch : batches) {
                ByteBuffer copy = batch.duplicate();
                byte[] bytes = new byte[copy.remaining()];
                copy.get(bytes);
                out.write(bytes);
            }
        }
        return file;
    }

    private static String batchLine(ByteBuffer bytes, long position) {
        RecordBatch b = RecordBatch.wrap(bytes);
        return "baseOffset: " + b.baseOffset() + " lastOffset: " + b.lastOffset() + " count: " + b.recordCount()
                + " baseSequence: " + b.baseSequence() + " lastSequence: " + b.lastSequence()
                + " producerId: " + b.producerId() + " producerEpoch: " + b.producerEpoch()
                + " partitionLeaderEpoch: " + b.partitionLeaderEpoch() + " isTransactional: false isControl: false"
                + " position: " + position + " CreateTime: " + b.maxTimestamp() + " size: " + b.sizeInBytes()
                + " magic: 2 compresscodec: none crc: " + b.storedCrc() + " isvalid: true";
    }

    @Test
    void printsOneLinePerBatchInKafkasFormat() throws IOException {
        List<ByteBuffer> batches = threeBatches();
        Path log = writeLog("00000000000000000000.log", batches);
        Result result = run("dump-log", "--files", log.toString());
        assertEquals(0, result.exitCode(), result.toString());
        int second = batches.get(0).remaining();
        int third = second + batches.get(1).remaining();
        assertEquals(List.of("Dumping " + log, "Log starting offset: 0",
                batchLine(batches.get(0), 0), batchLine(batches.get(1), second), batchLine(batches.get(2), third)),
                result.lines());
        assertTrue(result.lines().get(3).contains(" baseSequence: 10 lastSequence: 10 producerId: 77 producerEpoch: 2 "
                + "partitionLeaderEpoch: 4 "), result.lines().get(3));
        assertTrue(result.lines().get(4).startsWith("baseOffset: 3 lastOffset: 5 count: 3 "), result.lines().get(4));
        assertTrue(result.lines().get(4).contains(" CreateTime: 3001 "), "the batch's largest timestamp");
        assertEquals("", result.err());
    }

    @Test
    void deepIterationPrintsEveryRecordAndPrintDataLogTheirContents() throws IOException {
        Path log = writeLog("00000000000000000000.log", threeBatches());

        Result deep = run("dump-log", "--deep-iteration", "--files", log.toString());
        assertEquals(0, deep.exitCode(), deep.toString());
        List<String> records = deep.lines().stream().filter(l -> l.startsWith("| ")).toList();
        assertEquals(List.of(
                "| offset: 0 CreateTime: 1000 keySize: 2 valueSize: 2 sequence: -1 headerKeys: []",
                "| offset: 1 CreateTime: 1005 keySize: -1 valueSize: 2 sequence: -1 headerKeys: [trace,h2]",
                "| offset: 2 CreateTime: 2000 keySize: 2 valueSize: 23 sequence: 10 headerKeys: []",
                "| offset: 3 CreateTime: 3000 keySize: 2 valueSize: -1 sequence: -1 headerKeys: []",
                "| offset: 4 CreateTime: 3001 keySize: 2 valueSize: 6 sequence: -1 headerKeys: []",
                "| offset: 5 CreateTime: 2999 keySize: 2 valueSize: 0 sequence: -1 headerKeys: []"), records);
        assertTrue(deep.lines().get(2).startsWith("baseOffset: 0 "), "records follow their batch: " + deep);
        assertTrue(deep.lines().get(3).startsWith("| offset: 0 "), deep.toString());

        Result data = run("dump-log", "--print-data-log", "--files", log.toString());
        assertEquals(0, data.exitCode(), data.toString());
        List<String> withData = data.lines().stream().filter(l -> l.startsWith("| ")).toList();
        assertEquals(6, withData.size(), data.toString());
        assertTrue(withData.get(0).endsWith("headerKeys: [] key: k0 payload: v0"), withData.get(0));
        assertTrue(withData.get(1).endsWith("headerKeys: [trace,h2] payload: v1"), "a null key is left out: " + withData.get(1));
        assertTrue(withData.get(2).endsWith(" key: k2 payload: line one\\nline\\ttwo \\\\ end"),
                "one line per record, control characters escaped: " + withData.get(2));
        assertTrue(withData.get(3).endsWith(" key: k3"), "a null value is left out: " + withData.get(3));
        assertTrue(withData.get(4).endsWith(" key: k4 payload: héllo"), withData.get(4));
        assertTrue(withData.get(5).endsWith(" key: k5 payload: "), withData.get(5));
    }

    @Test
    void reportsACorruptBatchAndGoesOnWithTheNext() throws IOException {
        List<ByteBuffer> batches = threeBatches();
        Path log = writeLog("00000000000000000000.log", batches);
        int second = batches.get(0).remaining();
        byte[] bytes = Files.readAllBytes(log);
        int flipped = second + RecordBatch.HEADER_SIZE + 3; // inside the second batch's records
        bytes[flipped] ^= 0x10;
        Files.write(log, bytes);

        Result result = run("dump-log", "--deep-iteration", "--files", log.toString());
        assertEquals(1, result.exitCode(), result.toString());
        List<String> lines = result.lines();
        String bad = lines.stream().filter(l -> l.startsWith("baseOffset: 2 ")).findFirst().orElseThrow();
        assertTrue(bad.contains(" position: " + second + " ") && bad.endsWith(" isvalid: false"), bad);
        int at = lines.indexOf(bad);
        assertTrue(lines.get(at + 1).startsWith("Invalid batch at position " + second + ": corrupt record batch at base "
                + "offset 2: CRC mismatch: stored 0x"), lines.get(at + 1));
        assertEquals("| records not decoded: the batch is invalid", lines.get(at + 2));
        assertTrue(lines.get(at + 3).startsWith("baseOffset: 3 ") && lines.get(at + 3).endsWith("isvalid: true"),
                "the batch after it is still read: " + result);
        assertEquals(5, lines.stream().filter(l -> l.startsWith("| offset: ")).count(),
                "the records of the two sound batches: " + result);
        assertEquals("error: " + log + ": 1 invalid batch\n", result.err().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void reportsATornTailWithItsPositionAndSize() throws IOException {
        List<ByteBuffer> batches = threeBatches();
        Path log = writeLog("00000000000000000000.log", batches);
        long full = Files.size(log);
        int third = batches.get(0).remaining() + batches.get(1).remaining();
        try (var channel = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(full - 5);
        }
        long torn = full - 5 - third;

        Result result = run("dump-log", "--files", log.toString());
        assertEquals(1, result.exitCode(), result.toString());
        List<String> lines = result.lines();
        assertEquals(5, lines.size(), result.toString());
        assertEquals("Found " + torn + " invalid bytes at position " + third + ": the batch there claims "
                + batches.get(2).remaining() + " bytes but only " + torn + " remain in the file (a write cut short?)",
                lines.get(4));
        assertTrue(result.err().startsWith("error: " + log + ": " + torn + " invalid bytes at position " + third),
                result.toString());
    }

    @Test
    void reportsATailTooShortToHoldABatchLength() throws IOException {
        List<ByteBuffer> batches = new ArrayList<>(threeBatches());
        batches.add(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 0, 0, 0, 6, 0}));
        Path log = writeLog("00000000000000000000.log", batches);
        long end = Files.size(log) - 9;
        Result result = run("dump-log", "--files", log.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertEquals("Found 9 invalid bytes at position " + end + ": only 9 bytes remain, fewer than the 12 that hold "
                + "a batch's base offset and length", result.lines().get(result.lines().size() - 1));
    }

    @Test
    void aZeroedTailIsNotABatch() throws IOException {
        List<ByteBuffer> batches = new ArrayList<>(threeBatches());
        batches.add(ByteBuffer.allocate(100));
        Path log = writeLog("00000000000000000000.log", batches);
        Result result = run("dump-log", "--files", log.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.lines().get(result.lines().size() - 1).matches("Found 100 invalid bytes at position \\d+: the "
                + "batch there has a length field of 0, so 12 bytes, fewer than the 61-byte batch header"),
                result.toString());
    }

    @Test
    void aBadMagicByteMakesTheBatchInvalid() throws IOException {
        List<ByteBuffer> batches = threeBatches();
        batches.get(0).put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        Path log = writeLog("00000000000000000000.log", batches);
        Result result = run("dump-log", "--files", log.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.lines().get(2).contains(" magic: 1 ") && result.lines().get(2).endsWith("isvalid: false"),
                result.toString());
        assertEquals("Invalid batch at position 0: corrupt record batch at base offset 0: magic byte is 1, expected 2",
                result.lines().get(3));
    }

    @Test
    void namesTheMissingCodecInsteadOfPrintingRecords() throws IOException {
        Path log = writeLog("00000000000000000100.log", List.of(
                new RecordBatchBuilder(new GzipForTests()).baseOffset(100).append(5, utf8("k"), utf8("v")).build()));
        Result result = run("dump-log", "--deep-iteration", "--files", log.toString());
        assertEquals(0, result.exitCode(), "a missing codec is not corruption: " + result);
        assertEquals("Log starting offset: 100", result.lines().get(1));
        assertTrue(result.lines().get(2).contains(" compresscodec: gzip "), result.lines().get(2));
        // This module's tests see only the runtime's built-in "none" codec.
        assertEquals("| records not decoded: codec id 1 (gzip) is not installed; installed: none (id 0)",
                result.lines().get(3));
    }

    @Test
    void decompressesWithTheInstalledCodec() throws IOException {
        Path log = writeLog("00000000000000000000.log", List.of(
                new RecordBatchBuilder(new GzipForTests()).append(5, utf8("k"), utf8("zipped")).append(6, null, null)
                        .build()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Codecs gzipOnly = new Codecs() {
            @Override
            public Optional<CompressionCodec> codec(int id) {
                return id == 1 ? Optional.of(new GzipForTests()) : Optional.empty();
            }

            @Override
            public String name(int id) {
                return Codecs.standardName(id).orElse("id-" + id);
            }

            @Override
            public String whyMissing(int id) {
                return "codec id " + id + " is not installed";
            }
        };
        boolean sound = new SegmentDumper(new PrintWriter(out), new PrintWriter(err), gzipOnly, false, true).dump(log);
        assertTrue(sound, out + "\n" + err);
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.get(2).contains(" compresscodec: gzip ") && lines.get(2).endsWith("isvalid: true"), lines.get(2));
        assertEquals(List.of("| offset: 0 CreateTime: 5 keySize: 1 valueSize: 6 sequence: -1 headerKeys: [] key: k payload: zipped",
                "| offset: 1 CreateTime: 6 keySize: -1 valueSize: -1 sequence: -1 headerKeys: []"), lines.subList(3, 5));
        assertEquals("", err.toString());
    }

    @Test
    void recordsThatDoNotDecodeMakeTheBatchInvalid() throws IOException {
        // A valid CRC over records that are not gzip: written by a broken producer, say.
        ByteBuffer batch = new RecordBatchBuilder(null).append(5, utf8("k"), utf8("v")).build();
        batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) 1);
        RecordBatch.wrap(batch).updateCrc();
        Path log = writeLog("00000000000000000000.log", List.of(batch));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Codecs gzip = new Codecs() {
            @Override
            public Optional<CompressionCodec> codec(int id) {
                return Optional.of(new GzipForTests());
            }

            @Override
            public String name(int id) {
                return "gzip";
            }

            @Override
            public String whyMissing(int id) {
                return "";
            }
        };
        assertFalse(new SegmentDumper(new PrintWriter(out), new PrintWriter(err), gzip, true, false).dump(log));
        assertTrue(out.toString().contains("| records do not decode: batch at base offset 0 does not decompress with "
                + "codec id 1"), out.toString());
        assertTrue(err.toString().startsWith("error: " + log + ": 1 invalid batch"), err.toString());
    }

    @Test
    void dumpsTheOffsetIndexAndItsUnusedEnd() throws IOException {
        ByteBuffer index = ByteBuffer.allocate(8 * 5);
        index.putInt(3).putInt(4_200).putInt(9).putInt(8_500); // then three zeroed (preallocated) entries
        Path file = Files.write(dir.resolve("00000000000000170318.index"), index.array());
        Result result = run("dump-log", "--files", file.toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(List.of("Dumping " + file, "offset: 170321 position: 4200", "offset: 170327 position: 8500",
                "Unused space: 24 zero bytes from position 16 (an index of the active segment, not yet cut to its entries)"),
                result.lines());
    }

    @Test
    void reportsAnOffsetIndexOutOfOrderOrCutShort() throws IOException {
        ByteBuffer index = ByteBuffer.allocate(8 * 3 + 5);
        index.putInt(9).putInt(8_500).putInt(3).putInt(4_200).putInt(12).putInt(9_000);
        Path file = Files.write(dir.resolve("00000000000000000000.index"), index.array());
        Result result = run("dump-log", "--files", file.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertEquals(List.of("Dumping " + file, "offset: 9 position: 8500", "offset: 3 position: 4200",
                "Index entry at position 8 is out of order: offset 3 position 4200 after offset 9 position 8500; "
                        + "offsets and positions must grow and not be negative",
                "offset: 12 position: 9000",
                "Found 5 invalid bytes at position 24: index entries are 8 bytes, and the file ends 5 bytes into one"),
                result.lines());
        assertEquals("error: " + file + ": 1 index entry out of order; 5 invalid bytes at position 24",
                result.err().strip());
    }

    @Test
    void dumpsTheTimeIndex() throws IOException {
        ByteBuffer index = ByteBuffer.allocate(12 * 4);
        index.putLong(0).putInt(0).putLong(1_700_000_000_000L).putInt(40).putLong(1_700_000_000_500L).putInt(41);
        Path file = Files.write(dir.resolve("00000000000000000100.timeindex"), index.array());
        Result result = run("dump-log", "--files", file.toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(List.of("Dumping " + file, "timestamp: 0 offset: 100",
                "timestamp: 1700000000000 offset: 140", "timestamp: 1700000000500 offset: 141",
                "Unused space: 12 zero bytes from position 36 (an index of the active segment, not yet cut to its entries)"),
                result.lines());

        index = ByteBuffer.allocate(12 * 2);
        index.putLong(2_000).putInt(5).putLong(1_000).putInt(6);
        Files.write(file, index.array());
        Result backwards = run("dump-log", "--files", file.toString());
        assertEquals(1, backwards.exitCode(), backwards.toString());
        assertTrue(backwards.lines().contains("Time index entry at position 12 is out of order: timestamp 1000 offset 106 "
                + "after timestamp 2000 offset 105; timestamps and offsets must not go down and offsets not be negative"),
                backwards.toString());
    }

    @Test
    void zerosFollowedByEntriesAreNotPadding() throws IOException {
        ByteBuffer index = ByteBuffer.allocate(8 * 3);
        index.putInt(3).putInt(4_200).putInt(0).putInt(0).putInt(9).putInt(8_500);
        Path file = Files.write(dir.resolve("00000000000000000000.index"), index.array());
        Result result = run("dump-log", "--files", file.toString());
        assertEquals(1, result.exitCode(), result.toString());
        assertTrue(result.lines().get(2).startsWith("Found 16 invalid bytes at position 8: the entry there is all zeros, "
                + "but a non-zero byte follows at position 19"), result.toString());
    }

    @Test
    void dumpsSeveralFilesInTurn() throws IOException {
        Path log = writeLog("00000000000000000000.log", threeBatches());
        Path index = Files.write(dir.resolve("00000000000000000000.index"), ByteBuffer.allocate(8).putInt(2).putInt(99).array());
        Result result = run("dump-log", "--files", log + "," + index);
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(List.of("Dumping " + log, "Dumping " + index),
                result.lines().stream().filter(l -> l.startsWith("Dumping ")).toList());
        assertEquals("offset: 2 position: 99", result.lines().get(result.lines().size() - 1));
    }

    @Test
    void aFileNameWithoutABaseOffsetIsStillDumped() throws IOException {
        Path log = writeLog("copy.log", threeBatches());
        Result result = run("dump-log", "--files", log.toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("Log starting offset: unknown (the file name is not a 20-digit base offset)", result.lines().get(1));
        assertEquals(5, result.lines().size());
    }

    @Test
    void namesMissingAndUnsuitableFilesBeforePrintingAnything() throws IOException {
        Path log = writeLog("00000000000000000000.log", threeBatches());
        Path other = Files.writeString(dir.resolve("notes.txt"), "hello");
        Path missing = dir.resolve("00000000000000000042.log");
        Result result = run("dump-log", "--files", log + "," + missing + "," + other + "," + dir);
        assertEquals(1, result.exitCode(), result.toString());
        assertEquals("", result.out());
        assertEquals(List.of("error: --files: " + missing + ": no such file",
                "error: --files: " + other + ": not a segment file: dump-log reads .log, .index and .timeindex files",
                "error: --files: " + dir + ": is a folder; name the segment files in it"), result.err().lines().toList());
    }

    @Test
    void badUsageExitsWithTwoAndNamesTheFlag() {
        Result none = run("dump-log");
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.err().startsWith("Missing required option: '--files=FILE'"), none.toString());

        Result unknown = run("dump-log", "--files", "x.log", "--deep");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().startsWith("Unknown option: '--deep'"), unknown.toString());

        Result empty = run("dump-log", "--files", "a.log,,b.log");
        assertEquals(2, empty.exitCode(), empty.toString());
        assertTrue(empty.err().startsWith("--files: empty file name in 'a.log,,b.log'"), empty.toString());
    }

    @Test
    void helpListsTheOptions() {
        Result help = run("dump-log", "--help");
        assertEquals(0, help.exitCode(), help.toString());
        for (String option : List.of("--files=FILE[,FILE...]", "--deep-iteration", "--print-data-log", "--plugin-dir")) {
            assertTrue(help.out().contains(option), option + " in\n" + help.out());
        }
        Result top = run("--help");
        assertTrue(top.out().contains("dump-log"), top.toString());
    }

    /** {@code runnel dump-log ... | head}: the dumper notices that nobody reads and says so, without a false alarm. */
    @Test
    void noticesThatTheOutputIsClosed() throws IOException {
        Path log = writeLog("00000000000000000000.log", threeBatches());
        PrintWriter closed = new PrintWriter(new StringWriter()) {
            @Override
            public boolean checkError() {
                return true;
            }
        };
        StringWriter err = new StringWriter();
        SegmentDumper dumper = new SegmentDumper(closed, new PrintWriter(err),
                new PluginCodecs(Optional.empty(), new PrintWriter(err)), false, false);
        assertFalse(dumper.outputClosed());
        assertTrue(dumper.dump(log), err.toString());
        assertTrue(dumper.outputClosed());
        assertEquals("", err.toString(), "stopping early is not a problem in the file");
    }

    /** The command sees a closed System.out through its own buffering and dumps no further files. */
    @Test
    void theCommandStopsAfterTheOutputIsClosed() throws IOException {
        Path log = writeLog("00000000000000000000.log", threeBatches());
        Path index = Files.write(dir.resolve("00000000000000000000.index"), ByteBuffer.allocate(8).putInt(2).putInt(99).array());
        StringWriter written = new StringWriter();
        PrintWriter closedTerminal = new PrintWriter(written) {
            @Override
            public boolean checkError() {
                return true;
            }
        };
        StringWriter err = new StringWriter();
        int code = RunnelCli.run(new String[] {"dump-log", "--files", log + "," + index}, closedTerminal,
                new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(written.toString().startsWith("Dumping " + log), written.toString());
        assertFalse(written.toString().contains("Dumping " + index), written.toString());
        assertEquals("", err.toString());
    }

    @Test
    void escapesWhatWouldBreakALine() {
        assertEquals("plain é", SegmentDumper.printable("plain é"));
        assertEquals("a\\nb\\rc\\td\\\\e\\u0000f\\u2028", SegmentDumper.printable("a\nb\rc\td\\e\0f\u2028"));
    }

    @Test
    void readsTheBaseOffsetFromTwentyDigits() {
        assertEquals(170318, SegmentDumper.baseOffsetOf(Path.of("/x/00000000000000170318.log")).getAsLong());
        assertEquals(5, SegmentDumper.baseOffsetOf(Path.of("00000000000000000005.timeindex")).getAsLong());
        assertTrue(SegmentDumper.baseOffsetOf(Path.of("170318.log")).isEmpty());
        assertTrue(SegmentDumper.baseOffsetOf(Path.of("99999999999999999999.log")).isEmpty(), "past Long.MAX_VALUE");
    }

    /** gzip, codec id 1, as the built-in plugin writes it (the plugin is not a dependency of this module). */
    private static final class GzipForTests extends BaseCompressionCodec {
        GzipForTests() {
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
}
