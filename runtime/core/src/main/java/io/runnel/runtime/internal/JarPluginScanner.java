package io.runnel.runtime.internal;

import io.runnel.api.PluginProvider;
import io.runnel.api.SpiVersion;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginOrigin;
import io.runnel.runtime.Spi;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads the third-party plugins in a plugins directory through pf4j and finds the providers in
 * each. Every problem becomes one line naming the jar; the caller decides (it refuses to start).
 *
 * <p>A plugin is a jar, or a folder holding {@code plugin.properties} and {@code lib/*.jar}. Its
 * descriptor ({@code Plugin-Id}, {@code Plugin-Version}, {@code Plugin-Requires} in the jar
 * manifest, or the same keys in lower case in {@code plugin.properties}) is pf4j's; its providers
 * are listed in {@code META-INF/services/<provider interface>}, as for ServiceLoader.
 */
public final class JarPluginScanner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JarPluginScanner.class);

    private final List<ClassLoader> loaders = new ArrayList<>();
    private RunnelPluginManager manager;

    public List<PluginInfo> scan(Path pluginsDir, List<String> problems) {
        if (!Files.isDirectory(pluginsDir)) {
            problems.add("plugins directory " + pluginsDir + (Files.exists(pluginsDir) ? " is not a directory"
                    : " does not exist"));
            return List.of();
        }
        manager = new RunnelPluginManager(pluginsDir);
        List<PluginInfo> found = new ArrayList<>();
        Map<String, Path> idToPath = new HashMap<>();
        for (Path path : manager.pluginPaths()) {
            scanOne(path, idToPath, found, problems);
        }
        return found;
    }

    private void scanOne(Path path, Map<String, Path> idToPath, List<PluginInfo> found, List<String> problems) {
        String where = PluginProblems.where(path);
        PluginDescriptor descriptor;
        try {
            descriptor = manager.readDescriptor(path);
        } catch (RuntimeException e) {
            problems.add(where + ": cannot read its plugin descriptor (Plugin-Id, Plugin-Version and Plugin-Requires"
                    + " in META-INF/MANIFEST.MF, or plugin.properties): " + PluginProblems.describe(e));
            return;
        }
        Path previous = idToPath.putIfAbsent(descriptor.getPluginId(), path);
        if (previous != null) {
            problems.add(where + ": Plugin-Id '" + descriptor.getPluginId() + "' is already used by plugin jar "
                    + previous);
            return;
        }
        PluginWrapper wrapper;
        try {
            wrapper = manager.load(path);
        } catch (RuntimeException e) {
            problems.add(where + ": cannot load: " + PluginProblems.describe(e));
            return;
        }
        ClassLoader loader = wrapper.getPluginClassLoader();
        loaders.add(loader);

        String requires = descriptor.getRequires() == null ? "" : descriptor.getRequires().trim();
        if (requires.isEmpty() || requires.equals("*")) {
            problems.add(where + ": does not declare the Runnel SPI versions it supports (add Plugin-Requires, e.g. '>="
                    + SpiVersion.CURRENT + " & <" + RunnelPluginManager.nextMajor() + "', to its manifest)");
            return;
        }
        if (!manager.isCompatible(wrapper)) {
            problems.add(where + ": built for Runnel SPI '" + requires + "', but this runtime provides SPI "
                    + SpiVersion.CURRENT);
            return;
        }
        if (manager.admitsNextMajor(requires)) {
            problems.add(where + ": Plugin-Requires '" + requires + "' has no upper bound below SPI "
                    + RunnelPluginManager.nextMajor() + "; state the range it was built for, e.g. '>="
                    + SpiVersion.CURRENT + " & <" + RunnelPluginManager.nextMajor() + "'");
            return;
        }
        Optional<String> unreadable = unreadableJar(path);
        if (unreadable.isPresent()) {
            problems.add(where + ": " + unreadable.get());
            return;
        }
        Optional<String> bundled = bundledSharedClass(path);
        if (bundled.isPresent()) {
            problems.add(where + ": bundles " + bundled.get() + ", which the runtime provides; declare runnel-api and"
                    + " slf4j-api with <scope>provided</scope> so they are not packaged");
            return;
        }
        int before = found.size();
        for (Spi spi : Spi.values()) {
            findProviders(spi, spi.providerType(), wrapper, path, found, problems);
        }
        if (found.size() == before && problems.stream().noneMatch(p -> p.startsWith(where))) {
            problems.add(where + ": provides no Runnel plugin (no META-INF/services entry for any SPI provider"
                    + " interface, e.g. META-INF/services/" + Spi.COMPRESSION_CODEC.providerType().getName() + ")");
        }
    }

    private static <P extends PluginProvider<?, ?>> void findProviders(Spi spi, Class<P> providerType,
                                                                       PluginWrapper wrapper, Path path,
                                                                       List<PluginInfo> found, List<String> problems) {
        ClassLoader loader = wrapper.getPluginClassLoader();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Iterator<ServiceLoader.Provider<P>> candidates = ServiceLoader.load(providerType, loader).stream().iterator();
            while (candidates.hasNext()) {
                ServiceLoader.Provider<P> candidate = candidates.next();
                if (candidate.type().getClassLoader() != loader) {
                    continue; // a platform or runtime provider seen through delegation, not this plugin's
                }
                P provider = candidate.get();
                found.add(new PluginInfo(spi, provider.name(), wrapper.getDescriptor().getVersion(),
                        PluginOrigin.PLUGIN_JAR, path, provider, loader));
            }
        } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
            problems.add(PluginProblems.where(path) + ": cannot load its " + spi.label() + " provider listed in META-INF/services/"
                    + providerType.getName() + ": " + PluginProblems.describe(e));
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The jars of a plugin: the jar itself, or a folder plugin's lib/*.jar. */
    private static List<Path> jarsOf(Path pluginPath) {
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(pluginPath)) {
            Path lib = pluginPath.resolve("lib");
            if (Files.isDirectory(lib)) {
                try (Stream<Path> files = Files.list(lib)) {
                    files.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(jars::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + lib, e);
                }
            }
        } else {
            jars.add(pluginPath);
        }
        return jars;
    }

    /** Why one of the plugin's jars cannot be read, if one cannot. */
    private static Optional<String> unreadableJar(Path pluginPath) {
        for (Path jar : jarsOf(pluginPath)) {
            try (JarFile file = new JarFile(jar.toFile())) {
                file.entries().hasMoreElements();
            } catch (IOException e) {
                return Optional.of("cannot read " + (jar.equals(pluginPath) ? "the jar" : jar) + " as a jar: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The first class of a shared package that the plugin packages itself, if any. */
    static Optional<String> bundledSharedClass(Path pluginPath) {
        List<Path> jars = jarsOf(pluginPath);
        if (Files.isDirectory(pluginPath)) {
            for (String pkg : IsolatingPluginClassLoader.SHARED_PACKAGES) {
                Path dir = pluginPath.resolve("classes").resolve(pkg.replace('.', '/'));
                if (Files.isDirectory(dir)) {
                    return Optional.of(pluginPath.relativize(dir) + " in " + pluginPath);
                }
            }
        }
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                Enumeration<JarEntry> entries = file.entries();
                while (entries.hasMoreElements()) {
                    String name = entries.nextElement().getName();
                    if (!name.endsWith(".class")) {
                        continue;
                    }
                    String className = name.replace('/', '.');
                    if (IsolatingPluginClassLoader.isShared(className)) {
                        return Optional.of(name + (jar.equals(pluginPath) ? "" : " (in " + jar.getFileName() + ")"));
                    }
                }
            } catch (IOException e) {
                return Optional.empty(); // reported by unreadableJar
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        for (ClassLoader loader : loaders) {
            if (loader instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("Closing a plugin class loader failed", e);
                }
            }
        }
        loaders.clear();
    }
}
