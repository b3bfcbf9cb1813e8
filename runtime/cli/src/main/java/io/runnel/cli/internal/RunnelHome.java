package io.runnel.cli.internal;

import java.nio.file.Path;
import java.util.Optional;

/** The installation the launcher runs from, passed as {@code -Drunnel.home}. */
public final class RunnelHome {
    public static final String PROPERTY = "runnel.home";

    private RunnelHome() {
    }

    /** The installation directory, if the launcher said where it is. */
    public static Optional<Path> get() {
        String home = System.getProperty(PROPERTY);
        return home == null || home.isBlank() ? Optional.empty() : Optional.of(Path.of(home).toAbsolutePath().normalize());
    }

    /** {@code path} relative to the installation when inside it, else as it is. */
    public static String display(Path path) {
        Optional<Path> home = get();
        Path absolute = path.toAbsolutePath().normalize();
        if (home.isPresent() && absolute.startsWith(home.get())) {
            return home.get().relativize(absolute).toString();
        }
        return path.toString();
    }
}
