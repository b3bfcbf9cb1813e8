package io.runnel.cli.internal;

import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.record.Header;
import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.TimestampType;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Prints the contents of segment files in the style of Kafka's {@code kafka-dump-log.sh}, checking
 * them as it goes. Layouts: {@code docs/format.md} (batches) and {@code docs/storage.md} (files).
 *
 * <p>A {@code .log} file is read batch by batch, never whole: each batch's lines are printed (and
 * flushed at least every {@value #FLUSH_INTERVAL_MS} ms) before the next is read. Every batch's
 * header and CRC-32C are checked; a bad batch whose length is sound is reported and the dump goes
 * on with the next one, while a length that cannot be right (too small, or past the end of the
 * file: a torn write) ends the file with a {@code Found N invalid bytes at position P} line.
 *
 * <p>Problems are printed in place on standard output, and summed up per file on standard error
 * as one {@code error:} line; {@link #dump} returns whether the file was sound. Not thread safe.
 */
final class SegmentDumper {
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";

    private static final long FLUSH_INTERVAL_MS = 100;
    private static final int OFFSET_INDEX_ENTRY = 8;
    private static final int TIME_INDEX_ENTRY = 12;
    /** The least a record takes: length, attributes, timestamp delta, offset delta, key and value lengths, header count. */
    private static final int MIN_RECORD_SIZE = 7;

    private final PrintWriter out;
    private final PrintWriter err;
    private final Codecs codecs;
    private final boolean deepIteration;
    private final boolean printData;
    private long lastFlush = System.nanoTime();
    private boolean outputClosed;

    /**
     * @param out where the dump goes; best buffered, since this class flushes it itself
     * @param err where each unsound file is summed up in one {@code error:} line
     * @param deepIteration print every record of every batch
     * @param printData print keys and values too (implies {@code deepIteration})
     */
    SegmentDumper(PrintWriter out, PrintWriter err, Codecs codecs, boolean deepIteration, boolean printData) {
        this.out = requireNonNull(out, "out is null");
        this.err = requireNonNull(err, "err is null");
        this.codecs = requireNonNull(codecs, "codecs is null");
        this.deepIteration = deepIteration || printData;
        this.printData = printData;
    }

    /**
     * Whether the reader of the output went away ({@code runnel dump-log ... | head}): the dump
     * stops at the next flush instead of reading the rest of the file for nobody.
     */
    boolean outputClosed() {
        return outputClosed;
    }

    /** Whether dump-log knows how to read {@code file}, judged by its name. */
    static boolean isDumpable(Path file) {
        String name = String.valueOf(file.getFileName());
        return name.endsWith(LOG_SUFFIX) || name.endsWith(INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX);
    }

    /**
     * Dumps one file.
     *
     * @return true if the file was read to its end and nothing in it is invalid
     */
    boolean dump(Path file) {
        out.println("Dumping " + file);
        List<String> problems = new ArrayList<>();
        String name = String.valueOf(file.getFileName());
        try {
            if (name.endsWith(LOG_SUFFIX)) {
                dumpLog(file, problems);
            } else if (name.endsWith(INDEX_SUFFIX)) {
                dumpOffsetIndex(file, problems);
            } else if (name.endsWith(TIME_INDEX_SUFFIX)) {
                dumpTimeIndex(file, problems);
            } else {
                problems.add("not a segment file: dump-log reads " + LOG_SUFFIX + ", " + INDEX_SUFFIX + " and "
                        + TIME_INDEX_SUFFIX + " files");
            }
        } catch (IOException e) {
            problems.add("reading failed: " + describe(e));
        } catch (RuntimeException e) {
            // Not expected: every check above reports its own problem. Still one line, no stack trace.
            problems.add("dumping failed at an unexpected " + e);
        }
        flush();
        if (!problems.isEmpty()) {
            err.println("error: " + file + ": " + String.join("; ", problems));
            err.flush();
        }
        return problems.isEmpty();
    }

    // ---- .log

    private void dumpLog(Path file, List<String> problems) throws IOException {
        OptionalLong segmentBase = baseOffsetOf(file);
        out.println("Log starting offset: " + (segmentBase.isPresent() ? String.valueOf(segmentBase.getAsLong())
                : "unknown (the file name is not a 20-digit base offset)"));
        int invalidBatches = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer lengthBytes = ByteBuffer.allocate(RecordBatch.LOG_OVERHEAD);
            ByteBuffer batchBytes = ByteBuffer.allocate(64 * 1024);
            long position = 0;
            while (position < size && !outputClosed) {
                long remaining = size - position;
                if (remaining < RecordBatch.LOG_OVERHEAD) {
                    problems.add(invalidBytes(position, remaining, "only " + remaining + " bytes remain, fewer than the "
                            + RecordBatch.LOG_OVERHEAD + " that hold a batch's base offset and length"));
                    break;
                }
                readFully(channel, lengthBytes.clear(), position);
                long batchSize = RecordBatch.LOG_OVERHEAD + (long) lengthBytes.getInt(RecordBatch.LENGTH_OFFSET);
                if (batchSize < RecordBatch.HEADER_SIZE) {
                    problems.add(invalidBytes(position, remaining, "the batch there has a length field of "
                            + (batchSize - RecordBatch.LOG_OVERHEAD) + ", so " + batchSize + " bytes, fewer than the "
                            + RecordBatch.HEADER_SIZE + "-byte batch header"));
                    break;
                }
                if (batchSize > Integer.MAX_VALUE - 8) {
                    problems.add(invalidBytes(position, remaining, "the batch there claims " + batchSize
                            + " bytes, more than a Java array can hold"));
                    break;
                }
                if (batchSize > remaining) {
                    problems.add(invalidBytes(position, remaining, "the batch there claims " + batchSize
                            + " bytes but only " + remaining + " remain in the file (a write cut short?)"));
                    break;
                }
                if (batchBytes.capacity() < batchSize) {
                    batchBytes = ByteBuffer.allocate((int) batchSize);
                }
                readFully(channel, batchBytes.clear().limit((int) batchSize), position);
                if (!dumpBatch(RecordBatch.wrap(batchBytes.flip()), position)) {
                    invalidBatches++;
                }
                position += batchSize;
                maybeFlush();
            }
        } finally {
            if (invalidBatches > 0) {
                problems.add(0, invalidBatches + (invalidBatches == 1 ? " invalid batch" : " invalid batches"));
            }
        }
    }

    private String invalidBytes(long position, long count, String why) {
        out.println("Found " + count + " invalid bytes at position " + position + ": " + why);
        return count + " invalid bytes at position " + position;
    }

    /** Prints a batch (and with deep iteration its records); returns whether it is valid. */
    private boolean dumpBatch(RecordBatch batch, long position) {
        String problem = null;
        try {
            batch.ensureValid();
        } catch (RunnelException e) {
            problem = e.getMessage();
        }
        out.println("baseOffset: " + batch.baseOffset() + " lastOffset: " + batch.lastOffset()
                + " count: " + batch.recordCount() + " baseSequence: " + batch.baseSequence()
                + " lastSequence: " + batch.lastSequence() + " producerId: " + batch.producerId()
                + " producerEpoch: " + batch.producerEpoch() + " partitionLeaderEpoch: " + batch.partitionLeaderEpoch()
                + " isTransactional: " + batch.isTransactional() + " isControl: " + batch.isControl()
                + " position: " + position + " " + label(batch.timestampType()) + ": " + batch.maxTimestamp()
                + " size: " + batch.sizeInBytes() + " magic: " + batch.magic()
                + " compresscodec: " + codecs.name(batch.compressionId()) + " crc: " + batch.storedCrc()
                + " isvalid: " + (problem == null));
        if (problem != null) {
            out.println("Invalid batch at position " + position + ": " + problem);
            if (deepIteration) {
                out.println("| records not decoded: the batch is invalid");
            }
            return false;
        }
        if (deepIteration) {
            return dumpRecords(batch);
        }
        return true;
    }

    /** Prints the records of a valid batch; returns false if they do not decode. */
    private boolean dumpRecords(RecordBatch batch) {
        int id = batch.compressionId();
        CompressionCodec codec = null;
        if (id != 0) {
            Optional<CompressionCodec> found = codecs.codec(id);
            if (found.isEmpty()) {
                out.println("| records not decoded: " + codecs.whyMissing(id));
                return true;
            }
            codec = found.get();
        } else if (batch.recordCount() > (batch.sizeInBytes() - RecordBatch.HEADER_SIZE) / MIN_RECORD_SIZE) {
            // Checked before decoding, which would size a list by the count.
            out.println("| records do not decode: record count " + batch.recordCount() + " cannot fit in the "
                    + (batch.sizeInBytes() - RecordBatch.HEADER_SIZE) + " bytes of records");
            return false;
        }
        List<Record> records;
        try {
            records = batch.records(codec);
        } catch (RuntimeException e) {
            out.println("| records do not decode: " + describe(e));
            return false;
        } catch (LinkageError e) {
            // The codec's library cannot run here (a native library for another platform, say):
            // a fact about this machine, not about the batch.
            out.println("| records not decoded: codec id " + id + " (" + codecs.name(id) + ") cannot run here: " + e);
            return true;
        }
        String timestampLabel = label(batch.timestampType());
        for (Record record : records) {
            StringBuilder line = new StringBuilder(128);
            line.append("| offset: ").append(record.offset())
                    .append(' ').append(timestampLabel).append(": ").append(record.timestamp())
                    .append(" keySize: ").append(sizeOf(record.key()))
                    .append(" valueSize: ").append(sizeOf(record.value()))
                    .append(" sequence: ").append(sequenceOf(batch, record.offset()))
                    .append(" headerKeys: ")
                    .append(record.headers().stream().map(Header::key).map(SegmentDumper::printable)
                            .collect(Collectors.joining(",", "[", "]")));
            if (printData) {
                if (record.key() != null) {
                    line.append(" key: ").append(utf8(record.key()));
                }
                if (record.value() != null) {
                    line.append(" payload: ").append(utf8(record.value()));
                }
            }
            out.println(line);
        }
        return true;
    }

    private static int sizeOf(ByteBuffer bytes) {
        return bytes == null ? -1 : bytes.remaining();
    }

    /** The record's producer sequence: the batch's base sequence plus its offset delta, wrapping like the producer. */
    private static int sequenceOf(RecordBatch batch, long offset) {
        int base = batch.baseSequence();
        if (base == RecordBatch.NO_SEQUENCE) {
            return RecordBatch.NO_SEQUENCE;
        }
        long sequence = base + (offset - batch.baseOffset());
        return (int) (sequence > Integer.MAX_VALUE ? sequence - Integer.MAX_VALUE - 1 : sequence);
    }

    private static String label(TimestampType type) {
        return type == TimestampType.LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime";
    }

    private static String utf8(ByteBuffer bytes) {
        return printable(StandardCharsets.UTF_8.decode(bytes.duplicate()).toString());
    }

    /**
     * Keeps one record on one line: backslash, line breaks, tabs and other control characters are
     * escaped ({@code \\}, {@code \n}, {@code \r}, {@code \t}, {@code \u0000}).
     */
    static String printable(String text) {
        StringBuilder escaped = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                        ? String.format("\\u%04x", (int) c) : null;
            };
            if (replacement != null && escaped == null) {
                escaped = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (escaped != null) {
                if (replacement != null) {
                    escaped.append(replacement);
                } else {
                    escaped.append(c);
                }
            }
        }
        return escaped == null ? text : escaped.toString();
    }

    // ---- .index and .timeindex

    private void dumpOffsetIndex(Path file, List<String> problems) throws IOException {
        long base = indexBase(file);
        long size = Files.size(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024))) {
            long position = 0;
            long previousOffset = Long.MIN_VALUE;
            long previousPosition = Long.MIN_VALUE;
            int outOfOrder = 0;
            while (size - position >= OFFSET_INDEX_ENTRY && !outputClosed) {
                int relative = in.readInt();
                int filePosition = in.readInt();
                if (relative == 0 && filePosition == 0) {
                    // The engine adds an entry only after index.interval.bytes of log, so (0, 0) is
                    // never an entry: it is the zeroed, preallocated end of an active segment's index.
                    padding(in, position, size, OFFSET_INDEX_ENTRY, problems);
                    return;
                }
                long offset = base + relative;
                out.println("offset: " + offset + " position: " + filePosition);
                boolean first = previousOffset == Long.MIN_VALUE;
                if (relative < 0 || filePosition < 0
                        || !first && (offset <= previousOffset || filePosition <= previousPosition)) {
                    out.println("Index entry at position " + position + " is out of order: offset " + offset
                            + " position " + filePosition + (first ? ""
                            : " after offset " + previousOffset + " position " + previousPosition)
                            + "; offsets and positions must grow and not be negative");
                    outOfOrder++;
                }
                previousOffset = offset;
                previousPosition = filePosition;
                position += OFFSET_INDEX_ENTRY;
                maybeFlush();
            }
            if (!outputClosed) {
                tail(position, size, OFFSET_INDEX_ENTRY, problems);
            }
            if (outOfOrder > 0) {
                problems.add(0, outOfOrder + " index " + (outOfOrder == 1 ? "entry" : "entries") + " out of order");
            }
        }
    }

    private void dumpTimeIndex(Path file, List<String> problems) throws IOException {
        long base = indexBase(file);
        long size = Files.size(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024))) {
            long position = 0;
            long previousTimestamp = Long.MIN_VALUE;
            long previousOffset = Long.MIN_VALUE;
            int outOfOrder = 0;
            while (size - position >= TIME_INDEX_ENTRY && !outputClosed) {
                long timestamp = in.readLong();
                int relative = in.readInt();
                if (position > 0 && timestamp == 0 && relative == 0) {
                    // Only the first entry can be (0, 0): a first batch stamped at the epoch.
                    padding(in, position, size, TIME_INDEX_ENTRY, problems);
                    return;
                }
                long offset = base + relative;
                out.println("timestamp: " + timestamp + " offset: " + offset);
                if (relative < 0 || timestamp < previousTimestamp || offset < previousOffset) {
                    out.println("Time index entry at position " + position + " is out of order: timestamp " + timestamp
                            + " offset " + offset + (previousOffset == Long.MIN_VALUE ? ""
                            : " after timestamp " + previousTimestamp + " offset " + previousOffset)
                            + "; timestamps and offsets must not go down and offsets not be negative");
                    outOfOrder++;
                }
                previousTimestamp = timestamp;
                previousOffset = offset;
                position += TIME_INDEX_ENTRY;
                maybeFlush();
            }
            if (!outputClosed) {
                tail(position, size, TIME_INDEX_ENTRY, problems);
            }
            if (outOfOrder > 0) {
                problems.add(0, outOfOrder + " time index " + (outOfOrder == 1 ? "entry" : "entries") + " out of order");
            }
        }
    }

    /** The zeroed end of an index, from {@code position} on (one zero entry already read); all of it must be zero. */
    private void padding(InputStream in, long position, long size, int entrySize, List<String> problems)
            throws IOException {
        long at = position + entrySize;
        byte[] chunk = new byte[8192];
        while (at < size) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, size - at));
            if (n < 0) {
                throw new EOFException("the file ended at byte " + at + " of " + size + " while being read");
            }
            for (int i = 0; i < n; i++) {
                if (chunk[i] != 0) {
                    long nonZero = at + i;
                    problems.add(invalidBytes(position, size - position, "the entry there is all zeros, but a "
                            + "non-zero byte follows at position " + nonZero + "; zeros may only fill the "
                            + "unused end of an index"));
                    return;
                }
            }
            at += n;
        }
        out.println("Unused space: " + (size - position) + " zero bytes from position " + position
                + " (an index of the active segment, not yet cut to its entries)");
    }

    private void tail(long position, long size, int entrySize, List<String> problems) {
        if (position < size) {
            problems.add(invalidBytes(position, size - position, "index entries are " + entrySize
                    + " bytes, and the file ends " + (size - position) + " bytes into one"));
        }
    }

    private long indexBase(Path file) {
        OptionalLong base = baseOffsetOf(file);
        if (base.isEmpty()) {
            out.println("The file name is not a 20-digit base offset: the offsets below are relative to the segment's");
            return 0;
        }
        return base.getAsLong();
    }

    // ---- helpers

    /** The base offset a segment file's name carries: {@code 00000000000000170318.log} is 170318. */
    static OptionalLong baseOffsetOf(Path file) {
        String name = String.valueOf(file.getFileName());
        int dot = name.indexOf('.');
        String digits = dot < 0 ? name : name.substring(0, dot);
        if (digits.length() != 20 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new EOFException("the file ended at byte " + at + " while being read (was it truncated meanwhile?)");
            }
            at += n;
        }
    }

    private void maybeFlush() {
        if (System.nanoTime() - lastFlush >= FLUSH_INTERVAL_MS * 1_000_000) {
            flush();
        }
    }

    private void flush() {
        // checkError flushes, and sees through to System.out, which never throws on a closed pipe.
        outputClosed |= out.checkError();
        lastFlush = System.nanoTime();
    }

    private static String describe(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
