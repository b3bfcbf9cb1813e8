package io.runnel.runtime.internal;

import io.runnel.api.PluginProvider;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginOrigin;
import io.runnel.runtime.PluginRegistry;
import io.runnel.runtime.Spi;

import java.lang.module.ResolvedModule;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds built-in plugins with {@link ServiceLoader}: named modules on the module path that
 * {@code provides} an SPI, or (in tests and embedded use) class-path jars that list one in
 * {@code META-INF/services}.
 */
public final class BuiltinPluginScanner {

    public List<PluginInfo> scan(List<String> problems) {
        List<PluginInfo> found = new ArrayList<>();
        for (Spi spi : Spi.values()) {
            scan(spi, spi.providerType(), found, problems);
        }
        return found;
    }

    private static <P extends PluginProvider<?, ?>> void scan(Spi spi, Class<P> providerType, List<PluginInfo> found,
                                                              List<String> problems) {
        Iterator<ServiceLoader.Provider<P>> candidates =
                ServiceLoader.load(providerType, PluginRegistry.class.getClassLoader()).stream().iterator();
        while (true) {
            ServiceLoader.Provider<P> candidate;
            try {
                if (!candidates.hasNext()) {
                    return;
                }
                candidate = candidates.next();
            } catch (ServiceConfigurationError e) {
                problems.add("built-in plugins: cannot load a " + spi.label() + " provider: " + PluginProblems.describe(e));
                return;
            }
            Class<? extends P> type = candidate.type();
            Path source = sourceOf(type);
            try {
                P provider = candidate.get();
                found.add(new PluginInfo(spi, provider.name(), versionOf(type), PluginOrigin.BUILT_IN, source, provider,
                        type.getClassLoader()));
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                problems.add("built-in " + source + ": cannot create " + spi.label() + " provider " + type.getName()
                        + ": " + PluginProblems.describe(e));
            }
        }
    }

    static Path sourceOf(Class<?> type) {
        Module module = type.getModule();
        if (module.isNamed() && module.getLayer() != null) {
            Optional<URI> location = module.getLayer().configuration().findModule(module.getName())
                    .map(ResolvedModule::reference).flatMap(ref -> ref.location());
            if (location.isPresent() && "file".equals(location.get().getScheme())) {
                return Path.of(location.get());
            }
            return Path.of("module:" + module.getName());
        }
        CodeSource code = type.getProtectionDomain().getCodeSource();
        if (code != null && code.getLocation() != null) {
            try {
                return Path.of(code.getLocation().toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                return Path.of(code.getLocation().getPath());
            }
        }
        return Path.of("unknown");
    }

    static String versionOf(Class<?> type) {
        Module module = type.getModule();
        if (module.isNamed() && module.getDescriptor() != null) {
            Optional<String> raw = module.getDescriptor().rawVersion();
            if (raw.isPresent()) {
                return raw.get();
            }
        }
        Package pkg = type.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        return version == null ? "unknown" : version;
    }
}
