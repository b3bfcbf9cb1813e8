package io.runnel.runtime.internal;

import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The class loader of one third-party plugin. A plugin sees three things only:
 * <ol>
 *   <li>the JDK (the packages of the boot layer's platform modules), which it may not override;</li>
 *   <li>the shared packages, {@code io.runnel.api} and {@code org.slf4j}, always from the runtime,
 *       so the SPI interfaces a plugin implements are the very ones the runtime calls;</li>
 *   <li>its own jars, for everything else, so its libraries never clash with the runtime's or
 *       another plugin's.</li>
 * </ol>
 * Resources follow the same rule, which also keeps {@link java.util.ServiceLoader} from seeing
 * anything but the plugin's own {@code META-INF/services}.
 */
final class IsolatingPluginClassLoader extends PluginClassLoader {
    static final List<String> SHARED_PACKAGES = List.of("io.runnel.api.", "org.slf4j.");

    /**
     * Packages of the JDK modules in the boot layer. Only these go to the platform class loader:
     * asked for anything else it would hand the request on to the application class loader,
     * which would give a plugin the runtime's copy of a library instead of its own.
     */
    private static final Set<String> PLATFORM_PACKAGES = ModuleLayer.boot().modules().stream()
            .filter(m -> m.getClassLoader() == null || m.getClassLoader() == ClassLoader.getPlatformClassLoader())
            .flatMap(m -> m.getPackages().stream())
            .collect(Collectors.toUnmodifiableSet());

    private final ClassLoader runtimeLoader;
    private final ClassLoader platformLoader = ClassLoader.getPlatformClassLoader();

    IsolatingPluginClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader runtimeLoader) {
        super(manager, descriptor, ClassLoader.getPlatformClassLoader());
        this.runtimeLoader = runtimeLoader;
    }

    static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Class<?> loadClass(String name) throws ClassNotFoundException {
        return loadClass(name, false);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded != null) {
                return loaded;
            }
            if (isShared(name)) {
                return runtimeLoader.loadClass(name);
            }
            int dot = name.lastIndexOf('.');
            if (dot > 0 && PLATFORM_PACKAGES.contains(name.substring(0, dot))) {
                return platformLoader.loadClass(name);
            }
            Class<?> own = findClass(name);
            if (resolve) {
                resolveClass(own);
            }
            return own;
        }
    }

    @Override
    public URL getResource(String name) {
        URL url = findResource(name);
        return url != null ? url : platformLoader.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> urls = new ArrayList<>(Collections.list(findResources(name)));
        urls.addAll(Collections.list(platformLoader.getResources(name)));
        return Collections.enumeration(urls);
    }
}
