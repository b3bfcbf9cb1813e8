package io.runnel.runtime;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginProvider;
import io.runnel.api.RunnelException;
import io.runnel.runtime.internal.BuiltinPluginScanner;
import io.runnel.runtime.internal.JarPluginScanner;
import io.runnel.runtime.internal.PluginProblems;
import io.runnel.runtime.internal.PluginValidator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Every plugin the runtime found, after validation. Either all plugins load and pass the checks,
 * or {@link #load} throws a {@link PluginLoadException} listing every problem: the runtime never
 * starts with a partial set.
 *
 * <p>Thread safe once loaded. {@link #close()} releases the third-party class loaders; call it
 * only after every service created from those plugins is closed.
 */
public final class PluginRegistry implements AutoCloseable {
    private final List<PluginInfo> plugins;
    private final AutoCloseable jarResources;

    private PluginRegistry(List<PluginInfo> plugins, AutoCloseable jarResources) {
        this.plugins = List.copyOf(plugins);
        this.jarResources = jarResources;
    }

    /**
     * Finds the built-in plugins (ServiceLoader on this runtime's module layer or class path) and
     * the third-party ones in {@code pluginsDir}, which may be absent.
     *
     * @throws PluginLoadException if any plugin is broken or conflicts with another
     */
    public static PluginRegistry load(Optional<Path> pluginsDir) {
        requireNonNull(pluginsDir, "pluginsDir is null");
        List<String> problems = new ArrayList<>();
        JarPluginScanner jars = new JarPluginScanner();
        boolean loaded = false;
        try {
            List<PluginInfo> found = new ArrayList<>(new BuiltinPluginScanner().scan(problems));
            if (pluginsDir.isPresent()) {
                found.addAll(jars.scan(pluginsDir.get(), problems));
            }
            problems.addAll(new PluginValidator().validate(found));
            if (!problems.isEmpty()) {
                throw new PluginLoadException(problems);
            }
            found.sort(Comparator.comparing((PluginInfo p) -> p.spi().ordinal()).thenComparing(PluginInfo::name));
            PluginRegistry registry = new PluginRegistry(found, jars);
            loaded = true;
            return registry;
        } catch (PluginLoadException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            // A plugin misbehaved outside the checked steps (say its id() threw): still one line, no trace.
            problems.add("loading plugins failed: " + PluginProblems.describe(e));
            throw new PluginLoadException(problems);
        } finally {
            if (!loaded) {
                jars.close();
            }
        }
    }

    /** All plugins, ordered by SPI and name. */
    public List<PluginInfo> plugins() {
        return plugins;
    }

    /** The plugins of one SPI, ordered by name. */
    public List<PluginInfo> plugins(Spi spi) {
        return plugins.stream().filter(p -> p.spi() == spi).toList();
    }

    /** The plugin of {@code spi} called {@code name}, if there is one. */
    public Optional<PluginInfo> find(Spi spi, String name) {
        return plugins.stream().filter(p -> p.spi() == spi && p.name().equals(name)).findFirst();
    }

    /**
     * The plugin of {@code spi} called {@code name}.
     *
     * @param configKey the configuration key that named it, for the error message
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG} naming the key, the value and
     *     the names that are available
     */
    public PluginInfo require(Spi spi, String name, String configKey) {
        return find(spi, name).orElseThrow(() -> new RunnelException(ErrorCode.INVALID_CONFIG,
                configKey + "=" + name + ": no " + spi.label() + " plugin named '" + name + "'; available: "
                        + availableNames(spi)));
    }

    /** The provider of a plugin, typed. */
    public <P extends PluginProvider<?, ?>> P provider(PluginInfo plugin, Class<P> type) {
        return type.cast(plugin.provider());
    }

    private String availableNames(Spi spi) {
        String names = plugins(spi).stream().map(PluginInfo::name).collect(Collectors.joining(", "));
        return names.isEmpty() ? "(none installed)" : names;
    }

    @Override
    public void close() {
        try {
            jarResources.close();
        } catch (Exception e) {
            throw new RunnelException(ErrorCode.PLUGIN_ERROR, "closing plugin class loaders failed", e);
        }
    }
}
