package io.runnel.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Builds plugin jars for tests, from classes on the test class path. */
final class PluginJarBuilder {
    private final Map<String, String> manifest = new LinkedHashMap<>();
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    PluginJarBuilder(String pluginId) {
        manifest.put("Plugin-Id", pluginId);
        manifest.put("Plugin-Version", "1.2.3");
        manifest.put("Plugin-Requires", ">=1.0.0 & <2.0.0");
    }

    PluginJarBuilder manifest(String key, String value) {
        if (value == null) {
            manifest.remove(key);
        } else {
            manifest.put(key, value);
        }
        return this;
    }

    PluginJarBuilder withClass(Class<?> type) {
        String resource = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("class file not found: " + resource);
            }
            entries.put(resource, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    PluginJarBuilder withText(String path, String text) {
        entries.put(path, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PluginJarBuilder provides(Class<?> service, String implementation) {
        return withText("META-INF/services/" + service.getName(), implementation + "\n");
    }

    Path writeTo(Path file) {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, mf)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(entry.getKey()));
                jar.write(entry.getValue());
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
