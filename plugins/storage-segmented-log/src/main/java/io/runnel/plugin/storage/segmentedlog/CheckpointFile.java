package io.runnel.plugin.storage.segmentedlog;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A small text file of lines, replaced atomically: written to {@code name.tmp}, forced to disk,
 * renamed over the old file, and the directory forced, so a crash leaves either the old or the new
 * file, never a mix.
 *
 * <p>Format: a version line ({@code 0}), a line with the number of entries, then one entry per
 * line, fields separated by a space.
 */
final class CheckpointFile {
    static final int VERSION = 0;

    private final Path file;

    CheckpointFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    void write(List<String> entries) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             Writer writer = java.nio.channels.Channels.newWriter(channel, StandardCharsets.UTF_8)) {
            writer.write(VERSION + "\n" + entries.size() + "\n");
            for (String entry : entries) {
                writer.write(entry);
                writer.write('\n');
            }
            writer.flush();
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.getParent());
    }

    /**
     * The entries, or an empty list if the file does not exist.
     *
     * @throws RunnelException {@link ErrorCode#STORAGE_ERROR} naming the file and line if it is malformed
     */
    List<String[]> read(int fieldsPerEntry) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        if (lines.size() < 2 || !lines.get(0).trim().equals(String.valueOf(VERSION))) {
            throw malformed("expected version " + VERSION + " and a count on the first two lines");
        }
        int count;
        try {
            count = Integer.parseInt(lines.get(1).trim());
        } catch (NumberFormatException e) {
            throw malformed("line 2 is not a count: '" + lines.get(1) + "'");
        }
        if (count != lines.size() - 2) {
            throw malformed("says " + count + " entries but has " + (lines.size() - 2));
        }
        List<String[]> entries = new ArrayList<>(count);
        for (int i = 2; i < lines.size(); i++) {
            String[] fields = lines.get(i).trim().split(" ");
            if (fields.length != fieldsPerEntry) {
                throw malformed("line " + (i + 1) + " has " + fields.length + " fields, expected " + fieldsPerEntry);
            }
            entries.add(fields);
        }
        return entries;
    }

    private RunnelException malformed(String detail) {
        return new RunnelException(ErrorCode.STORAGE_ERROR, "checkpoint file " + file + " is malformed: " + detail);
    }

    static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot open directories; the rename itself is still atomic.
        }
    }
}
