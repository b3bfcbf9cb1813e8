package io.runnel.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A private copy of the unpacked distribution that a test may change, and a way to run its tools. */
final class Distribution {
    static final Path BUILT = Path.of(System.getProperty("runnel.dist.dir", "target/runnel-dist-missing"));

    final Path home;

    private Distribution(Path home) {
        this.home = home;
    }

    /** Copies the built distribution into {@code parent}, keeping file modes (bin/runnel stays executable). */
    static Distribution copyInto(Path parent) {
        if (!Files.isDirectory(BUILT)) {
            throw new IllegalStateException("no unpacked distribution at " + BUILT + ": run 'mvn verify' (the "
                    + "package phase builds it)");
        }
        Path home = parent.resolve(BUILT.getFileName());
        try (Stream<Path> files = Files.walk(BUILT)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = home.resolve(BUILT.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Distribution(home);
    }

    Path plugins() {
        return home.resolve("plugins");
    }

    /** Runs {@code bin/runnel args...} and waits for it, at most a minute. */
    Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return runLauncher(home.resolve("bin/runnel"), env, args);
    }

    /** Runs {@code bin/runnel args...} with {@code input} as its standard input and waits for it, at most a minute. */
    Result runWithInput(String input, String... args) throws IOException, InterruptedException {
        Path in = Files.createTempFile("runnel-in", ".txt");
        try {
            Files.writeString(in, input, StandardCharsets.UTF_8);
            return runLauncher(home.resolve("bin/runnel"), Map.of(), in, args);
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** Runs the given launcher path (a symlink to bin/runnel, say) and waits for it, at most a minute. */
    Result runLauncher(Path launcher, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return runLauncher(launcher, env, null, args);
    }

    private Result runLauncher(Path launcher, Map<String, String> env, Path input, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
        builder.environment().putAll(env);
        Path out = Files.createTempFile("runnel-out", ".txt");
        Path err = Files.createTempFile("runnel-err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        Process process = builder.start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("bin/runnel " + String.join(" ", args) + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** Starts {@code bin/runnel args...} in the background; output goes to {@code log}. The caller stops it. */
    Process start(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/runnel").toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    record Result(int exitCode, String out, String err) {
        List<String> errorLines() {
            return err.lines().filter(l -> l.startsWith("error: ")).toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
