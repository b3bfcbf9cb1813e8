package io.runnel.cli.internal;

import io.runnel.api.PluginContext;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginLoadException;
import io.runnel.runtime.PluginRegistry;
import io.runnel.runtime.Spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * The codecs installed in this distribution: the built-in codec modules and the jars in
 * {@code plugins/}. Plugins load on first use, so a dump that meets no compressed batch (or runs
 * without {@code --deep-iteration}) never loads them.
 *
 * <p>A dump is a diagnostic: a broken jar in {@code plugins/} must not stop it. If the plugins
 * folder fails to load, each problem is printed as a warning and the built-in codecs are used.
 * Not thread safe.
 */
final class PluginCodecs implements Codecs, AutoCloseable {
    private static final PluginContext CONTEXT = OptionalInt::empty;

    private final Optional<Path> pluginsDir;
    private final PrintWriter err;
    private final Map<Integer, Optional<CompressionCodec>> created = new HashMap<>();
    private final Map<Integer, String> failures = new HashMap<>();
    private PluginRegistry registry;
    private boolean loaded;
    private String loadFailure;

    PluginCodecs(Optional<Path> pluginsDir, PrintWriter err) {
        this.pluginsDir = requireNonNull(pluginsDir, "pluginsDir is null");
        this.err = requireNonNull(err, "err is null");
    }

    @Override
    public Optional<CompressionCodec> codec(int id) {
        return created.computeIfAbsent(id, this::create);
    }

    @Override
    public String name(int id) {
        return Codecs.standardName(id).or(() -> plugin(id).map(PluginInfo::name)).orElse("id-" + id);
    }

    @Override
    public String whyMissing(int id) {
        Optional<PluginInfo> plugin = plugin(id);
        if (plugin.isPresent()) {
            return "codec id " + id + " (" + plugin.get().name() + ") could not be created: "
                    + failures.getOrDefault(id, "unknown reason");
        }
        if (loadFailure != null) {
            return "codec id " + id + Codecs.standardName(id).map(n -> " (" + n + ")").orElse("")
                    + " is not available: " + loadFailure;
        }
        String installed = registry.plugins(Spi.COMPRESSION_CODEC).stream()
                .map(p -> p.name() + " (id " + ((CompressionCodecProvider) p.provider()).id() + ")")
                .collect(Collectors.joining(", "));
        return "codec id " + id + Codecs.standardName(id).map(n -> " (" + n + ")").orElse("")
                + " is not installed; installed: " + installed;
    }

    private Optional<CompressionCodec> create(int id) {
        Optional<PluginInfo> plugin = plugin(id);
        if (plugin.isEmpty()) {
            return Optional.empty();
        }
        try {
            CompressionCodec codec = plugin.get().create(CONTEXT, Map.of());
            return Optional.of(new ContextLoaderCodec(codec, plugin.get().classLoader()));
        } catch (RuntimeException | LinkageError e) {
            failures.put(id, e.getClass().getSimpleName() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<PluginInfo> plugin(int id) {
        load();
        if (registry == null) {
            return Optional.empty();
        }
        return registry.plugins(Spi.COMPRESSION_CODEC).stream()
                .filter(p -> ((CompressionCodecProvider) p.provider()).id() == id).findFirst();
    }

    private void load() {
        if (loaded) {
            return;
        }
        loaded = true;
        try {
            registry = PluginRegistry.load(pluginsDir);
        } catch (PluginLoadException e) {
            for (String problem : e.problems()) {
                err.println("warning: " + problem);
            }
            err.println("warning: using the built-in codecs only, without " + pluginsDir.map(Path::toString).orElse("plugins/"));
            err.flush();
            try {
                registry = PluginRegistry.load(Optional.empty());
            } catch (RunnelException builtInFailure) {
                loadFailure = "the plugins failed to load";
            }
        } catch (RunnelException e) {
            // e.g. the plugins folder is not a folder
            loadFailure = e.getMessage();
            err.println("warning: " + e.getMessage());
            err.flush();
        }
    }

    @Override
    public void close() {
        for (Optional<CompressionCodec> codec : created.values()) {
            codec.ifPresent(CompressionCodec::close);
        }
        created.clear();
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }

    /** Calls into the plugin with its own class loader as the thread context class loader. */
    private static final class ContextLoaderCodec implements CompressionCodec {
        private final CompressionCodec codec;
        private final ClassLoader loader;

        ContextLoaderCodec(CompressionCodec codec, ClassLoader loader) {
            this.codec = codec;
            this.loader = loader;
        }

        private <T> T withLoader(Supplier<T> call) {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(loader);
            try {
                return call.get();
            } finally {
                thread.setContextClassLoader(previous);
            }
        }

        @Override
        public int id() {
            return codec.id();
        }

        @Override
        public String name() {
            return codec.name();
        }

        @Override
        public OutputStream compressing(OutputStream out) throws IOException {
            return codec.compressing(out);
        }

        @Override
        public InputStream decompressing(InputStream in) throws IOException {
            return codec.decompressing(in);
        }

        @Override
        public ByteBuffer decompress(ByteBuffer input) {
            return withLoader(() -> codec.decompress(input));
        }

        @Override
        public ByteBuffer compress(ByteBuffer input) {
            return withLoader(() -> codec.compress(input));
        }

        @Override
        public void close() {
            withLoader(() -> {
                codec.close();
                return null;
            });
        }
    }
}
