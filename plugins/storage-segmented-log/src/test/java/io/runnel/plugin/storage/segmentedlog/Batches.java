package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.record.Record;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.record.Records;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds batches whose values say which offset they should land at, and reads them back. */
final class Batches {
    private Batches() {
    }

    /** A batch of {@code count} records with values "v<n>" for n = firstValue..; each value padded to {@code valueSize}. */
    static ByteBuffer batch(int firstValue, int count, int valueSize, long timestamp) {
        RecordBatchBuilder builder = new RecordBatchBuilder(null);
        for (int i = 0; i < count; i++) {
            builder.append(timestamp, null, value(firstValue + i, valueSize));
        }
        return builder.build();
    }

    static byte[] value(int n, int size) {
        byte[] text = ("v" + n).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[Math.max(size, text.length)];
        System.arraycopy(text, 0, value, 0, text.length);
        return value;
    }

    static int valueNumber(Record record) {
        ByteBuffer v = record.value().duplicate();
        StringBuilder digits = new StringBuilder();
        v.get(); // 'v'
        while (v.hasRemaining()) {
            byte b = v.get();
            if (b < '0' || b > '9') {
                break;
            }
            digits.append((char) b);
        }
        return Integer.parseInt(digits.toString());
    }

    /** Every record in {@code records}, after checking each batch's CRC. */
    static List<Record> decode(Records records) {
        try {
            List<Record> out = new ArrayList<>();
            for (RecordBatch batch : RecordBatch.parseAll(records.readAll())) {
                batch.ensureValid();
                out.addAll(batch.records(null));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
