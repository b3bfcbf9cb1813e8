package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.record.RecordBatch;
import io.runnel.api.storage.ProducerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * The last batch of each idempotent producer in a partition: epoch and sequence range, so the
 * broker can drop duplicates and refuse gaps, also after a restart.
 *
 * <p>The state is rebuilt from batch headers; a snapshot in {@code producer-state.snapshot}
 * (written when a segment rolls and on clean shutdown) saves replaying the whole log. Layout,
 * big-endian:
 * <pre>
 *   int32 version (1)
 *   int64 offset          the log-end offset the snapshot reflects
 *   int32 count
 *   count x { int64 producerId, int16 epoch, int32 firstSequence, int32 lastSequence,
 *             int64 lastOffset, int64 lastTimestamp }
 *   int32 crc             CRC-32C of everything before it
 * </pre>
 *
 * <p>Thread safety: synchronized.
 */
final class ProducerStateManager {
    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);
    static final String SNAPSHOT = "producer-state.snapshot";
    private static final int VERSION = 1;
    private static final int ENTRY_BYTES = 8 + 2 + 4 + 4 + 8 + 8;

    private final Path dir;
    private final Map<Long, ProducerState> producers = new HashMap<>();

    ProducerStateManager(Path partitionDir) {
        this.dir = partitionDir;
    }

    synchronized void update(RecordBatch header) {
        if (!header.hasProducerId()) {
            return;
        }
        producers.put(header.producerId(), new ProducerState(header.producerId(), header.producerEpoch(),
                header.baseSequence(), header.lastSequence(), header.lastOffset(), header.maxTimestamp()));
    }

    synchronized Optional<ProducerState> get(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    synchronized int size() {
        return producers.size();
    }

    synchronized void clear() {
        producers.clear();
    }

    /**
     * Writes the state as of {@code logEndOffset}, atomically.
     *
     * @param sync force the file to disk first; without, a crash may leave a torn snapshot, which
     *     its CRC exposes and loading then replays the log instead. Rolls write without: on ext4
     *     an fsync here can force out every dirty page of the log written before it.
     */
    synchronized void writeSnapshot(long logEndOffset, boolean sync) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 8 + 4 + producers.size() * ENTRY_BYTES + 4);
        buffer.putInt(VERSION).putLong(logEndOffset).putInt(producers.size());
        for (ProducerState p : producers.values()) {
            buffer.putLong(p.producerId()).putShort(p.producerEpoch()).putInt(p.firstSequence())
                    .putInt(p.lastSequence()).putLong(p.lastOffset()).putLong(p.lastTimestamp());
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue()).flip();
        Path file = dir.resolve(SNAPSHOT);
        Path tmp = dir.resolve(SNAPSHOT + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (sync) {
                channel.force(true);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Replaces the state with the snapshot's.
     *
     * @return the log-end offset the snapshot reflects, or empty (state cleared) if there is no
     *     usable snapshot
     */
    synchronized OptionalLong loadSnapshot() {
        producers.clear();
        Path file = dir.resolve(SNAPSHOT);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            log.warn("Cannot read producer snapshot {}; rebuilding from the log: {}", file, e.toString());
            return OptionalLong.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (bytes.length < 20) {
            log.warn("Producer snapshot {} is {} bytes, too short; rebuilding from the log", file, bytes.length);
            return OptionalLong.empty();
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int count = buffer.getInt(12);
        if (buffer.getInt(0) != VERSION || (int) crc.getValue() != buffer.getInt(bytes.length - 4)
                || count < 0 || bytes.length != 20 + (long) count * ENTRY_BYTES) {
            log.warn("Producer snapshot {} is corrupt; rebuilding from the log", file);
            return OptionalLong.empty();
        }
        long offset = buffer.getLong(4);
        buffer.position(16);
        for (int i = 0; i < count; i++) {
            ProducerState p = new ProducerState(buffer.getLong(), buffer.getShort(), buffer.getInt(), buffer.getInt(),
                    buffer.getLong(), buffer.getLong());
            producers.put(p.producerId(), p);
        }
        return OptionalLong.of(offset);
    }

    void deleteSnapshot() throws IOException {
        Files.deleteIfExists(dir.resolve(SNAPSHOT));
    }
}
