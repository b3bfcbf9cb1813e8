package io.runnel.cli.internal;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code runnel dump-log}: prints and checks segment files ({@code .log}, {@code .index},
 * {@code .timeindex}), like Kafka's {@code kafka-dump-log.sh}. Works on the files alone; no broker
 * is needed, and a running broker's files may be read (up to their size when opened).
 */
@Command(name = "dump-log",
        mixinStandardHelpOptions = true,
        description = {"Print and check the files of a log segment: batches, records and index entries.",
                "Reads .log files batch by batch, checking every batch's CRC-32C, and .index and .timeindex "
                        + "files entry by entry, checking their order.",
                "Exits 1, with one 'error:' line per file, if any batch or entry is invalid or a file cannot be read."},
        footer = {"", "Example: runnel dump-log --deep-iteration --files /var/lib/runnel/orders-3/00000000000000000000.log"})
public final class DumpLogCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--files", required = true, split = ",", paramLabel = "FILE",
            description = "Comma-separated segment files to dump: .log, .index or .timeindex.")
    List<String> files;

    @Option(names = "--deep-iteration",
            description = "Also print every record of every batch, decompressing with the installed codecs.")
    boolean deepIteration;

    @Option(names = "--print-data-log",
            description = "Also print every record's key and value as UTF-8 (control characters escaped); "
                    + "implies --deep-iteration.")
    boolean printDataLog;

    @Option(names = "--plugin-dir", paramLabel = "DIR",
            description = "Folder of third-party plugin jars, for their codecs (default: the installation's plugins/).")
    Path pluginDir;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        List<Path> paths = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String name : files) {
            if (name.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--files: empty file name in '" + String.join(",", files)
                        + "'");
            }
            Path path = Path.of(name);
            checkFile(path).ifPresentOrElse(problem -> problems.add("--files: " + path + ": " + problem),
                    () -> paths.add(path));
        }
        if (!problems.isEmpty()) {
            // Refused before anything is printed: a typo should not hide among pages of output.
            problems.forEach(problem -> err.println("error: " + problem));
            err.flush();
            return 1;
        }
        Optional<Path> plugins = Optional.ofNullable(pluginDir).or(() -> RunnelHome.get().map(h -> h.resolve("plugins")));
        // Buffered here and flushed by the dumper as it goes: a line-by-line flush would cost a
        // system call per record on long segments.
        PrintWriter terminal = spec.commandLine().getOut();
        PrintWriter out = new PrintWriter(new BufferedWriter(terminal, 64 * 1024)) {
            @Override
            public boolean checkError() {
                // A PrintWriter sees the errors of a PrintWriter or PrintStream it wraps directly,
                // not through the BufferedWriter: ask the one that writes to System.out.
                return super.checkError() || terminal.checkError();
            }
        };
        boolean sound = true;
        try (PluginCodecs codecs = new PluginCodecs(plugins, err)) {
            SegmentDumper dumper = new SegmentDumper(out, err, codecs, deepIteration, printDataLog);
            for (Path path : paths) {
                sound &= dumper.dump(path);
                if (dumper.outputClosed()) {
                    break;
                }
            }
        } finally {
            out.flush();
        }
        return sound ? 0 : 1;
    }

    /** What stops {@code path} from being dumped, if anything. */
    private static Optional<String> checkFile(Path path) {
        if (!Files.exists(path)) {
            return Optional.of("no such file");
        }
        if (Files.isDirectory(path)) {
            return Optional.of("is a folder; name the segment files in it");
        }
        if (!Files.isReadable(path)) {
            return Optional.of("cannot be read (permission denied)");
        }
        if (!SegmentDumper.isDumpable(path)) {
            return Optional.of("not a segment file: dump-log reads .log, .index and .timeindex files");
        }
        return Optional.empty();
    }
}
