package io.runnel.runtime;

import io.runnel.api.PluginContext;
import io.runnel.api.PluginProvider;
import io.runnel.api.codec.CompressionCodecProvider;

import java.nio.file.Path;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One discovered plugin: a provider of one SPI, and where it came from.
 *
 * @param spi the extension point
 * @param name the provider's name, unique within the SPI
 * @param version the plugin's version ("unknown" if it declares none)
 * @param origin built-in or third-party jar
 * @param source the jar (or folder) the provider was loaded from
 * @param provider the provider instance
 * @param classLoader the class loader that defined the provider; set as the thread context class
 *     loader while calling into the plugin
 */
public record PluginInfo(Spi spi, String name, String version, PluginOrigin origin, Path source,
                         PluginProvider<?, ?> provider, ClassLoader classLoader) {

    public PluginInfo {
        requireNonNull(spi, "spi is null");
        requireNonNull(name, "name is null");
        requireNonNull(version, "version is null");
        requireNonNull(origin, "origin is null");
        requireNonNull(source, "source is null");
        requireNonNull(provider, "provider is null");
    }

    /** A short phrase naming the origin and the file, for error messages. */
    public String describeSource() {
        if (origin == PluginOrigin.BUILT_IN) {
            return "built-in " + source;
        }
        return io.runnel.runtime.internal.PluginProblems.where(source);
    }

    /** SPI-specific facts worth showing, e.g. a codec's id. */
    public String details() {
        if (provider instanceof CompressionCodecProvider codec) {
            return "codec id " + codec.id();
        }
        String description = provider.description();
        return description == null ? "" : description;
    }

    /**
     * Creates the plugin's service with the plugin's class loader as the thread context class
     * loader, so libraries inside the plugin that look classes up by name find their own.
     */
    @SuppressWarnings("unchecked")
    public <C extends PluginContext, S extends AutoCloseable> S create(C context, Map<String, String> config) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(classLoader);
        try {
            return ((PluginProvider<C, S>) provider).create(context, config);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
