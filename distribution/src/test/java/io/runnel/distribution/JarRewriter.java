package io.runnel.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Makes a changed copy of a jar: entries dropped or added, manifest attributes replaced. */
final class JarRewriter {
    private final Path source;
    private Predicate<String> keep = name -> true;
    private final Map<String, String> manifestChanges = new LinkedHashMap<>();
    private Path addEntriesFrom;
    private Predicate<String> addFilter = name -> false;

    JarRewriter(Path source) {
        this.source = source;
    }

    JarRewriter drop(String entryName) {
        Predicate<String> previous = keep;
        keep = name -> previous.test(name) && !name.equals(entryName);
        return this;
    }

    JarRewriter manifest(String attribute, String value) {
        manifestChanges.put(attribute, value);
        return this;
    }

    /** Also copies the entries of {@code otherJar} that match {@code filter}. */
    JarRewriter addFrom(Path otherJar, Predicate<String> filter) {
        addEntriesFrom = otherJar;
        addFilter = filter;
        return this;
    }

    Path writeTo(Path target) throws IOException {
        try (JarFile jar = new JarFile(source.toFile())) {
            Manifest manifest = new Manifest(jar.getManifest());
            manifestChanges.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
            try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file, manifest)) {
                copy(jar, keep, out);
                if (addEntriesFrom != null) {
                    try (JarFile other = new JarFile(addEntriesFrom.toFile())) {
                        copy(other, addFilter, out);
                    }
                }
            }
        }
        return target;
    }

    private static void copy(JarFile jar, Predicate<String> filter, JarOutputStream out) throws IOException {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
            JarEntry entry = entries.nextElement();
            String name = entry.getName();
            if (name.equals(JarFile.MANIFEST_NAME) || name.equals("META-INF/") || !filter.test(name)) {
                continue;
            }
            out.putNextEntry(new JarEntry(name));
            try (InputStream in = jar.getInputStream(entry)) {
                in.transferTo(out);
            }
            out.closeEntry();
        }
    }
}
