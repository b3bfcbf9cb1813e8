package io.runnel.runtime.internal;

import io.runnel.api.SpiVersion;
import org.pf4j.BasePluginLoader;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginClasspath;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;
import org.pf4j.PluginWrapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * pf4j, set up for Runnel: plugins are {@code *.jar} files or folders (with {@code plugin.properties}
 * and {@code lib/*.jar}) directly in the plugins directory; nothing is unpacked or written there;
 * each plugin gets an {@link IsolatingPluginClassLoader}; the system version is the SPI version, so
 * pf4j's {@code Plugin-Requires} check refuses plugins built for another SPI.
 */
final class RunnelPluginManager extends DefaultPluginManager {

    RunnelPluginManager(Path pluginsRoot) {
        super(pluginsRoot);
        setSystemVersion(SpiVersion.CURRENT);
        // pf4j would read "1.0.0" as ">=1.0.0"; a plugin that names one version means that one.
        setExactVersionAllowed(true);
    }

    @Override
    protected PluginRepository createPluginRepository() {
        return new PluginRepository() {
            @Override
            public List<Path> getPluginPaths() {
                try (Stream<Path> entries = Files.list(getPluginsRoot())) {
                    return entries.filter(RunnelPluginManager::isPluginCandidate).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list plugins directory " + getPluginsRoot(), e);
                }
            }

            @Override
            public boolean deletePluginPath(Path pluginPath) {
                return false;
            }
        };
    }

    static boolean isPluginCandidate(Path path) {
        String name = path.getFileName().toString();
        if (name.startsWith(".")) {
            return false;
        }
        return Files.isDirectory(path) || (Files.isRegularFile(path) && name.endsWith(".jar"));
    }

    @Override
    protected PluginLoader createPluginLoader() {
        ClassLoader runtimeLoader = RunnelPluginManager.class.getClassLoader();
        PluginLoader folderLoader = new BasePluginLoader(this, new DefaultPluginClasspath()) {
            @Override
            public boolean isApplicable(Path pluginPath) {
                return Files.isDirectory(pluginPath);
            }

            @Override
            protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                return new IsolatingPluginClassLoader(RunnelPluginManager.this, descriptor, runtimeLoader);
            }
        };
        PluginLoader jarLoader = new PluginLoader() {
            @Override
            public boolean isApplicable(Path pluginPath) {
                return Files.isRegularFile(pluginPath) && pluginPath.toString().endsWith(".jar");
            }

            @Override
            public ClassLoader loadPlugin(Path pluginPath, PluginDescriptor descriptor) {
                PluginClassLoader loader = new IsolatingPluginClassLoader(RunnelPluginManager.this, descriptor,
                        runtimeLoader);
                loader.addFile(pluginPath.toFile());
                return loader;
            }
        };
        return new CompoundPluginLoader().add(jarLoader).add(folderLoader);
    }

    /** The candidate plugin paths, sorted by name. */
    List<Path> pluginPaths() {
        return pluginRepository.getPluginPaths();
    }

    /**
     * Reads and checks a plugin's descriptor without loading it.
     *
     * @throws RuntimeException naming the missing field when the descriptor is incomplete
     */
    PluginDescriptor readDescriptor(Path pluginPath) {
        PluginDescriptor descriptor = getPluginDescriptorFinder().find(pluginPath);
        validatePluginDescriptor(descriptor);
        return descriptor;
    }

    /** Loads one plugin, reporting failures instead of logging and skipping them as pf4j does. */
    PluginWrapper load(Path pluginPath) {
        return loadPluginFromPath(pluginPath);
    }

    /** Whether the plugin's {@code Plugin-Requires} admits this SPI version. */
    boolean isCompatible(PluginWrapper plugin) {
        return isPluginValid(plugin);
    }

    /**
     * Whether {@code requires} also admits the next major SPI version: such an open range cannot
     * be true, since a major version changes the SPI incompatibly.
     */
    boolean admitsNextMajor(String requires) {
        return getVersionManager().checkVersionConstraint(nextMajor(), requires);
    }

    static String nextMajor() {
        int major = Integer.parseInt(SpiVersion.CURRENT.substring(0, SpiVersion.CURRENT.indexOf('.')));
        return (major + 1) + ".0.0";
    }

    /** Releases every plugin's class loader. */
    void unloadAll() {
        for (PluginWrapper plugin : getPlugins()) {
            unloadPlugin(plugin.getPluginId());
        }
    }
}
