package io.runnel.runtime.internal;

/** Turns a failure into the one-line cause an operator reads. */
public final class PluginProblems {
    private PluginProblems() {
    }

    /** How error lines name a third-party plugin: "plugin jar PATH" or "plugin folder PATH". */
    public static String where(java.nio.file.Path plugin) {
        return (java.nio.file.Files.isDirectory(plugin) ? "plugin folder " : "plugin jar ") + plugin;
    }

    public static String describe(Throwable e) {
        Throwable root = e;
        StringBuilder line = new StringBuilder(oneLine(e));
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            line.append(" (caused by ").append(oneLine(root)).append(')');
        }
        return line.toString();
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage();
        String text = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return text.replace('\n', ' ').replace('\r', ' ');
    }
}
